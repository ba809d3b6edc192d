"""What the marketplace adds to other features: the search document types of solutions and
organisations, solutions as reportable items, the case page's offers section and the
organisation page's cases and solutions."""
import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import EventKind, Offer, Solution
from smartsociety.moderation.registry import ReportableType
from smartsociety.moderation.registry import register as register_reportable
from smartsociety.notify.registry import register_event
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.sections import Section
from smartsociety.solutions import documents
from smartsociety.solutions.offers import case_section
from smartsociety.solutions.services import organisation_sections


def _organisation_section(organisation, _user) -> dict:
    return organisation_sections(organisation)


def register(app: Flask) -> None:
    register_event(EventKind.OFFER, _l("An offer on your case"))
    register_event(EventKind.OFFER_STATUS, _l("A change to an offer"))
    register_event(EventKind.CONTACT, _l("A message to your organisation, or a reply to yours"))
    documents.register()
    register_reportable(ReportableType(
        name="solution",
        label=_l("Solution"),
        model=Solution,
        title=lambda solution: solution.name,
        url=lambda solution: url_for("solutions.detail", solution_id=solution.id),
        author=lambda solution: solution.author,
        edit_url=lambda solution: url_for("solutions.edit", solution_id=solution.id),
        load_options=(sa.orm.selectinload(Solution.author),),
    ))
    CASE_PAGE.register(Section(
        "offers", "solutions/_case_offers.html", 20, context=case_section,
        present=lambda case_id: sa.exists().where(Offer.case_id == case_id),
        # Always shown when it has suggestions or a form; with no offers its query is skipped.
        when_empty=lambda case, user: True))
    ORGANISATION_PAGE.register(Section("solutions", "solutions/_organisation_sections.html", 20,
                                       context=_organisation_section))
