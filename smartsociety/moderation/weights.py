"""How much a report counts towards hiding an item before a moderator looks (issue 16).

Three throwaway accounts could hide any case within a second. Now, as Discourse weighs flags,
each open report weighs by its reporter:

- an account younger than a day: 0.5, and reports from such accounts alone never hide anything
  (at least one reporter must be older);
- otherwise 1.0, or 1.25 for a verified member of a verified organisation;
- times the reporter's track record: 0.5 + (upheld + 1) / (upheld + dismissed + 2), so 1.0
  without history, towards 1.5 for reports moderators upheld, towards 0.5 for dismissed ones.

The item is hidden when the sum reaches MODERATION_AUTOHIDE_THRESHOLD (3: three established
members without history, as before).
"""
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import Report, ReportStatus, User, utcnow
from smartsociety.permissions import is_verified_member

YOUNG = timedelta(days=1)
YOUNG_WEIGHT = 0.5
VERIFIED_WEIGHT = 1.25


def _track_records(user_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(Report.reporter_id, Report.status, sa.func.count())
        .where(Report.reporter_id.in_(user_ids),
               Report.status.in_([ReportStatus.UPHELD, ReportStatus.DISMISSED]))
        .group_by(Report.reporter_id, Report.status)
    ).all()
    records: dict[int, tuple[int, int]] = {}
    for reporter_id, status, count in rows:
        upheld, dismissed = records.get(reporter_id, (0, 0))
        if status is ReportStatus.UPHELD:
            upheld += count
        else:
            dismissed += count
        records[reporter_id] = (upheld, dismissed)
    return records


def reporter_weight(user: User, upheld: int = 0, dismissed: int = 0) -> float:
    if user.created_at is None or user.created_at > utcnow() - YOUNG:
        base = YOUNG_WEIGHT
    else:
        base = VERIFIED_WEIGHT if is_verified_member(user) else 1.0
    return base * (0.5 + (upheld + 1) / (upheld + dismissed + 2))


def should_hide(target_type: str, target_id: int, threshold: float) -> bool:
    """The open reports on the item weigh enough (and not only from new accounts)."""
    reporters = list(db.session.scalars(
        sa.select(User).join(Report, Report.reporter_id == User.id).where(
            Report.target_type == target_type,
            Report.target_id == target_id,
            Report.status == ReportStatus.OPEN,
        ).distinct()
    ))
    if not reporters:
        return False
    established = [u for u in reporters if u.created_at and u.created_at <= utcnow() - YOUNG]
    if not established:
        return False
    records = _track_records([u.id for u in reporters])
    total = sum(reporter_weight(u, *records.get(u.id, (0, 0))) for u in reporters)
    return total >= threshold - 1e-9
