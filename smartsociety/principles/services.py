"""Lifecycle of principle versions and the consultation around them; refusals raise Refused.
These functions only flush: the request (or command) commits (transaction.py)."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Amendment,
    AmendmentSupport,
    Case,
    CasePrincipleLink,
    EventKind,
    Organisation,
    Principle,
    PrincipleVersion,
    Rule,
    RuleComment,
    RuleVote,
    User,
    VersionStatus,
    VoteChoice,
    VoterGroup,
    utcnow,
)
from smartsociety.models.membership import Membership, verified_membership_of
from smartsociety.moderation.audit import record
from smartsociety.notify import events
from smartsociety.refusals import require as _require
from smartsociety.text import slugify
from smartsociety.transaction import savepoint


def _require_consultation(version: PrincipleVersion) -> None:
    _require(
        version.in_consultation,
        _l("This is only possible while the version is open for consultation."),
    )


def _unique_slug(title: str) -> str:
    base = slugify(title, max_length=100)
    slug, n = base, 2
    while db.session.scalar(sa.select(Principle.id).where(Principle.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_rules(version: PrincipleVersion, texts: list[str]) -> None:
    """Replace the rules by number; a rule whose wording is unchanged keeps its credit."""
    existing = {rule.number: rule for rule in version.rules}
    for number, text in enumerate(texts, start=1):
        rule = existing.pop(number, None)
        if rule is None:
            version.rules.append(Rule(number=number, text=text))
        elif rule.text != text:
            rule.text, rule.credited_author, rule.credited_name = text, None, None
    for rule in existing.values():
        version.rules.remove(rule)


def _write_text(version: PrincipleVersion, title, statement, explanation, rules) -> None:
    version.title = title
    version.statement = statement
    version.explanation = explanation
    version.explanation_html = render_markdown(explanation)
    version.updated_at = utcnow()
    _set_rules(version, rules)


def create_principle(
    author: User, *, title: str, statement: str, explanation: str, rules: list[str]
) -> Principle:
    """A new principle at the end of the library, with version 1 as a draft."""
    last = db.session.scalar(sa.select(sa.func.max(Principle.number))) or 0
    principle = Principle(number=last + 1, slug=_unique_slug(title), title=title)
    version = PrincipleVersion(number=1, status=VersionStatus.DRAFT, created_by=author)
    principle.versions.append(version)
    _write_text(version, title, statement, explanation, rules)
    db.session.add(principle)
    db.session.flush()
    record(author, "principle_create", version, target_type="principle_version", label=title)
    db.session.flush()
    return principle


def update_draft(
    version: PrincipleVersion, *, title: str, statement: str, explanation: str, rules: list[str],
    actor: User | None = None,
) -> None:
    _require(version.is_draft, _l("Only a draft can be edited; adopted text is frozen."))
    _write_text(version, title, statement, explanation, rules)
    if version.principle.adopted_version is None:
        version.principle.title = title
    record(actor, "principle_draft_edit", version, target_type="principle_version", label=title)
    db.session.flush()


def delete_draft(version: PrincipleVersion, actor: User | None = None) -> Principle | None:
    """Discard a draft. A principle whose only version is this draft goes with it (it was never
    public); returns the principle when it remains."""
    _require(version.is_draft, _l("Only a draft can be deleted; adopted text is frozen."))
    principle = version.principle
    record(actor, "principle_draft_delete", version, target_type="principle_version",
           label=version.title)
    if len(principle.versions) == 1:
        db.session.delete(principle)
        db.session.flush()
        return None
    principle.versions.remove(version)
    db.session.flush()
    return principle


def new_version(principle: Principle, author: User) -> PrincipleVersion:
    """Start the next version as a draft copy of the latest one."""
    latest = principle.latest_version
    _require(latest is not None, _l("This principle has no version to copy."))
    _require(
        principle.open_version is None,
        _l("There is already a version in draft or consultation; finish that one first."),
    )
    version = PrincipleVersion(
        number=latest.number + 1,
        status=VersionStatus.DRAFT,
        created_by=author,
        title=latest.title,
        statement=latest.statement,
        explanation=latest.explanation,
        explanation_html=latest.explanation_html,
    )
    for rule in latest.rules:
        version.rules.append(
            Rule(
                number=rule.number,
                text=rule.text,
                credited_author_id=rule.credited_author_id,
                credited_name=rule.credited_name,
            )
        )
    principle.versions.append(version)
    record(author, "principle_new_version", principle, label=latest.title)
    db.session.flush()
    return version


def open_consultation(version: PrincipleVersion, actor: User | None = None) -> None:
    _require(version.is_draft, _l("Only a draft can be opened for consultation."))
    _require(bool(version.rules), _l("A version needs at least one rule before consultation."))
    version.status = VersionStatus.CONSULTATION
    version.consultation_opened_at = utcnow()
    events.principle_changed(version, EventKind.CONSULTATION)
    record(actor, "principle_open_consultation", version, target_type="principle_version")
    db.session.flush()


def adopt(
    version: PrincipleVersion, *, decision: str, adopted_on: date, actor: User | None = None
) -> None:
    """Freeze the version as adopted; the previously adopted version is superseded."""
    _require(
        version.in_consultation,
        _l("Only a version that has been in consultation can be adopted."),
    )
    previous = version.principle.adopted_version
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = utcnow()
    version.status = VersionStatus.ADOPTED
    version.decision = decision
    version.adopted_on = adopted_on
    version.principle.title = version.title
    events.principle_changed(version, EventKind.ADOPTED)
    record(actor, "principle_adopt", version, target_type="principle_version", reason=decision)
    db.session.flush()


def vote(rule: Rule, user: User, choice: VoteChoice) -> RuleVote:
    """Cast or replace the member's vote on a rule."""
    _require_consultation(rule.version)
    find = sa.select(RuleVote).where(RuleVote.rule_id == rule.id, RuleVote.user_id == user.id)
    existing = db.session.scalar(find)
    if existing is None:
        try:
            # A savepoint: a double click that inserts first wins, this one then updates.
            with savepoint():
                existing = RuleVote(rule=rule, user=user, choice=choice)
                db.session.add(existing)
            return existing
        except sa.exc.IntegrityError:
            existing = db.session.scalar(find)
    existing.choice, existing.updated_at = choice, utcnow()
    db.session.flush()
    return existing


def comment(rule: Rule, user: User, body: str) -> RuleComment:
    _require_consultation(rule.version)
    item = RuleComment(rule=rule, author=user, body=body, body_html=render_markdown(body))
    db.session.add(item)
    db.session.flush()
    return item


def propose_amendment(rule: Rule, user: User, *, text: str, reason: str) -> Amendment:
    _require_consultation(rule.version)
    amendment = Amendment(
        rule=rule, author=user, text=text, reason=reason, reason_html=render_markdown(reason)
    )
    db.session.add(amendment)
    db.session.flush()
    return amendment


def support_amendment(amendment: Amendment, user: User) -> None:
    _require_consultation(amendment.rule.version)
    _require(not amendment.is_accepted, _l("This amendment has already been accepted."))
    already = db.session.get(AmendmentSupport, (amendment.id, user.id))
    _require(already is None, _l("You already support this amendment."))
    db.session.add(AmendmentSupport(amendment=amendment, user_id=user.id))
    # Counted in SQL, so two members supporting at once both count.
    amendment.support_count = Amendment.support_count + 1
    db.session.flush()


def accept_amendment(amendment: Amendment, actor: User | None = None) -> Rule:
    """Take the amendment's wording into the version under consultation, crediting its author.

    The version in consultation is the draft of the text that will be adopted; its rules stay
    open to change until adoption freezes them.
    """
    rule = amendment.rule
    _require_consultation(rule.version)
    _require(not amendment.is_accepted, _l("This amendment has already been accepted."))
    amendment.replaced_text = rule.text
    rule.text = amendment.text
    rule.credited_author = amendment.author
    rule.credited_name = amendment.author.name if amendment.author else None
    amendment.accepted_at = utcnow()
    rule.version.updated_at = utcnow()
    record(actor, "amendment_accept", amendment)
    db.session.flush()
    return rule


@dataclass
class Tally:
    """Vote counts for one rule, overall and per voter group."""

    total: dict[VoteChoice, int] = field(default_factory=lambda: dict.fromkeys(VoteChoice, 0))
    by_group: dict[VoterGroup, dict[VoteChoice, int]] = field(
        default_factory=lambda: {g: dict.fromkeys(VoteChoice, 0) for g in VoterGroup}
    )

    @property
    def count(self) -> int:
        return sum(self.total.values())

    def add(self, group: VoterGroup, choice: VoteChoice, n: int) -> None:
        self.total[choice] += n
        self.by_group[group][choice] += n


def tallies(version: PrincipleVersion) -> dict[int, Tally]:
    """Vote counts per rule of a version, in one grouped query."""
    rows = db.session.execute(
        sa.select(RuleVote.rule_id, RuleVote.choice, Organisation.kind, sa.func.count())
        .join(Rule, Rule.id == RuleVote.rule_id)
        .join(User, User.id == RuleVote.user_id)
        # Counted at read time from the voter's current standing (issue 15): a vote cast before
        # the membership was verified counts once it is, and stops counting when it ends.
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(Membership, verified_membership_of(User.id, User.organisation_id))
        .where(Rule.version_id == version.id, User.email_verified_at.is_not(None),
               Organisation.verified_at.is_not(None))
        .group_by(RuleVote.rule_id, RuleVote.choice, Organisation.kind)
    )
    result = {rule.id: Tally() for rule in version.rules}
    for rule_id, choice, kind, n in rows:
        result[rule_id].add(VoterGroup.for_kind(kind), choice, n)
    return result


def my_votes(version: PrincipleVersion, user) -> dict[int, VoteChoice]:
    if not user.is_authenticated:
        return {}
    rows = db.session.execute(
        sa.select(RuleVote.rule_id, RuleVote.choice)
        .join(Rule, Rule.id == RuleVote.rule_id)
        .where(Rule.version_id == version.id, RuleVote.user_id == user.id)
    )
    return {rule_id: choice for rule_id, choice in rows}


def my_supports(version: PrincipleVersion, user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(AmendmentSupport.amendment_id)
            .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
            .join(Rule, Rule.id == Amendment.rule_id)
            .where(Rule.version_id == version.id, AmendmentSupport.user_id == user.id)
        )
    )


def link_case(
    case: Case, principle: Principle, rule: Rule | None, note: str, user: User
) -> CasePrincipleLink:
    _require(
        rule is None or (rule.version.principle_id == principle.id and rule.version.is_public),
        _l("That rule does not belong to this principle."),
    )
    duplicate = db.session.scalar(
        sa.select(CasePrincipleLink.id).where(
            CasePrincipleLink.case_id == case.id,
            CasePrincipleLink.principle_id == principle.id,
            CasePrincipleLink.rule_id.is_(None)
            if rule is None
            else CasePrincipleLink.rule_id == rule.id,
        )
    )
    _require(duplicate is None, _l("This case is already linked to that principle or rule."))
    link = CasePrincipleLink(case=case, principle=principle, rule=rule, note=note, created_by=user)
    db.session.add(link)
    db.session.flush()
    return link


def unlink_case(link: CasePrincipleLink) -> None:
    db.session.delete(link)
    db.session.flush()
