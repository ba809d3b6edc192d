"""What samen organiseren adds to other features: sharing gemeenten in the case document type
(registered after the cases' plug-in) and the case page's partners section."""
import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from smartsociety.cases.cards import CARD_FLAGS
from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import CaseGemeente, EventKind
from smartsociety.notify.registry import register_event
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.partners import documents
from smartsociety.partners.services import SHARING, shared_by_others
from smartsociety.sections import Section


def register(app: Flask) -> None:
    register_event(EventKind.PARTNER, _l("A partner request or decision"))
    register_event(EventKind.ADOPTION, _l("A gemeente adopting a project"))
    documents.register()
    CASE_PAGE.register(Section(
        "partners", "partners/_case_section.html", 60,
        present=lambda case_id: sa.exists().where(CaseGemeente.case_id == case_id),
        # Always shown (who shares the case, the buttons); only its links' query is skipped.
        when_empty=lambda case, user: True))
    CARD_FLAGS[SHARING] = shared_by_others  # a card's "shared by" line
    ORGANISATION_PAGE.register(Section("shared-cases", "partners/_organisation_cases.html", 40))
