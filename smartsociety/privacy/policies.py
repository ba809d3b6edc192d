"""Versioned terms and privacy statement: published by moderators, accepted by members."""
import re

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401 (sa.orm.aliased)

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import PolicyAcceptance, PolicyKind, PolicyVersion, User, utcnow
from smartsociety.moderation.audit import record


def render(body: str) -> str:
    """Markdown to HTML with headings one level down: the page's own h1 is the title."""
    return re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m[1]}h{int(m[2]) + 1}", render_markdown(body))


def current(kind: PolicyKind) -> PolicyVersion | None:
    return db.session.scalar(PolicyVersion.current(kind))


def versions(kind: PolicyKind) -> list[PolicyVersion]:
    return list(db.session.scalars(
        sa.select(PolicyVersion).where(PolicyVersion.kind == kind)
        .order_by(PolicyVersion.version.desc())))


def publish(kind: PolicyKind, summary: str, body: str, by: User | None) -> PolicyVersion:
    latest = current(kind)
    version = PolicyVersion(
        kind=kind, version=(latest.version + 1) if latest else 1, summary=summary, body=body,
        body_html=render(body), published_by_id=by.id if by else None,
    )
    db.session.add(version)
    record(by, "policy_publish", target_type="policy", label=f"{kind.value} {version.version}")
    db.session.flush()
    return version


def pending(user) -> list[PolicyVersion]:
    """Current versions the member has not accepted yet (none before anything is published).
    One query: it runs on every page a member sees."""
    if not (user and user.is_authenticated):
        return []
    return list(db.session.scalars(pending_select(user.id).order_by(PolicyVersion.kind)))


def pending_select(user_id) -> sa.Select:
    """The query of `pending` (smartsociety/memberpage.py asks whether it has rows; `user_id`
    may be a bound parameter or the member's id column of an enclosing query)."""
    newer = sa.orm.aliased(PolicyVersion)
    latest = sa.select(sa.func.max(newer.version)).where(newer.kind == PolicyVersion.kind)
    # Correlated at any depth: memberpage asks this with `user_id` the loaded member's column.
    accepted = sa.select(sa.func.max(PolicyAcceptance.version)).where(
        PolicyAcceptance.user_id == user_id, PolicyAcceptance.kind == PolicyVersion.kind
    ).correlate_except(PolicyAcceptance)
    return sa.select(PolicyVersion).where(
        PolicyVersion.version == latest.scalar_subquery(),
        PolicyVersion.version > sa.func.coalesce(accepted.scalar_subquery(), 0),
    )


def accept_current(user: User) -> None:
    """Record acceptance of every current version."""
    db.session.flush()
    now = utcnow()
    for version in pending(user) if user.id else []:
        db.session.add(PolicyAcceptance(user_id=user.id, kind=version.kind,
                                        version=version.version, accepted_at=now))
