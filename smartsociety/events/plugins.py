"""What events add to other features: the search document type of events and the case page's
section of the sessions that discussed the case, the home page's upcoming events, and the
reminder job (events/jobs.py)."""
import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.events import (
    documents,
    jobs,  # noqa: F401 (its @job decorators register the jobs)
    services,
)
from smartsociety.main.sections import HOME_PAGE
from smartsociety.models import EventKind
from smartsociety.models.event import event_session_case
from smartsociety.notify.registry import register_event
from smartsociety.sections import Section


def _home(_subject, _user) -> dict:
    return {"upcoming_events": services.upcoming_brief(3)}


def _discussed(case_id):
    """A session names the case (the section lists the published ones)."""
    return sa.exists().where(event_session_case.c.case_id == case_id)


def register(app: Flask) -> None:
    register_event(EventKind.EVENT_PLACE, _l("A place at an event came free for you"))
    register_event(EventKind.EVENT_REMINDER, _l("A reminder the day before an event"))
    register_event(EventKind.EVENT_CANCELLED, _l("An event you registered for was cancelled"))
    documents.register()
    CASE_PAGE.register(Section("sessions", "events/_case_sessions.html", 30, present=_discussed))
    HOME_PAGE.register(Section("events", "events/_home_section.html", 10, context=_home))
