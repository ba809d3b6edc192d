"""What the marketplace adds to other features: the search document types of solutions and
organisations, solutions as reportable items, and the case page's offers section."""
import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CaseSection
from smartsociety.cases.sections import register as register_case_section
from smartsociety.extensions import db
from smartsociety.models import Solution
from smartsociety.moderation.registry import ReportableType, set_hidden
from smartsociety.moderation.registry import register as register_reportable
from smartsociety.solutions import documents
from smartsociety.solutions.views import case_section


def register(app: Flask) -> None:
    documents.register()
    register_reportable(ReportableType(
        name="solution",
        label=_l("Solution"),
        model=Solution,
        title=lambda solution: solution.name,
        url=lambda solution: url_for("solutions.detail", solution_id=solution.id),
        author=lambda solution: solution.author,
        is_hidden=lambda solution: solution.hidden_at is not None,
        hide=set_hidden,
        restore=lambda solution: set_hidden(solution, None),
        delete=lambda solution: db.session.delete(solution),
        edit_url=lambda solution: url_for("solutions.edit", solution_id=solution.id),
        load_options=(sa.orm.selectinload(Solution.author),),
    ))
    register_case_section(CaseSection("offers", "solutions/_case_offers.html", 20,
                                      context=case_section))
