"""Moderation writes: reports, decisions on reported items, sanctions and notices to authors.

Every decision by a moderator or administrator goes through `audit.record` in the same
transaction; these functions only flush, the request (or command) commits (transaction.py).
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import (
    AuditEntry,
    Case,
    Comment,
    EventKind,
    ModerationNotice,
    Report,
    ReportReason,
    ReportStatus,
    Sanction,
    SanctionKind,
    User,
    utcnow,
)
from smartsociety.moderation import registry, weights
from smartsociety.moderation.audit import record
from smartsociety.notify import services as notify
from smartsociety.refusals import Refused, require
from smartsociety.transaction import savepoint


class AlreadyReported(Refused):
    """This member already has an open report on this item."""

    def __init__(self):
        super().__init__(_l("You have already reported this. A moderator will look at it."))


def notify_author(user: User | None, item, text: str) -> ModerationNotice | None:
    """Tell an author about a decision on their content: a notice on their profile and a
    notification (bell and e-mail, by their preferences)."""
    if user is None:
        return None
    kind = registry.type_of(item)
    notice = ModerationNotice(
        user_id=user.id,
        text=str(text),
        target_type=kind.name if kind else "",
        target_id=getattr(item, "id", None),
    )
    db.session.add(notice)
    notify.emit(
        EventKind.MODERATION, None, recipients=[user], title=str(text)[:300],
        case=item if isinstance(item, Case) else None,
        comment=item if isinstance(item, Comment) else None,
    )
    return notice


def report(reporter: User, item, reason: ReportReason, text: str = "") -> Report:
    """Store a report; enough open reports from different members hide the item at once."""
    kind = registry.type_of(item)
    mine = Report.open_for(kind.name, item.id).where(Report.reporter_id == reporter.id)
    if db.session.scalar(mine) is not None:
        raise AlreadyReported
    entry = Report(
        target_type=kind.name, target_id=item.id, reporter_id=reporter.id, reason=reason,
        text=text or "",
    )
    try:
        with savepoint():  # only this row is undone on a clash
            db.session.add(entry)
    except sa.exc.IntegrityError:
        # Two submits at once: the unique index keeps one.
        raise AlreadyReported from None
    # Reporters are weighed (weights.py): new accounts alone never hide anything.
    threshold = current_app.config["MODERATION_AUTOHIDE_THRESHOLD"]
    if weights.should_hide(kind.name, item.id, threshold) and not kind.is_hidden(item):
        reason_text = str(_l("Reported by several members; hidden until a moderator decides."))
        kind.hide(item, reason_text)
        record(None, "auto_hide", item, reason=reason_text)
        notify_author(
            kind.author(item), item,
            _l("Your %(kind)s “%(title)s” was reported by several members and is hidden until a "
               "moderator has looked at it.", kind=str(kind.label).lower(), title=kind.title(item)),
        )
    db.session.flush()
    return entry


def _close_reports(kind, item, moderator: User, status: ReportStatus) -> int:
    reports = db.session.scalars(Report.open_for(kind.name, item.id)).all()
    for entry in reports:
        entry.status = status
        entry.resolved_at = utcnow()
        entry.resolved_by_id = moderator.id
    return len(reports)


def dismiss(moderator: User, item, reason: str = "") -> None:
    """The reports were unfounded; an item hidden only by the reports comes back."""
    kind = registry.type_of(item)
    _close_reports(kind, item, moderator, ReportStatus.DISMISSED)
    if kind.is_hidden(item) and _auto_hidden(kind, item):
        kind.restore(item)
    record(moderator, "dismiss", item, reason=reason)
    db.session.flush()


def _auto_hidden(kind, item) -> bool:
    """Whether the item's latest hiding was automatic (by reports), not a moderator's decision."""
    last = db.session.scalar(
        sa.select(AuditEntry.action)
        .where(
            AuditEntry.target_type == kind.name,
            AuditEntry.target_id == item.id,
            AuditEntry.action.in_(("hide", "auto_hide")),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return last == "auto_hide"


def hide(moderator: User, item, reason: str) -> None:
    kind = registry.type_of(item)
    kind.hide(item, reason)
    _close_reports(kind, item, moderator, ReportStatus.UPHELD)
    record(moderator, "hide", item, reason=reason)
    notify_author(
        kind.author(item), item,
        _l("A moderator hid your %(kind)s “%(title)s”. Reason: %(reason)s",
           kind=str(kind.label).lower(), title=kind.title(item), reason=reason),
    )
    db.session.flush()


def restore(moderator: User, item, reason: str = "") -> None:
    kind = registry.type_of(item)
    kind.restore(item)
    _close_reports(kind, item, moderator, ReportStatus.DISMISSED)
    record(moderator, "restore", item, reason=reason)
    notify_author(
        kind.author(item), item,
        _l("Your %(kind)s “%(title)s” is visible again.",
           kind=str(kind.label).lower(), title=kind.title(item)),
    )
    db.session.flush()


def delete_permanently(admin: User, item, reason: str) -> None:
    kind = registry.type_of(item)
    author = kind.author(item)
    record(admin, "delete", item, reason=reason)
    _close_reports(kind, item, admin, ReportStatus.UPHELD)
    notify_author(
        author if author is not item else None, item,
        _l("An administrator deleted your %(kind)s “%(title)s”. Reason: %(reason)s",
           kind=str(kind.label).lower(), title=kind.title(item), reason=reason),
    )
    kind.delete(item)
    db.session.flush()


@dataclass
class Bulk:
    done: int = 0
    missing: list = field(default_factory=list)


def bulk(moderator: User, action: str, keys: list[tuple[str, int]], reason: str) -> Bulk:
    """Dismiss or hide several items; each gets its own audit entry. All or nothing: the
    caller's one commit covers every item, so a failure on one leaves all unchanged."""
    result = Bulk()
    for type_name, item_id in keys:
        kind = registry.get(type_name)
        item = kind.load(item_id) if kind else None
        if item is None:
            result.missing.append((type_name, item_id))
            continue
        (hide if action == "hide" else dismiss)(moderator, item, reason)
        result.done += 1
    return result


# Sanctions


def warn(moderator: User, user: User, reason: str) -> Sanction:
    sanction = Sanction(
        user_id=user.id, kind=SanctionKind.WARNING, reason=reason, created_by_id=moderator.id
    )
    db.session.add(sanction)
    record(moderator, "warn", user, reason=reason)
    db.session.flush()
    return sanction


def suspend(moderator: User, user: User, until: datetime, reason: str) -> Sanction:
    sanction = Sanction(
        user_id=user.id, kind=SanctionKind.SUSPENSION, reason=reason, created_by_id=moderator.id,
        ends_at=until,
    )
    db.session.add(sanction)
    from smartsociety.dates import format_datetime

    # The end in words the reader knows (the log showed a raw ISO timestamp here).
    record(moderator, "suspend", user,
           reason=gettext("%(reason)s (until %(date)s)", reason=reason,
                          date=format_datetime(until)))
    db.session.flush()
    return sanction


def lift(moderator: User, sanction: Sanction, reason: str = "") -> None:
    require(sanction.lifted_at is None, _l("This sanction has already been lifted."))
    sanction.lifted_at = utcnow()
    record(moderator, "lift_sanction", sanction.user, reason=reason or sanction.reason)
    db.session.flush()


def acknowledge(sanction: Sanction) -> None:
    sanction.acknowledged_at = utcnow()
    db.session.flush()

