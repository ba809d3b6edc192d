"""Registration for events and sessions, with a waitlist that moves up by itself.

Capacity is checked under a lock on the event row, so two members racing for the last place
never both get it (PostgreSQL: SELECT ... FOR UPDATE; SQLite: a write takes the database lock)."""
import csv
import io

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from smartsociety.events.services import path
from smartsociety.extensions import db
from smartsociety.models import (
    Event,
    EventKind,
    EventSession,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from smartsociety.notify.services import emit
from smartsociety.refusals import require


def _lock(event: Event) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update())
    else:
        db.session.execute(sa.update(Event).where(Event.id == event.id)
                           .values(id=Event.id).execution_options(synchronize_session=False))


def _row(event: Event, key: int, user: User) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.session_key == key,
        Registration.user_id == user.id,
    ))


def _taken(event: Event, key: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.session_key == key,
        Registration.status == RegistrationStatus.REGISTERED,
    ))


def place_of(event: Event, user, session: EventSession | None = None) -> Registration | None:
    """The member's active registration (registered or waitlisted), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = _row(event, session.id if session else 0, user)
    return row if row is not None and row.is_active else None


def register(event: Event, user: User, session: EventSession | None = None,
             name_visible: bool = False) -> Registration:
    """A place, or a place on the waitlist when the event (or session) is full."""
    now = utcnow()
    require(not event.is_cancelled, _l("This event has been cancelled."))
    require(event.is_published, _l("This event has not been published yet."), 404)
    require(not event.is_past(now), _l("This event has already taken place."))
    require(event.registration_is_open(now), _l("Registration for this event is not open."))
    key = 0
    if session is not None:
        require(session.event_id == event.id, _l("This session is not part of this event."), 404)
        require(place_of(event, user) is not None and
                place_of(event, user).status is RegistrationStatus.REGISTERED,
                _l("Register for the event before you choose a session."))
        key = session.id
    _lock(event)
    row = _row(event, key, user)
    require(row is None or not row.is_active, _l("You are already registered."))
    capacity = session.capacity if session is not None else event.capacity
    full = capacity is not None and _taken(event, key) >= capacity
    status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
    if row is None:
        row = Registration(event_id=event.id, session_key=key, user_id=user.id)
        db.session.add(row)
    row.status, row.name_visible, row.queued_at = status, name_visible, now
    db.session.flush()
    return row


def cancel(event: Event, user: User, session: EventSession | None = None) -> None:
    """Give up a place (or a place on the waitlist); the first on the waitlist moves up.
    Giving up the event gives up its sessions too."""
    key = session.id if session is not None else 0
    _lock(event)
    row = _row(event, key, user)
    require(row is not None and row.is_active, _l("You are not registered."))
    freed = row.status is RegistrationStatus.REGISTERED
    row.status = RegistrationStatus.CANCELLED
    db.session.flush()
    if freed:
        _promote(event, key)
    if key == 0:
        for other in event.sessions:
            if place_of(event, user, other) is not None:
                cancel(event, user, other)


def _promote(event: Event, key: int) -> None:
    if event.is_cancelled or event.is_past(utcnow()):
        return
    session = db.session.get(EventSession, key) if key else None
    capacity = session.capacity if session is not None else event.capacity
    while capacity is None or _taken(event, key) < capacity:
        first = db.session.scalar(
            sa.select(Registration).where(
                Registration.event_id == event.id, Registration.session_key == key,
                Registration.status == RegistrationStatus.WAITLISTED,
            ).order_by(Registration.queued_at, Registration.id).limit(1)
        )
        if first is None:
            return
        first.status = RegistrationStatus.REGISTERED
        db.session.flush()
        what = session.title if session is not None else event.title
        # The notification's kind says what happened, in the reader's language.
        emit(EventKind.EVENT_PLACE, None, recipients=[first.user_id], path=path(event),
             title=what)


def set_name_visible(event: Event, user: User, visible: bool) -> None:
    row = place_of(event, user)
    require(row is not None, _l("You are not registered."))
    row.name_visible = visible


def attendees(event: Event, key: int = 0,
              status: RegistrationStatus = RegistrationStatus.REGISTERED) -> list[Registration]:
    return list(db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.session_key == key,
            Registration.status == status,
        ).order_by(Registration.queued_at, Registration.id)
        .options(selectinload(Registration.user).selectinload(User.organisation))
    ))


def attendees_csv(event: Event) -> str:
    """For the organiser: everyone registered or waiting, with their sessions."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "organisation", "status", "sessions", "registered_at"])
    sessions = {s.id: s.title for s in event.sessions}
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Registration.queued_at).options(selectinload(Registration.user))
    ).all()
    chosen: dict[int, list[str]] = {}
    for row in rows:
        if row.session_key:
            chosen.setdefault(row.user_id, []).append(sessions.get(row.session_key, ""))
    for row in rows:
        if row.session_key == 0:
            user = row.user
            writer.writerow([
                _cell(user.name), user.email,
                _cell(user.organisation.name if user.organisation else ""),
                row.status.value, "; ".join(_cell(t) for t in chosen.get(user.id, [])),
                row.created_at.isoformat(timespec="seconds"),
            ])
    return out.getvalue()


def _cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: keep them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
