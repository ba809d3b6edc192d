"""Events: network days and congresses with a programme of sessions, registration with a
waitlist, and what came out of them."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow
from smartsociety.models.case import Theme


class EventState(str, enum.Enum):
    """What a reader sees; derived from the dates, the counts and the stored decisions."""

    PROPOSED = "proposed"
    ANNOUNCED = "announced"
    REGISTRATION_OPEN = "registration_open"
    FULL = "full"
    CANCELLED = "cancelled"
    PAST = "past"


class RegistrationStatus(str, enum.Enum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class EventTheme(Base):
    __tablename__ = "event_theme"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 40), primary_key=True)


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # IANA zone the times are shown and exported in (stored times are UTC).
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Europe/Amsterdam")
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str | None] = mapped_column(sa.String(300))
    organiser_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    proposer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # None: no limit.
    capacity: Mapped[int | None]
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    # Proposals wait for a moderator; only published events are shown to everyone.
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    report: Mapped[str] = mapped_column(sa.Text, default="")
    report_html: Mapped[str] = mapped_column(sa.Text, default="")
    reminders_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organiser: Mapped["Organisation | None"] = relationship()  # noqa: F821
    proposer: Mapped["User | None"] = relationship()  # noqa: F821
    theme_links: Mapped[list[EventTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=EventTheme.theme
    )
    themes = association_proxy(
        "theme_links", "theme", creator=lambda theme: EventTheme(theme=Theme(theme))
    )
    sessions: Mapped[list["EventSession"]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(EventSession.starts_at, EventSession.track, EventSession.id)",
    )
    files: Mapped[list["EventFile"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventFile.id"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def is_past(self, now: datetime) -> bool:
        return self.ends_at <= now

    def registration_is_open(self, now: datetime) -> bool:
        opens = self.registration_opens_at or self.published_at
        closes = self.registration_closes_at or self.starts_at
        return (self.is_published and not self.is_cancelled and opens is not None
                and opens <= now < closes)

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.published_at.is_not(None)

    def snapshot(self) -> dict:
        return {"title": self.title, "description": self.description}


class EventSession(Base):
    __tablename__ = "event_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    track: Mapped[str] = mapped_column(sa.String(80), default="")
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Speakers who are not members, as typed ("Jan Jansen (VNG)"); members are linked below.
    speakers_text: Mapped[str] = mapped_column(sa.String(300), default="")
    capacity: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_html: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_posted_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="sessions")
    speakers: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary="event_session_speaker", order_by="User.name"
    )
    cases: Mapped[list["Case"]] = relationship(  # noqa: F821
        secondary="event_session_case", order_by="Case.id"
    )
    rules: Mapped[list["Rule"]] = relationship(  # noqa: F821
        secondary="event_session_rule", order_by="Rule.id"
    )


event_session_speaker = sa.Table(
    "event_session_speaker", Base.metadata,
    sa.Column("session_id", sa.ForeignKey("event_session.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)
event_session_case = sa.Table(
    "event_session_case", Base.metadata,
    sa.Column("session_id", sa.ForeignKey("event_session.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("case_id", sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)
event_session_rule = sa.Table(
    "event_session_rule", Base.metadata,
    sa.Column("session_id", sa.ForeignKey("event_session.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("rule_id", sa.ForeignKey("principle_rule.id", ondelete="CASCADE"),
              primary_key=True),
)


class Registration(Base):
    """A member's place at an event (session_key 0) or at one of its sessions (its id);
    cancelled rows are kept so that registering again reuses them."""

    __tablename__ = "event_registration"
    __table_args__ = (sa.UniqueConstraint("event_id", "session_key", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    session_key: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, 20))
    # Other attendees see the name only when the member agreed.
    name_visible: Mapped[bool] = mapped_column(default=False)
    # Waitlist order: the moment of (re)joining the list.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.status is not RegistrationStatus.CANCELLED


class EventFile(Base):
    """Slides and other files of an event, checked by content like case attachments."""

    __tablename__ = "event_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="files")


class CalendarFeed(Base):
    """A member's secret address for the calendar of the events they registered for."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
