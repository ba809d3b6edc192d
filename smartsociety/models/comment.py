"""Comments in a case's discussion thread."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, Hideable, utcnow


class Comment(Hideable, Base):
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
    # Optimistic concurrency (issue 16): raised by every edit; an edit made on an older value
    # is refused with the other edit shown (smartsociety/concurrency.py).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    # Deleted comments keep their row (a "removed" placeholder keeps replies in place).
    deleted_at: Mapped[datetime | None]
    # Set on the one comment a dilemma's author or a moderator accepted as the answer.
    accepted_at: Mapped[datetime | None]
    # Kept up to date by the thread service, so a page of comments needs no counting query.
    helpful_count: Mapped[int] = mapped_column(default=0)

    case: Mapped["Case"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821
    revisions: Mapped[list["CommentRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="CommentRevision.id"
    )

    @property
    def is_public(self) -> bool:
        return self.deleted_at is None and not self.is_hidden

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @classmethod
    def for_thread(cls, case_id: int) -> sa.Select:
        """Every comment of a case (removed ones too, as placeholders), authors loaded."""
        from sqlalchemy.orm import joinedload

        from smartsociety.models.user import User

        return (
            sa.select(cls)
            .where(cls.case_id == case_id)
            # Joined: one query instead of three (a thread has few authors, so the repeated
            # author columns cost less than two more round trips).
            .options(joinedload(cls.author).joinedload(User.organisation))
            .order_by(cls.created_at, cls.id)
        )

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.deleted_at.is_(None), cls.hidden_at.is_(None))


class CommentRevision(Base):
    """A comment's text before one edit; the history is these followed by the current text."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # When the text below was written (the comment's creation or its previous edit).
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class CommentReaction(Base):
    """One "helpful" mark by one member on someone else's comment."""

    __tablename__ = "comment_reaction"

    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True, default="helpful")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
