"""Moderation: reports by members, sanctions, notices to authors and the audit log."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class ReportReason(str, enum.Enum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    COMMERCIAL = "commercial"
    OTHER = "other"


class ReportStatus(str, enum.Enum):
    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


class SanctionKind(str, enum.Enum):
    WARNING = "warning"
    SUSPENSION = "suspension"


class Report(Base):
    """One member's report of one item; the item is named by (target_type, target_id)."""

    __tablename__ = "report"
    __table_args__ = (
        # One open report per member per item (closed ones may repeat).
        sa.Index(
            "uq_report_open_per_member",
            "target_type",
            "target_id",
            "reporter_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_report_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[int]
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason))
    text: Mapped[str] = mapped_column(sa.String(1000), default="")
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus), default=ReportStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    reporter: Mapped["User | None"] = relationship(foreign_keys=[reporter_id])  # noqa: F821

    @classmethod
    def open_for(cls, target_type: str, target_id: int) -> sa.Select:
        return sa.select(cls).where(
            cls.target_type == target_type,
            cls.target_id == target_id,
            cls.status == ReportStatus.OPEN,
        )

    @classmethod
    def queue(cls, target_type: str | None = None, sort: str = "age") -> sa.Select:
        """One Report per reported item (its first open one), oldest or most reported first."""
        where = [cls.status == ReportStatus.OPEN]
        if target_type:
            where.append(cls.target_type == target_type)
        groups = (
            sa.select(
                sa.func.min(cls.id).label("first_id"),
                sa.func.count(cls.id).label("count"),
            )
            .where(*where)
            .group_by(cls.target_type, cls.target_id)
            .subquery()
        )
        select = sa.select(cls).join(groups, cls.id == groups.c.first_id)
        if sort == "count":
            return select.order_by(groups.c.count.desc(), cls.created_at, cls.id)
        return select.order_by(cls.created_at, cls.id)


class AuditEntry(Base):
    """Who did what to which item, when and why. Written in the same transaction as the action."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(30), default="", index=True)
    target_id: Mapped[int | None]
    # The item's title at the time, so the log reads well after the item is gone.
    target_label: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    @classmethod
    def filtered(cls, action: str = "", target_type: str = "", actor_id: int | None = None):
        from sqlalchemy.orm import selectinload

        select = sa.select(cls).options(selectinload(cls.actor)).order_by(
            cls.created_at.desc(), cls.id.desc()
        )
        if action:
            select = select.where(cls.action == action)
        if target_type:
            select = select.where(cls.target_type == target_type)
        if actor_id:
            select = select.where(cls.actor_id == actor_id)
        return select


class Sanction(Base):
    """A warning (to acknowledge) or a suspension (no posting until ends_at) of one member."""

    __tablename__ = "sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    ends_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @classmethod
    def active_suspension(cls, user_id: int, now=None) -> sa.Select:
        return (
            sa.select(cls)
            .where(
                cls.user_id == user_id,
                cls.kind == SanctionKind.SUSPENSION,
                cls.lifted_at.is_(None),
                cls.ends_at > (utcnow() if now is None else now),
            )
            .order_by(cls.ends_at.desc())
            .limit(1)
        )

    @classmethod
    def unacknowledged_warnings(cls, user_id: int) -> sa.Select:
        return sa.select(cls).where(
            cls.user_id == user_id,
            cls.kind == SanctionKind.WARNING,
            cls.acknowledged_at.is_(None),
            cls.lifted_at.is_(None),
        ).order_by(cls.created_at)

    @property
    def is_active(self) -> bool:
        if self.lifted_at is not None:
            return False
        if self.kind is SanctionKind.WARNING:
            return self.acknowledged_at is None
        return self.ends_at is not None and self.ends_at > utcnow()


class ModerationNotice(Base):
    """A message to an author about a moderation decision on their content."""

    __tablename__ = "moderation_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    target_type: Mapped[str] = mapped_column(sa.String(30), default="")
    target_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def for_user(cls, user_id: int, limit: int = 20) -> sa.Select:
        return (
            sa.select(cls)
            .where(cls.user_id == user_id)
            .order_by(cls.created_at.desc(), cls.id.desc())
            .limit(limit)
        )
