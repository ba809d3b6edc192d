"""Demo events: an upcoming network day with parallel sessions on the demo dilemmas (nearly
full, so the waitlist can be tried) and a past one with its report."""
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    Event,
    EventSession,
    Registration,
    RegistrationStatus,
    Theme,
    User,
    utcnow,
)


def _at(days: int, hour: int):
    """`days` from today at `hour` o'clock Amsterdam time (UTC+1 in winter, close enough for
    demo data: shown and exported in the event's own zone)."""
    day = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return day.replace(hour=hour - 1)


def load() -> int:
    if db.session.scalar(sa.select(Event.id).limit(1)) is not None:
        return 0
    official = db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    researcher = db.session.scalar(User.by_email("onderzoeker@hogeschoolpolder.example"))
    register_case = db.session.scalar(sa.select(Case).where(
        Case.title == "Moeten wij een openbaar register van sensoren bijhouden?"))
    description = ("Bestuurlijke netwerkdag van het kennisnetwerk Smart Society: de Digitale "
                   "Agenda samen bespreken, met netwerktafels over de dilemma's van gemeenten.")
    day = Event(
        title="Netwerkdag Smart Society Turfbrug", description=description,
        description_html=render_markdown(description),
        starts_at=_at(21, 10), ends_at=_at(21, 16), timezone="Europe/Amsterdam",
        venue="Stadhuis Turfbrug, Veenplein 1", capacity=3, organiser=official.organisation,
        proposer=official, published_at=utcnow(),
    )
    day.themes.append(Theme.SAMEN_ORGANISEREN)
    day.themes.append(Theme.DATAGEDREVEN)
    day.sessions = [
        EventSession(title="Netwerktafel: een openbaar register van sensoren", track="Zaal A",
                     room="Raadzaal", starts_at=_at(21, 11), ends_at=_at(21, 12), capacity=2,
                     speakers=[official], cases=[register_case] if register_case else []),
        EventSession(title="Ethiek van algoritmen in het sociaal domein", track="Zaal B",
                     room="Commissiekamer", starts_at=_at(21, 11), ends_at=_at(21, 12),
                     speakers=[researcher]),
    ]
    db.session.add(day)
    report = ("Ruim honderd deelnemers uit veertig gemeenten. De netwerktafels leverden drie "
              "vervolgafspraken op.")
    past = Event(
        title="Informatiemarkt Digitale Agenda", description="Informatiemarkt met leveranciers.",
        description_html=render_markdown("Informatiemarkt met leveranciers."),
        starts_at=_at(-30, 13), ends_at=_at(-30, 17), timezone="Europe/Amsterdam",
        venue="Jaarbeurs Utrecht", organiser=official.organisation, proposer=official,
        published_at=utcnow() - timedelta(days=60), report=report,
        report_html=render_markdown(report),
    )
    db.session.add(past)
    db.session.flush()
    # Two of the three places are taken: one more demo member fills it, the next waits.
    for email in ("moderator@turfbrug.example", "verkoop@sensorium.example"):
        member = db.session.scalar(User.by_email(email))
        db.session.add(Registration(event_id=day.id, user_id=member.id, name_visible=True,
                                    status=RegistrationStatus.REGISTERED))
    db.session.flush()
    return 2
