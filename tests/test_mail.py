"""Mail goes out through a real SMTP server (aiosmtpd on loopback)."""
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from smartsociety.mail import send_mail


class Collect(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_SUPPRESS_SEND=False)
    yield handler
    controller.stop()


def test_send_mail_through_smtp(app, smtp_server):
    send_mail("lid@example.org", "Onderwerp", "Platte tekst", "<p>HTML</p>",
              headers={"List-Unsubscribe": "<https://example.org/afmelden>"})
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["lid@example.org"]
    data = envelope.content.decode()
    assert "Subject: Onderwerp" in data and "List-Unsubscribe:" in data and "Platte tekst" in data


def test_suppressed_mail_is_kept_in_the_outbox(app):
    send_mail("lid@example.org", "Onderwerp", "Tekst")
    assert app.extensions["mail_outbox"][0]["To"] == "lid@example.org"
