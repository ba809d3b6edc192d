"""The sensor register: "still there?" after a sensor's end date, then expiry."""
from datetime import date

from flask import current_app

from smartsociety.jobs.registry import job
from smartsociety.models import utcnow
from smartsociety.sensors import services


@job("sensors.expire", cron="0 6 * * *")
def expire(ctx):
    """Ask owners of sensors past their end date whether they are still there; expire the
    registrations left unanswered for SENSOR_EXPIRY_DAYS."""
    asked = services.ask_still_there(date.today())
    expired = services.expire_unanswered(utcnow(), current_app.config["SENSOR_EXPIRY_DAYS"])
    return f"{asked} asked, {expired} expired"
