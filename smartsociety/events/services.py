"""Proposing, publishing, cancelling events and writing their programme."""
import functools
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    Event,
    EventKind,
    EventSession,
    EventState,
    Registration,
    RegistrationStatus,
    Rule,
    User,
    utcnow,
)
from smartsociety.models.event import event_session_case
from smartsociety.moderation.audit import record
from smartsociety.notify.services import emit
from smartsociety.refusals import require

DEFAULT_ZONE = "Europe/Amsterdam"


def zone(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone or DEFAULT_ZONE)


def local(moment: datetime | None, event: Event) -> datetime | None:
    """A stored UTC moment in the event's own time zone."""
    return moment.astimezone(zone(event)) if moment is not None else None


def to_utc(naive_local: datetime | None, timezone: str) -> datetime | None:
    """A wall-clock time typed for the event's zone, as a UTC moment."""
    if naive_local is None:
        return None
    return naive_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))


def registered_count(event: Event, session_key: int = 0) -> int:
    return db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.session_key == session_key,
        Registration.status == RegistrationStatus.REGISTERED,
    ))


def state(event: Event, now: datetime | None = None) -> EventState:
    now = now or utcnow()
    if event.is_cancelled:
        return EventState.CANCELLED
    if not event.is_published:
        return EventState.PROPOSED
    if event.is_past(now):
        return EventState.PAST
    if event.registration_is_open(now):
        if event.capacity is not None and registered_count(event) >= event.capacity:
            return EventState.FULL
        return EventState.REGISTRATION_OPEN
    return EventState.ANNOUNCED


@dataclass
class EventInput:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    online_url: str | None
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    themes: list[str] = field(default_factory=list)


def _check_times(data: EventInput) -> None:
    require(data.ends_at > data.starts_at, _l("The end must come after the start."), 400)
    if data.registration_opens_at and data.registration_closes_at:
        require(data.registration_closes_at > data.registration_opens_at,
                _l("Registration must close after it opens."), 400)
    if data.registration_closes_at:
        require(data.registration_closes_at <= data.ends_at,
                _l("Registration must close before the event ends."), 400)
    require(bool(data.venue or data.online_url),
            _l("Give an address or an online link (or both)."), 400)


def _apply(event: Event, data: EventInput) -> None:
    _check_times(data)
    event.title, event.description = data.title, data.description
    event.description_html = render_markdown(data.description)
    event.starts_at, event.ends_at, event.timezone = data.starts_at, data.ends_at, data.timezone
    event.venue, event.online_url = data.venue, data.online_url or None
    event.capacity = data.capacity
    event.registration_opens_at = data.registration_opens_at
    event.registration_closes_at = data.registration_closes_at
    event.themes.clear()
    for theme in data.themes:
        event.themes.append(theme)


def propose(proposer: User, organisation, data: EventInput) -> Event:
    """A verified member proposes an event in their organisation's name; a moderator publishes."""
    event = Event(proposer=proposer, organiser=organisation)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def update(event: Event, data: EventInput) -> None:
    require(not event.is_cancelled, _l("A cancelled event can no longer be changed."))
    outside = [s for s in event.sessions
               if s.starts_at < data.starts_at or s.ends_at > data.ends_at]
    require(not outside, _l("Some sessions would fall outside the event's new times: move "
                            "them first."), 400)
    _apply(event, data)
    db.session.flush()


def publish(event: Event, moderator: User) -> None:
    require(not event.is_published, _l("This event has already been published."))
    require(not event.is_cancelled, _l("A cancelled event cannot be published."))
    event.published_at = utcnow()
    record(moderator, "event_publish", target_type="event", target_id=event.id,
           label=event.title)


def cancel(event: Event, actor: User, reason: str) -> None:
    """Cancel and tell everyone who registered or waits (in-app and by mail)."""
    require(not event.is_cancelled, _l("This event has already been cancelled."))
    require(not event.is_past(utcnow()), _l("An event that has taken place cannot be cancelled."))
    event.cancelled_at, event.cancel_reason = utcnow(), reason
    attendees = db.session.scalars(sa.select(Registration.user_id).where(
        Registration.event_id == event.id, Registration.session_key == 0,
        Registration.status != RegistrationStatus.CANCELLED,
    ))
    emit(EventKind.EVENT_CANCELLED, actor, recipients=list(attendees), path=path(event),
         title=event.title)
    record(actor, "event_cancel", target_type="event", target_id=event.id, label=event.title,
           reason=reason)


def path(event: Event) -> str:
    return f"/bijeenkomsten/{event.id}"


# The programme


@dataclass
class SessionInput:
    title: str
    description: str
    track: str
    room: str
    starts_at: datetime
    ends_at: datetime
    speakers_text: str
    speakers: list[User]
    capacity: int | None
    cases: list[Case]
    rules: list[Rule]


def _apply_session(event: Event, session: EventSession, data: SessionInput) -> None:
    require(data.ends_at > data.starts_at, _l("The end must come after the start."), 400)
    require(event.starts_at <= data.starts_at and data.ends_at <= event.ends_at,
            _l("A session must fall within the event's times."), 400)
    for attribute in ("title", "description", "track", "room", "starts_at", "ends_at",
                      "speakers_text", "capacity"):
        setattr(session, attribute, getattr(data, attribute))
    session.speakers = list(data.speakers)
    session.cases = list(data.cases)
    session.rules = list(data.rules)


def add_session(event: Event, data: SessionInput) -> EventSession:
    require(not event.is_cancelled, _l("A cancelled event can no longer be changed."))
    session = EventSession(event=event)
    _apply_session(event, session, data)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: EventSession, data: SessionInput) -> None:
    _apply_session(session.event, session, data)
    db.session.flush()


def programme(event: Event) -> list[tuple[datetime, list[EventSession]]]:
    """Sessions grouped by start time: parallel tracks stand side by side."""
    slots: dict[datetime, list[EventSession]] = {}
    for session in event.sessions:
        slots.setdefault(session.starts_at, []).append(session)
    return sorted(slots.items())


# Lists


def upcoming(limit: int | None = None) -> list[Event]:
    select = (sa.select(Event).where(Event.public_clause(), Event.ends_at > utcnow())
              .order_by(Event.starts_at, Event.id)
              .options(selectinload(Event.organiser)))
    if limit:
        select = select.limit(limit)
    return list(db.session.scalars(select))


def upcoming_brief(limit: int) -> list[sa.Row]:
    """What a short list of upcoming events shows (home's: id, title, start, venue and time
    zone), as rows: no ORM objects to build for a list of three on every page. On the
    session's connection (the request's transaction) rather than through `Session.execute`:
    a Core select of columns gains nothing from the ORM's statement handling."""
    return list(db.session.connection().execute(_upcoming_brief(limit), {"now": utcnow()}))


@functools.cache
def _upcoming_brief(limit: int) -> sa.Select:
    # Built once per process, the time as a parameter.
    event = Event.__table__.c
    return (sa.select(event.id, event.title, event.starts_at, event.ends_at, event.venue,
                      event.timezone)
            .where(Event.public_clause(), event.ends_at > sa.bindparam("now"))
            .order_by(event.starts_at, event.id).limit(limit))


def past(limit: int = 20) -> list[Event]:
    return list(db.session.scalars(
        sa.select(Event).where(Event.public_clause(), Event.ends_at <= utcnow())
        .order_by(Event.starts_at.desc()).limit(limit).options(selectinload(Event.organiser))
    ))


def proposals() -> list[Event]:
    return list(db.session.scalars(
        sa.select(Event).where(Event.published_at.is_(None), Event.cancelled_at.is_(None))
        .order_by(Event.created_at)
    ))


def sessions_of_case(case: Case) -> tuple[list[sa.Row], list[sa.Row]]:
    """The published sessions that discuss `case`: (upcoming, past), as rows of what the case
    page shows (the session's id, title and times, its event's id, title and time zone): one
    query, no ORM objects, on every view of a case that has sessions."""
    sessions = list(db.session.execute(_sessions_of_case(), {"case_id": case.id}))
    now = utcnow()
    return ([s for s in sessions if s.ends_at > now], [s for s in sessions if s.ends_at <= now])


@functools.cache
def _sessions_of_case() -> sa.Select:
    # Built once per process, the case as a parameter.
    session, event = EventSession.__table__.c, Event.__table__.c
    return (sa.select(session.id, session.event_id, session.title, session.starts_at,
                      session.ends_at, event.title.label("event_title"), event.timezone)
            .join(Event.__table__, event.id == session.event_id)
            .join(event_session_case, event_session_case.c.session_id == session.id)
            .where(event_session_case.c.case_id == sa.bindparam("case_id"),
                   Event.public_clause(), event.cancelled_at.is_(None))
            .order_by(session.starts_at))
