"""Between the forms (wall-clock times in the event's zone, typed lists) and the services."""
import re

import sqlalchemy as sa
from flask_babel import gettext as _

from smartsociety.events.services import EventInput, SessionInput, local, to_utc
from smartsociety.extensions import db
from smartsociety.models import Case, Event, EventSession, Principle, PrincipleVersion, Rule, User
from smartsociety.models.principle import PUBLIC_STATUSES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _naive(moment):
    return moment.replace(tzinfo=None) if moment is not None else None


def event_data(form) -> EventInput:
    zone = form.timezone.data
    return EventInput(
        title=form.title.data, description=form.description.data or "",
        starts_at=to_utc(form.starts_at.data, zone), ends_at=to_utc(form.ends_at.data, zone),
        timezone=zone, venue=form.venue.data or "", online_url=form.online_url.data or None,
        capacity=form.capacity.data,
        registration_opens_at=to_utc(form.registration_opens_at.data, zone),
        registration_closes_at=to_utc(form.registration_closes_at.data, zone),
        themes=list(form.themes.data or []),
    )


def event_form_data(event: Event) -> dict:
    return {
        "title": event.title, "description": event.description, "timezone": event.timezone,
        "starts_at": _naive(local(event.starts_at, event)),
        "ends_at": _naive(local(event.ends_at, event)),
        "venue": event.venue, "online_url": event.online_url, "capacity": event.capacity,
        "registration_opens_at": _naive(local(event.registration_opens_at, event)),
        "registration_closes_at": _naive(local(event.registration_closes_at, event)),
        "themes": [getattr(t, "value", t) for t in event.themes],
    }


def session_form_data(event: Event, session: EventSession | None) -> dict:
    if session is None:
        return {"starts_at": _naive(local(event.starts_at, event)),
                "ends_at": _naive(local(event.ends_at, event))}
    speakers = [u.email for u in session.speakers]
    if session.speakers_text:
        speakers.append(session.speakers_text)
    return {
        "title": session.title, "description": session.description, "track": session.track,
        "room": session.room, "starts_at": _naive(local(session.starts_at, event)),
        "ends_at": _naive(local(session.ends_at, event)), "speakers": ", ".join(speakers),
        "capacity": session.capacity,
        "cases": ", ".join(str(c.id) for c in session.cases),
        "rules": ", ".join(f"{r.version.principle.number}.{r.number}" for r in session.rules),
    }


def _parts(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def session_data(form, event: Event) -> SessionInput | None:
    """The session's input, or None with errors added to the form (unknown cases or rules)."""
    zone = event.timezone
    speakers, others = [], []
    for part in _parts(form.speakers.data):
        user = db.session.scalar(User.by_email(part)) if _EMAIL.match(part) else None
        if user is not None:
            speakers.append(user)
        else:
            others.append(part)
    cases = []
    for part in _parts(form.cases.data):
        case = db.session.get(Case, int(part)) if part.isdigit() and len(part) < 10 else None
        if case is None or not case.is_public:
            form.cases.errors.append(_("There is no case number %(n)s.", n=part))
        else:
            cases.append(case)
    rules = []
    for part in _parts(form.rules.data):
        rule = _rule(part)
        if rule is None:
            form.rules.errors.append(_("There is no rule %(n)s.", n=part))
        else:
            rules.append(rule)
    if form.cases.errors or form.rules.errors:
        return None
    return SessionInput(
        title=form.title.data, description=form.description.data or "",
        track=form.track.data or "", room=form.room.data or "",
        starts_at=to_utc(form.starts_at.data, zone), ends_at=to_utc(form.ends_at.data, zone),
        speakers_text=", ".join(others)[:300], speakers=speakers, capacity=form.capacity.data,
        cases=cases, rules=rules,
    )


def _rule(reference: str) -> Rule | None:
    """'3.1': rule 1 of principle 3, in its newest public version."""
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", reference)
    if match is None:
        return None
    principle_number, rule_number = int(match.group(1)), int(match.group(2))
    return db.session.scalar(
        sa.select(Rule).join(Rule.version).join(PrincipleVersion.principle)
        .where(Principle.number == principle_number, Rule.number == rule_number,
               PrincipleVersion.status.in_(PUBLIC_STATUSES))
        .order_by(PrincipleVersion.number.desc()).limit(1)
    )
