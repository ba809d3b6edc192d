"""What samen organiseren adds to other features: sharing gemeenten in the case document type
(registered after the cases' plug-in) and the case page's partners section."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import EventKind
from smartsociety.notify.registry import register_event
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.partners import documents
from smartsociety.sections import Section


def register(app: Flask) -> None:
    register_event(EventKind.PARTNER, _l("A partner request or decision"))
    register_event(EventKind.ADOPTION, _l("A gemeente adopting a project"))
    documents.register()
    CASE_PAGE.register(Section("partners", "partners/_case_section.html", 60))
    ORGANISATION_PAGE.register(Section("shared-cases", "partners/_organisation_cases.html", 40))
