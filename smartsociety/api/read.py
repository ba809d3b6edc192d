"""Read endpoints: cases with comments, solutions with offers and reviews, organisations and
principles. Visibility is asked of the same predicates as the pages."""
import sqlalchemy as sa
from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from smartsociety.api import schemas as s
from smartsociety.api.core import PREFIX, PageArgs, api_user, keyset_page, page_schema
from smartsociety.extensions import db
from smartsociety.models import (
    Case,
    CaseFilter,
    CaseKind,
    CasePrincipleLink,
    Comment,
    Offer,
    Organisation,
    OrganisationKind,
    Principle,
    Solution,
    Theme,
)
from smartsociety.permissions import can_view_case, can_view_hidden, can_view_principle_version
from smartsociety.principles.services import tallies
from smartsociety.solutions.services import uses_of

blp = Blueprint("api-read", __name__, url_prefix=PREFIX,
                description="Public content: what the pages show, as JSON")

SORT_KEYS = {
    "newest": lambda: [(Case.created_at, True), (Case.id, True)],
    "active": lambda: [(Case.last_activity_at, True), (Case.id, True)],
    "discussed": lambda: [(Case.comment_count, True), (Case.last_activity_at, True),
                          (Case.id, True)],
}


class CaseListArgs(s.CaseFilterArgs, PageArgs):
    pass


def load_case(case_id: int) -> Case:
    case = db.session.scalar(
        sa.select(Case).where(Case.id == case_id).options(
            selectinload(Case.author), selectinload(Case.organisation), selectinload(Case.tags)))
    if case is None or not can_view_case(api_user(), case):
        abort(404, _("This case does not exist or has been removed."))
    return case


@blp.route("/cases")
class Cases(MethodView):
    @blp.arguments(CaseListArgs, location="query")
    @blp.response(200, page_schema(s.CaseSummarySchema, "CasePage"))
    def get(self, args):
        """Cases, with the filters of the case list

        Only public cases: the same as /casussen shows."""
        filters = CaseFilter(
            kind=CaseKind(args["kind"]) if args.get("kind") else None,
            theme=Theme(args["theme"]) if args.get("theme") else None,
            status=args.get("status"),
            organisation_kind=(OrganisationKind(args["organisation_kind"])
                               if args.get("organisation_kind") else None),
            tag=args.get("tag"), language=args.get("language"), sort=args["sort"],
            extra=([CasePrincipleLink.linked_to_principle_slug(args["principle"])]
                   if args.get("principle") else []),
        )
        items, cursor = keyset_page(Case.filtered(filters), SORT_KEYS[args["sort"]](), args,
                                    f"cases:{args['sort']}")
        return {"items": items, "next_cursor": cursor}


@blp.route("/cases/<int(max=2147483647):case_id>")
class CaseDetail(MethodView):
    @blp.response(200, s.CaseSchema)
    def get(self, case_id):
        """One case with its discussion"""
        case = load_case(case_id)
        case.api_comments = list(db.session.scalars(
            Comment.for_thread(case.id).where(Comment.public_clause())))
        return case


@blp.route("/solutions")
class Solutions(MethodView):
    @blp.arguments(type("SolutionListArgs", (s.SolutionFilterArgs, PageArgs), {}),
                   location="query")
    @blp.response(200, page_schema(s.SolutionSummarySchema, "SolutionPage"))
    def get(self, args):
        """Listed solutions of the marketplace (withdrawn and hidden ones are left out)"""
        select = Solution.listed(args.get("q", ""),
                                 Theme(args["theme"]) if args.get("theme") else None)
        items, cursor = keyset_page(select, [(Solution.created_at, True), (Solution.id, True)],
                                    args, "solutions")
        return {"items": items, "next_cursor": cursor}


@blp.route("/solutions/<int(max=2147483647):solution_id>")
class SolutionDetail(MethodView):
    @blp.response(200, s.SolutionSchema)
    def get(self, solution_id):
        """One solution with its offers on cases and the reviews of gemeenten"""
        solution = db.session.get(Solution, solution_id)
        if solution is None or not can_view_hidden(api_user(), solution):
            abort(404, _("This solution does not exist or has been removed."))
        offers = db.session.scalars(
            sa.select(Offer).where(Offer.solution_id == solution.id)
            .options(selectinload(Offer.case), selectinload(Offer.organisation))
            .order_by(Offer.created_at, Offer.id))
        solution.api_offers = [o for o in offers if can_view_case(api_user(), o.case)]
        solution.api_reviews = uses_of(solution)
        return solution


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(type("OrganisationListArgs", (s.OrganisationFilterArgs, PageArgs), {}),
                   location="query")
    @blp.response(200, page_schema(s.OrganisationSchema, "OrganisationPage"))
    def get(self, args):
        """Organisations in the network (verified or not: `verified` says which)"""
        select = sa.select(Organisation)
        if args.get("kind"):
            select = select.where(Organisation.kind == OrganisationKind(args["kind"]))
        items, cursor = keyset_page(select, [(Organisation.id, False)], args, "organisations")
        return {"items": items, "next_cursor": cursor}


@blp.route("/organisations/<slug>")
class OrganisationDetail(MethodView):
    @blp.response(200, s.OrganisationSchema)
    def get(self, slug):
        """One organisation"""
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            abort(404, _("This organisation does not exist."))
        return organisation


@blp.route("/principles")
class Principles(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(s.PrincipleSummarySchema, "PrinciplePage"))
    def get(self, args):
        """Principles with at least one public version, by number"""
        items, cursor = keyset_page(Principle.public(), [(Principle.number, False)], args,
                                    "principles")
        return {"items": items, "next_cursor": cursor}


def _results(version) -> dict:
    if not version.is_frozen:
        return {}
    counts = tallies(version)

    def plain(choices):
        return {choice.value: n for choice, n in choices.items()}

    return {
        rule_id: {"total": plain(t.total),
                  "by_group": {group.value: plain(c) for group, c in t.by_group.items()}}
        for rule_id, t in counts.items()
    }


@blp.route("/principles/<slug>")
class PrincipleDetail(MethodView):
    @blp.response(200, s.PrincipleSchema)
    def get(self, slug):
        """One principle: its versions, rules, adopted text and closed consultations' results"""
        principle = db.session.scalar(sa.select(Principle).where(Principle.slug == slug))
        user = api_user()
        versions = [v for v in principle.versions if can_view_principle_version(user, v)] \
            if principle is not None else []
        if not versions:
            abort(404, _("This principle does not exist."))
        for version in versions:
            results = _results(version)
            version.api_rules = [{"number": r.number, "text": r.text, "results": results.get(r.id)}
                                 for r in version.rules]
        principle.api_versions = versions
        return principle


# Sensors: smartsociety/api/sensors.py (/sensors, /sensors/<id>, /sensors.geojson).
