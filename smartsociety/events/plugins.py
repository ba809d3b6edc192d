"""What events add to other features: the search document type of events and the case page's
section of the sessions that discussed the case."""
from flask import Flask

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.events import documents
from smartsociety.sections import Section


def register(app: Flask) -> None:
    documents.register()
    CASE_PAGE.register(Section("sessions", "events/_case_sessions.html", 30))
