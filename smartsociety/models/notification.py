"""Follows, the notifications they produce, mail preferences and the mail outbox."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class FollowTarget(str, enum.Enum):
    CASE = "case"
    THEME = "theme"
    TAG = "tag"
    PRINCIPLE = "principle"
    ORGANISATION = "organisation"
    MEMBER = "member"


class EventKind(str, enum.Enum):
    REPLY = "reply"
    COMMENT = "comment"
    NEW_CASE = "new_case"
    ANSWER_ACCEPTED = "answer_accepted"
    OFFER = "offer"
    OFFER_STATUS = "offer_status"
    CONSULTATION = "consultation"
    ADOPTED = "adopted"
    MENTION = "mention"
    MODERATION = "moderation"
    EVENT_PLACE = "event_place"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"
    SENSOR_QUESTION = "sensor_question"
    SENSOR_REVIEW = "sensor_review"
    SENSOR_STILL_THERE = "sensor_still_there"
    # A contact message to the member's organisation, or a reply in such a conversation.
    CONTACT = "contact"
    # About the member's own account, e.g. a prepared download of their data (always mailed).
    ACCOUNT = "account"
    PARTNER = "partner"
    ADOPTION = "adoption"


class Delivery(str, enum.Enum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


DEFAULT_DELIVERY = Delivery.DAILY
# A message from another member waits for an answer: mailed at once unless the member chose.
DEFAULT_DELIVERIES = {EventKind.CONTACT: Delivery.IMMEDIATE}


class Follow(Base):
    """A member following a case, theme, tag, principle, organisation or member.

    The key is the target's id, or its slug/value for themes and tags. An unfollowed row is
    kept inactive so joining the thread again does not silently re-follow it."""

    __tablename__ = "follow"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "target", "key"),
        sa.Index("ix_follow_target_key", "target", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    target: Mapped[FollowTarget] = mapped_column(str_enum(FollowTarget, 20))
    key: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailOutbox(Base):
    """One e-mail to send (immediate or digest); its notifications point at it. A sender
    claims a row atomically and marks it sent, so a message never goes out twice."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    # Account mail (address checks, password resets, notices) carries its own message instead
    # of notifications; `recipient` overrides the member's address (a new address to check).
    # The bodies hold one-time links, so they are emptied once the message went out.
    purpose: Mapped[str | None] = mapped_column(sa.String(30))
    recipient: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped["User"] = relationship()  # noqa: F821


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    principle_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("principle.id", ondelete="CASCADE"), index=True
    )
    # What the notifications page groups by, e.g. "case:12", and the item's title then.
    group_key: Mapped[str] = mapped_column(sa.String(60))
    # Where the notification leads when it is about none of the above (e.g. an event).
    path: Mapped[str | None] = mapped_column(sa.String(300))
    title: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # Set when the notification is put in a mail (immediate or digest), never changed after.
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mail_outbox.id", ondelete="SET NULL"), index=True
    )

    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])  # noqa: F821
    case: Mapped["Case | None"] = relationship()  # noqa: F821
    comment: Mapped["Comment | None"] = relationship()  # noqa: F821
    principle: Mapped["Principle | None"] = relationship()  # noqa: F821

    @classmethod
    def visible_clause(cls) -> sa.ColumnElement[bool]:
        """Hidden cases and hidden or removed comments produce nothing, even after the fact
        (moderation notices about them are the exception: their subject is hidden)."""
        from smartsociety.models.case import Case
        from smartsociety.models.comment import Comment

        case_ok = sa.or_(
            cls.case_id.is_(None),
            sa.exists().where(Case.id == cls.case_id, Case.public_clause()),
        )
        comment_ok = sa.or_(
            cls.comment_id.is_(None),
            sa.exists().where(Comment.id == cls.comment_id, Comment.public_clause()),
        )
        return sa.or_(cls.kind == EventKind.MODERATION, sa.and_(case_ok, comment_ok))

    @classmethod
    def for_user(cls, user_id: int) -> sa.Select:
        from sqlalchemy.orm import selectinload

        return (
            sa.select(cls)
            .where(cls.user_id == user_id, cls.visible_clause())
            .options(selectinload(cls.actor), selectinload(cls.principle))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def unread_count(cls, user_id: int) -> sa.Select:
        return sa.select(sa.func.count(cls.id)).where(
            cls.user_id == user_id, cls.read_at.is_(None), cls.visible_clause()
        )


class NotificationPreference(Base):
    """How a member wants mail about one kind of event; no row means the default (daily)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 20), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 20))


class NotifySettings(Base):
    """Per-member switches besides mail delivery."""

    __tablename__ = "notify_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    follow_joined_threads: Mapped[bool] = mapped_column(default=True)
