"""What the landscape adds to other pages: the case page's requirements (after the offers,
whose variables it uses), a solution's category and procurement terms, a gemeente's
landscape on its organisation page."""
import sqlalchemy as sa
from flask import Flask

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import CaseRequirement
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.permissions import can_edit_requirements
from smartsociety.sections import Section
from smartsociety.solutions.sections import SOLUTION_FACTS


def register(app: Flask) -> None:
    CASE_PAGE.register(Section(
        "requirements", "landscape/_case_requirements.html", 50,
        present=lambda case_id: sa.exists().where(CaseRequirement.case_id == case_id),
        # Empty, it still shows its editors the link to state requirements.
        when_empty=lambda case, user: can_edit_requirements(user, case)))
    SOLUTION_FACTS.register(Section("terms", "landscape/_solution_terms.html", 10))
    ORGANISATION_PAGE.register(Section("landscape", "landscape/_organisation_landscape.html", 50))
