"""`flask events send-reminders`: from cron, e.g. every hour."""
import click
from flask.cli import AppGroup

from smartsociety.events import outcomes
from smartsociety.transaction import transactional

events_cli = AppGroup("events", help="Events.")


@events_cli.command("send-reminders")
@transactional
def send_reminders() -> None:
    """Remind registered members (once) of events that start within a day."""
    sent = outcomes.send_reminders()
    click.echo(f"{sent} reminder(s) queued")
