"""`flask devmail serve`: the local SMTP catcher of `make run` (development only)."""
import secrets
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from smartsociety.devmail.services import KEEP, mail_dir, parse

devmail_cli = AppGroup("devmail", help="Development mail catcher.")


class Catcher:
    """aiosmtpd handler: store each message and print it to the terminal."""

    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
        (self.folder / name).write_bytes(envelope.content)
        for old in sorted(self.folder.glob("*.eml"))[:-KEEP]:
            old.unlink(missing_ok=True)
        message = parse(envelope.content)
        body = message.get_body(preferencelist=("plain",))
        click.echo(
            f"\n--- mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}\n"
            f"{body.get_content() if body is not None else ''}--- (also at /dev/mail)\n"
        )
        return "250 Message accepted for delivery"


@devmail_cli.command("serve")
@click.option("--port", type=int, default=None, help="Port (default: MAIL_PORT).")
def serve(port: int | None) -> None:
    """Catch all mail on 127.0.0.1 until stopped; shown at /dev/mail and printed here."""
    from aiosmtpd.controller import Controller

    if current_app.config["ENV_NAME"] != "development":
        raise click.ClickException("The mail catcher is for development only.")
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    port = port or current_app.config["MAIL_PORT"]
    controller = Controller(Catcher(folder), hostname="127.0.0.1", port=port)
    controller.start()
    click.echo(f"Mail catcher on 127.0.0.1:{port}; caught mail at /dev/mail")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
