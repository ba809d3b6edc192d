"""`flask sensors expire` (daily, from cron): ask "still there?" after the end date, expire
registrations that stay unanswered."""
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from smartsociety.models import utcnow
from smartsociety.sensors import services
from smartsociety.transaction import committed

sensors_cli = AppGroup("sensors", help="The sensor register.")


@sensors_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if it were this date (for catching up or testing).")
def expire(today) -> None:
    """Ask owners of sensors past their end date whether they are still there (a notification,
    mailed as each member chose), then mark those unanswered for SENSOR_EXPIRY_DAYS expired."""
    day = today.date() if today else date.today()
    with committed():
        asked = services.ask_still_there(day)
        expired = services.expire_unanswered(utcnow(), current_app.config["SENSOR_EXPIRY_DAYS"])
    click.echo(f"{asked} owner(s) asked whether their sensor is still there, "
               f"{expired} registration(s) marked expired")
