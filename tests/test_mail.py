"""Mail goes out through a real SMTP server (aiosmtpd on loopback)."""
from smartsociety.mail import send_mail


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
