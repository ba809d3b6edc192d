"""iCalendar (RFC 5545) files: one per event, and a member's personal feed of the events they
registered for. Times are written in the event's own time zone with its VTIMEZONE.

icalendar is imported where a file is written, not with the app: 3 MB that every web worker
would otherwise hold for a page few ask for."""
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import url_for

from smartsociety.events.services import local
from smartsociety.extensions import db
from smartsociety.models import (
    CalendarFeed,
    Event,
    Registration,
    RegistrationStatus,
    User,
)

if TYPE_CHECKING:
    from icalendar import Calendar
    from icalendar import Event as VEvent

PRODID = "-//Smart Society//Bijeenkomsten//NL"


def _calendar(name: str) -> "Calendar":
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event) -> "VEvent":
    from icalendar import Event as VEvent
    from icalendar import vText

    item = VEvent()
    item.add("uid", f"event-{event.id}@smartsociety")
    item.add("dtstamp", event.created_at)
    item.add("dtstart", local(event.starts_at, event))
    item.add("dtend", local(event.ends_at, event))
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    where = ", ".join(part for part in (event.venue, event.online_url or "") if part)
    if where:
        item["location"] = vText(where)
    item.add("url", url_for("events.detail", event_id=event.id, _external=True))
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    return item


def _add_zones(calendar: "Calendar", events: list[Event]) -> None:
    from icalendar import Timezone

    for name in sorted({e.timezone for e in events}):
        starts = [e.starts_at for e in events if e.timezone == name]
        ends = [e.ends_at for e in events if e.timezone == name]
        calendar.add_component(Timezone.from_tzid(name, first_date=min(starts).date(),
                                                  last_date=max(ends).date()))


def event_ics(event: Event) -> bytes:
    calendar = _calendar(event.title)
    _add_zones(calendar, [event])
    calendar.add_component(_vevent(event))
    return calendar.to_ical()


def member_ics(user: User) -> bytes:
    events = list(db.session.scalars(
        sa.select(Event).join(Registration, Registration.event_id == Event.id).where(
            Registration.user_id == user.id, Registration.session_key == 0,
            Registration.status == RegistrationStatus.REGISTERED, Event.public_clause(),
        ).order_by(Event.starts_at)
    ))
    calendar = _calendar("Smart Society")
    if events:
        _add_zones(calendar, events)
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def feed_token(user: User, renew: bool = False) -> str:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))
        db.session.add(feed)
    elif renew:
        feed.token = secrets.token_urlsafe(24)
    db.session.flush()
    return feed.token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token == token))
    return db.session.get(User, feed.user_id) if feed is not None else None
