"""`flask notify send-digests` (from cron) and `flask notify sender` (the immediate-mail loop)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from smartsociety.models import Delivery
from smartsociety.notify import services
from smartsociety.transaction import committed

notify_cli = AppGroup("notify", help="Notification mail.")


@notify_cli.command("send-digests")
@click.option("--period", type=click.Choice(["daily", "weekly"]), default="daily")
def send_digests(period: str) -> None:
    """Queue each member's digest for PERIOD and send everything due in the outbox."""
    with committed():  # the digests are queued (and claimed) before any is sent
        queued = services.queue_digests(Delivery(period))
    sent = services.drain_outbox(limit=10_000)  # each message in its own transaction
    click.echo(f"{queued} digest(s) queued, {sent} message(s) sent")


@notify_cli.command("sender")
@click.option("--once", is_flag=True, help="One pass over the outbox, then stop.")
def sender(once: bool) -> None:
    """Send immediate mail from the outbox, retrying failures, until stopped."""
    while True:
        sent = services.drain_outbox()
        if sent:
            click.echo(f"{sent} message(s) sent")
        if once:
            return
        time.sleep(current_app.config["NOTIFY_SENDER_INTERVAL"])
