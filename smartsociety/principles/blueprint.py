"""The principles blueprint and what its pages share: finding a principle, version, or rule the
reader may see (404 otherwise), and rendering a version page with its consultation forms. The
routes are in views.py (reading and the lifecycle), consultation.py and linking.py."""
import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import (
    Amendment,
    Case,
    CasePrincipleLink,
    Principle,
    PrincipleVersion,
    Rule,
    RuleComment,
    User,
    VersionStatus,
    VoteChoice,
    VoterGroup,
)
from smartsociety.permissions import (
    can_manage_principles,
    can_take_part_in_consultation,
    can_view_principle_version,
)
from smartsociety.principles import services
from smartsociety.principles.forms import AmendmentForm, CommentForm, VoteForm
from smartsociety.principles.sections import VERSION_PAGE

bp = Blueprint("principles", __name__, url_prefix="/principes")

_PERSON = (selectinload(User.organisation),)


def principle_or_404(slug: str) -> Principle:
    principle = db.session.scalar(
        sa.select(Principle)
        .where(Principle.slug == slug)
        .options(selectinload(Principle.versions))
    )
    if principle is None or not (principle.is_public or can_manage_principles(current_user)):
        abort(404)
    return principle


def version_or_404(principle: Principle, number: int) -> PrincipleVersion:
    version = next((v for v in principle.versions if v.number == number), None)
    if version is None or not can_view_principle_version(current_user, version):
        abort(404)
    return version


def display_version(principle: Principle) -> PrincipleVersion:
    """What the principle page shows: the consultation, else the adopted text, else a draft."""
    for status in (VersionStatus.CONSULTATION, VersionStatus.ADOPTED):
        found = next((v for v in principle.versions if v.status is status), None)
        if found is not None:
            return found
    visible = [v for v in principle.versions if can_view_principle_version(current_user, v)]
    if not visible:
        abort(404)
    return visible[-1]


def rule_or_404(rule_id: int) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None or not can_view_principle_version(current_user, rule.version):
        abort(404)
    return rule


def load_rules(version: PrincipleVersion) -> list[Rule]:
    """The version's rules with everything the page shows, without per-row queries."""
    return list(
        db.session.scalars(
            sa.select(Rule)
            .where(Rule.version_id == version.id)
            .order_by(Rule.number)
            .options(
                selectinload(Rule.credited_author),
                selectinload(Rule.amendments).selectinload(Amendment.author).options(*_PERSON),
                selectinload(Rule.comments).selectinload(RuleComment.author).options(*_PERSON),
            )
        )
    )


def linked_cases(principle: Principle) -> list[tuple[Rule | None, list[CasePrincipleLink]]]:
    """Public cases linked to the principle, grouped by rule (the principle as a whole first)."""
    links = db.session.scalars(
        CasePrincipleLink.for_principle(principle.id)
        .join(Case, Case.id == CasePrincipleLink.case_id)
        .where(Case.public_clause())
        .options(
            selectinload(CasePrincipleLink.case),
            selectinload(CasePrincipleLink.rule).selectinload(Rule.version),
        )
    )
    groups: dict[tuple, tuple[Rule | None, list]] = {}
    for link in links:
        key = (link.rule.number, link.rule.version.number) if link.rule else (0, 0)
        groups.setdefault(key, (link.rule, []))[1].append(link)
    return [groups[key] for key in sorted(groups)]


def render_version(version: PrincipleVersion, failed: dict | None = None, status: int = 200):
    """The version page; `failed` holds a rejected form by (kind, rule id) to show its errors."""
    failed = failed or {}
    rules = load_rules(version)
    forms = {}
    participating = version.in_consultation and can_take_part_in_consultation(
        current_user, version
    )
    my_votes = services.my_votes(version, current_user)
    if participating:
        for rule in rules:
            forms[rule.id] = {
                "vote": failed.get(("vote", rule.id))
                or VoteForm(formdata=None, prefix=f"vote-{rule.id}", choice=my_votes.get(rule.id)),
                "comment": failed.get(("comment", rule.id))
                or CommentForm(formdata=None, prefix=f"comment-{rule.id}"),
                "amend": failed.get(("amend", rule.id))
                or AmendmentForm(formdata=None, prefix=f"amend-{rule.id}"),
            }
    principle = version.principle
    return (
        render_template(
            "principles/version.html",
            principle=principle,
            version=version,
            rules=rules,
            forms=forms,
            tallies=services.tallies(version),
            my_votes=my_votes,
            my_supports=services.my_supports(version, current_user),
            linked=linked_cases(principle),
            VoteChoice=VoteChoice,
            VoterGroup=VoterGroup,
            **VERSION_PAGE.context(version, current_user),
        ),
        status,
    )
