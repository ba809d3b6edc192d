"""Comments in a case's discussion thread."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, utcnow


class Comment(Base):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    # Deleted comments keep their row (a "removed" placeholder keeps replies in place).
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))

    case: Mapped["Case"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def is_public(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.deleted_at.is_(None), cls.hidden_at.is_(None))
