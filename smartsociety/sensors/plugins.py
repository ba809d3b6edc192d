"""What the sensor register adds to other features: the search document type of sensors, and
sections on the case, principle version and organisation pages listing the sensors linked
to them; and the "still there?" job (sensors/jobs.py)."""
import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import EventKind
from smartsociety.models.sensor import sensor_case
from smartsociety.notify.registry import register_event
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.principles.sections import VERSION_PAGE
from smartsociety.sections import Section
from smartsociety.sensors import (
    documents,
    jobs,  # noqa: F401 (its @job decorators register the jobs)
)


def _linked(case_id):
    """A sensor links to the case (the section lists the public ones)."""
    return sa.exists().where(sensor_case.c.case_id == case_id)


def register(app: Flask) -> None:
    register_event(EventKind.SENSOR_QUESTION, _l("A question about a sensor registration"))
    register_event(EventKind.SENSOR_REVIEW, _l("A sensor registration accepted"))
    register_event(EventKind.SENSOR_STILL_THERE, _l("Is your sensor still there?"))
    documents.register()
    CASE_PAGE.register(Section("sensors", "sensors/_case_sensors.html", 40, present=_linked))
    VERSION_PAGE.register(Section("sensors", "sensors/_rule_sensors.html", 10))
    ORGANISATION_PAGE.register(Section("sensors", "sensors/_organisation_sensors.html", 30))
