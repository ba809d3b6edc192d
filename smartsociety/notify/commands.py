"""`flask notify send-digests` and `flask notify sender`: one run of the jobs notify.digest-* and
notify.send (smartsociety/notify/jobs.py), which `flask jobs run` schedules."""
import click
from flask.cli import AppGroup

from smartsociety.jobs.commands import run_worker
from smartsociety.models import Delivery
from smartsociety.notify import outbox
from smartsociety.transaction import committed

notify_cli = AppGroup("notify", help="Notification mail.")


@notify_cli.command("send-digests")
@click.option("--period", type=click.Choice(["daily", "weekly"]), default="daily")
def send_digests(period: str) -> None:
    """Queue each member's digest for PERIOD and send everything due in the outbox."""
    with committed():  # the digests are queued (and claimed) before any is sent
        queued = outbox.queue_digests(Delivery(period))
    sent = outbox.drain_outbox(limit=10_000)  # each message in its own transaction
    click.echo(f"{queued} digest(s) queued, {sent} message(s) sent")


@notify_cli.command("sender")
@click.option("--once", is_flag=True, help="One pass over the outbox, then stop.")
def sender(once: bool) -> None:
    """Send immediate mail from the outbox, retrying failures, until stopped: the jobs worker
    running only the notify.send job (`flask jobs run` runs it with the rest)."""
    if once:
        sent = outbox.drain_outbox()
        click.echo(f"{sent} message(s) sent")
        return
    run_worker(["notify.send"])
