"""What events add to other features: the search document type of events and the case page's
section of the sessions that discussed the case."""
from flask import Flask

from smartsociety.cases.sections import CaseSection
from smartsociety.cases.sections import register as register_case_section
from smartsociety.events import documents


def register(app: Flask) -> None:
    documents.register()
    register_case_section(CaseSection("sessions", "events/_case_sessions.html", 30))
