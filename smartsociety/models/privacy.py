"""Terms and privacy statement versions, their acceptance, and prepared personal-data exports."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class PolicyKind(str, enum.Enum):
    TERMS = "terms"
    PRIVACY = "privacy"


class PolicyVersion(Base):
    """One published text of the terms or the privacy statement; never edited afterwards."""

    __tablename__ = "policy_version"
    __table_args__ = (sa.UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PolicyKind] = mapped_column(str_enum(PolicyKind, 10))
    version: Mapped[int]
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    @classmethod
    def current(cls, kind: PolicyKind) -> sa.Select:
        return sa.select(cls).where(cls.kind == kind).order_by(cls.version.desc()).limit(1)


class PolicyAcceptance(Base):
    """A member accepted `version` of `kind` at `accepted_at`."""

    __tablename__ = "policy_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PolicyKind] = mapped_column(str_enum(PolicyKind, 10))
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataExport(Base):
    """A member's own data as one JSON file, prepared on request and downloadable until it
    expires (AVG art. 15 and 20)."""

    __tablename__ = "data_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    stored_name: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(default=0)

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_ready(self) -> bool:
        return self.ready_at is not None and self.expires_at is not None \
            and self.expires_at > utcnow()
