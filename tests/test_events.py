"""Events: lifecycle and permissions, capacity and the waitlist (also the race for the last
place), calendars, reminders, outcomes posted to the cases, and where events show up."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from smartsociety.events import outcomes, registration, services
from smartsociety.events.services import EventInput, SessionInput
from smartsociety.extensions import db as _db
from smartsociety.models import (
    Comment,
    Event,
    EventKind,
    EventSession,
    Notification,
    Registration,
    RegistrationStatus,
    Role,
    utcnow,
)
from tests.factories import CaseFactory, OrganisationFactory, UserFactory, verified_member

AMSTERDAM_DAY = datetime(2027, 3, 15, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam


def make_event(capacity=None, starts=None, published=True, organiser=None, **fields) -> Event:
    starts = starts or utcnow() + timedelta(days=10)
    proposer = verified_member(organisation=organiser) if organiser else verified_member()
    data = EventInput(
        title=fields.pop("title", "Netwerkdag Smart Society"), description="Een **dag** samen.",
        starts_at=starts, ends_at=starts + timedelta(hours=8), timezone="Europe/Amsterdam",
        venue="Stadhuis Turfbrug", online_url=None, capacity=capacity,
        registration_opens_at=fields.pop("opens", None),
        registration_closes_at=fields.pop("closes", None), themes=["samen-organiseren"],
    )
    event = services.propose(proposer, proposer.organisation, data)
    if published:
        event.published_at = utcnow() - timedelta(days=1)
    _db.session.commit()
    return event


def add_session(event, title="Sensoren in de openbare ruimte", capacity=None, cases=(),
                offset=timedelta(hours=1)):
    session = services.add_session(event, SessionInput(
        title=title, description="", track="Zaal A", room="A", starts_at=event.starts_at + offset,
        ends_at=event.starts_at + offset + timedelta(hours=1), speakers_text="Jan (VNG)",
        speakers=[], capacity=capacity, cases=list(cases), rules=[],
    ))
    _db.session.commit()
    return session


def form(**overrides):
    data = {"title": "Bestuurlijke netwerkdag", "description": "Agenda bespreken",
            "starts_at": "2027-03-15T09:00", "ends_at": "2027-03-15T17:00",
            "timezone": "Europe/Amsterdam", "venue": "Utrecht", "capacity": "100",
            "themes": ["samen-organiseren"]}
    data.update(overrides)
    return data


# Lifecycle and permissions


def test_a_verified_member_proposes_and_a_moderator_publishes(client, login, db):
    member = verified_member()
    response = login(member).post("/bijeenkomsten/nieuw", data=form())
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event))
    # Wall-clock times are kept as UTC: 09:00 in Amsterdam in March is 08:00 UTC.
    assert event.starts_at == AMSTERDAM_DAY
    assert event.organiser_id == member.organisation_id and not event.is_published
    assert client.get(f"/bijeenkomsten/{event.id}").status_code == 404
    assert login(verified_member()).get(f"/bijeenkomsten/{event.id}").status_code == 404
    assert login(member).post(f"/bijeenkomsten/{event.id}/publiceren").status_code == 403

    moderator = login(UserFactory(role=Role.MODERATOR))
    assert "Bestuurlijke netwerkdag" in moderator.get("/bijeenkomsten").get_data(as_text=True)
    assert moderator.post(f"/bijeenkomsten/{event.id}/publiceren").status_code == 302
    page = client.get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "09:00" in page and "Europe/Amsterdam" in page
    assert moderator.post(f"/bijeenkomsten/{event.id}/publiceren").status_code == 409


def test_only_verified_members_propose(login, db):
    unverified = UserFactory(organisation=OrganisationFactory())
    assert login(unverified).post("/bijeenkomsten/nieuw", data=form()).status_code == 403
    unread = verified_member(email_verified_at=None)
    response = login(unread).post("/bijeenkomsten/nieuw", data=form())
    assert response.status_code == 403  # an unconfirmed address proposes nothing
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


@pytest.mark.parametrize("bad", [
    {"ends_at": "2027-03-15T08:00"},  # before the start
    {"venue": "", "online_url": ""},
    {"starts_at": "gisteren"},
    {"capacity": "-3"},
    {"timezone": "Mars/Olympus"},
    {"online_url": "javascript:alert(1)"},
    {"registration_opens_at": "2027-03-10T09:00", "registration_closes_at": "2027-03-01T09:00"},
])
def test_bad_event_input_is_refused_and_kept(login, db, bad):
    response = login(verified_member()).post("/bijeenkomsten/nieuw", data=form(**bad))
    assert 400 <= response.status_code < 500
    assert "Bestuurlijke netwerkdag" in response.get_data(as_text=True) or \
        response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_sessions_must_fall_within_the_event(login, db):
    event = make_event()
    organiser = login(verified_member(organisation=event.organiser))
    local = services.local(event.starts_at, event)
    before = (local - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    inside = (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = organiser.post(f"/bijeenkomsten/{event.id}/sessies/nieuw", data={
        "title": "Te vroeg", "starts_at": before, "ends_at": inside})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(EventSession.id))) == 0
    case = CaseFactory()
    response = organiser.post(f"/bijeenkomsten/{event.id}/sessies/nieuw", data={
        "title": "Op tijd", "starts_at": inside, "ends_at": inside, "cases": "99999"})
    assert response.status_code == 422
    response = organiser.post(f"/bijeenkomsten/{event.id}/sessies/nieuw", data={
        "title": "Op tijd", "starts_at": inside,
        "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "cases": str(case.id), "speakers": f"{event.proposer.email}, Jan Jansen (VNG)"})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(EventSession))
    assert [c.id for c in session.cases] == [case.id]
    assert [u.id for u in session.speakers] == [event.proposer_id]
    assert session.speakers_text == "Jan Jansen (VNG)"
    # Outsiders cannot change the programme.
    assert login(verified_member()).post(f"/bijeenkomsten/{event.id}/sessies/nieuw", data={
        "title": "x", "starts_at": inside, "ends_at": inside}).status_code == 403


# Registration and the waitlist


def test_capacity_waitlist_and_promotion(login, db):
    event = make_event(capacity=2)
    first, second, third = (UserFactory() for _ in range(3))
    for member in (first, second):
        assert login(member).post(f"/bijeenkomsten/{event.id}/aanmelden").status_code == 302
    page = login(third).get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "Vol" in page
    assert login(third).post(f"/bijeenkomsten/{event.id}/aanmelden").status_code == 302
    rows = {r.user_id: r.status for r in db.session.scalars(sa.select(Registration))}
    assert rows == {first.id: RegistrationStatus.REGISTERED,
                    second.id: RegistrationStatus.REGISTERED,
                    third.id: RegistrationStatus.WAITLISTED}
    # Registering twice is refused.
    assert login(first).post(f"/bijeenkomsten/{event.id}/aanmelden").status_code == 409

    # One click frees the place; the waitlisted member gets it and is told.
    assert login(first).post(f"/bijeenkomsten/{event.id}/afmelden").status_code == 302
    db.session.expire_all()
    rows = {r.user_id: r.status for r in db.session.scalars(sa.select(Registration))}
    assert rows[third.id] is RegistrationStatus.REGISTERED
    assert rows[first.id] is RegistrationStatus.CANCELLED
    told = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == third.id)).all()
    assert [n.kind for n in told] == [EventKind.EVENT_PLACE]
    assert told[0].path == f"/bijeenkomsten/{event.id}"
    assert login(first).post(f"/bijeenkomsten/{event.id}/afmelden").status_code == 409
    # Registering again after cancelling works (and queues behind nobody: a place is free?).
    assert login(first).post(f"/bijeenkomsten/{event.id}/aanmelden").status_code == 302
    db.session.expire_all()
    assert registration.place_of(event, first).status is RegistrationStatus.WAITLISTED


@pytest.mark.parametrize("case", ["cancelled", "closed", "past", "unpublished", "not_open"])
def test_registration_outside_the_window_is_refused(login, db, case):
    if case == "cancelled":
        event = make_event()
        event.cancelled_at = utcnow()
    elif case == "closed":
        event = make_event(closes=utcnow() - timedelta(hours=1))
    elif case == "past":
        event = make_event(starts=utcnow() - timedelta(days=2))
    elif case == "unpublished":
        event = make_event(published=False)
    else:
        event = make_event(opens=utcnow() + timedelta(days=2))
    db.session.commit()
    response = login(UserFactory()).post(f"/bijeenkomsten/{event.id}/aanmelden")
    assert response.status_code in (404, 409)
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_sessions_have_their_own_places_and_follow_the_event(login, db):
    event = make_event()
    session = add_session(event, capacity=1)
    member, other = UserFactory(), UserFactory()
    data = {"session": session.id}
    # A session needs the event first.
    assert login(member).post(f"/bijeenkomsten/{event.id}/aanmelden", data=data) \
        .status_code == 409
    for person in (member, other):
        login(person).post(f"/bijeenkomsten/{event.id}/aanmelden")
        login(person).post(f"/bijeenkomsten/{event.id}/aanmelden", data=data)
    assert registration.place_of(event, member, session).status is RegistrationStatus.REGISTERED
    assert registration.place_of(event, other, session).status is RegistrationStatus.WAITLISTED
    # Cancelling the event gives up the session too, and the session's waitlist moves up.
    login(member).post(f"/bijeenkomsten/{event.id}/afmelden")
    db.session.expire_all()
    assert registration.place_of(event, member, session) is None
    assert registration.place_of(event, other, session).status is RegistrationStatus.REGISTERED
    foreign = add_session(make_event(title="Andere dag"))
    assert login(other).post(f"/bijeenkomsten/{event.id}/aanmelden",
                             data={"session": foreign.id}).status_code == 404


def test_attendees_choose_whether_others_see_their_name(login, db):
    event = make_event()
    shy, open_ = UserFactory(name="Stille Sien"), UserFactory(name="Open Otto")
    login(shy).post(f"/bijeenkomsten/{event.id}/aanmelden")
    login(open_).post(f"/bijeenkomsten/{event.id}/aanmelden", data={"name_visible": "y"})
    page = login(shy).get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "Open Otto" in page
    page = login(open_).get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "Stille Sien" not in page
    # Not registered: no list at all.
    assert "Open Otto" not in login(UserFactory()).get(f"/bijeenkomsten/{event.id}") \
        .get_data(as_text=True)


def test_organisers_see_and_export_the_attendee_list(login, db):
    event = make_event(capacity=1)
    login(UserFactory(name="=Formule Frits")).post(f"/bijeenkomsten/{event.id}/aanmelden")
    login(UserFactory(name="Wachtende Wim")).post(f"/bijeenkomsten/{event.id}/aanmelden")
    organiser = login(verified_member(organisation=event.organiser))
    page = organiser.get(f"/bijeenkomsten/{event.id}/deelnemers").get_data(as_text=True)
    assert "Wachtende Wim" in page and "=Formule Frits" in page
    text = organiser.get(f"/bijeenkomsten/{event.id}/deelnemers.csv").get_data(as_text=True)
    assert "'=Formule Frits" in text and "waitlisted" in text
    assert login(UserFactory()).get(f"/bijeenkomsten/{event.id}/deelnemers").status_code == 403


def test_the_last_place_is_never_given_twice(app, db):
    """Members racing for the last place each in their own request and transaction."""
    event = make_event(capacity=3)
    members = [UserFactory() for _ in range(8)]
    event_id, member_ids = event.id, [m.id for m in members]
    barrier = threading.Barrier(len(members))
    errors = []

    def race(user_id):
        try:
            with app.app_context():
                from smartsociety.models import User

                barrier.wait()
                registration.register(_db.session.get(Event, event_id),
                                      _db.session.get(User, user_id))
                _db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            with app.app_context():
                _db.session.remove()

    threads = [threading.Thread(target=race, args=(i,)) for i in member_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.expire_all()
    statuses = [r.status for r in db.session.scalars(sa.select(Registration))]
    assert statuses.count(RegistrationStatus.REGISTERED) == 3
    assert statuses.count(RegistrationStatus.WAITLISTED) == 5


# Calendars and reminders


def test_icalendar_file_parses_back_with_the_events_own_time_zone(client, db):
    event = make_event(starts=AMSTERDAM_DAY)
    response = client.get(f"/bijeenkomsten/{event.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Netwerkdag Smart Society"
    start = vevent.decoded("DTSTART")
    assert start.hour == 9 and str(start.tzinfo) == "Europe/Amsterdam"
    assert start == AMSTERDAM_DAY
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"


def test_personal_calendar_feed_has_the_members_events(client, login, db):
    mine = make_event(title="Mijn dag")
    make_event(title="Andermans dag")  # not registered for: stays out of the feed
    member = UserFactory()
    login(member).post(f"/bijeenkomsten/{mine.id}/aanmelden")
    page = login(member).get("/bijeenkomsten/agenda").get_data(as_text=True)
    token = page.split("/bijeenkomsten/agenda/")[1].split(".ics")[0]
    feed = Calendar.from_ical(client.get(f"/bijeenkomsten/agenda/{token}.ics").data)
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["Mijn dag"]
    assert client.get("/bijeenkomsten/agenda/onzin.ics").status_code == 404
    login(member).post("/bijeenkomsten/agenda")
    assert client.get(f"/bijeenkomsten/agenda/{token}.ics").status_code == 404


def test_reminders_are_sent_once_the_day_before(db):
    soon = make_event(starts=utcnow() + timedelta(hours=20))
    later = make_event(starts=utcnow() + timedelta(days=5))
    member = UserFactory()
    for event in (soon, later):
        registration.register(event, member)
    db.session.commit()
    assert outcomes.send_reminders() == 1
    db.session.commit()
    assert outcomes.send_reminders() == 0
    reminders = db.session.scalars(sa.select(Notification).where(
        Notification.kind == EventKind.EVENT_REMINDER)).all()
    assert len(reminders) == 1 and reminders[0].path == f"/bijeenkomsten/{soon.id}"


def test_cancelling_tells_everyone_registered(login, db):
    event = make_event(capacity=1)
    first, waiting = UserFactory(), UserFactory()
    login(first).post(f"/bijeenkomsten/{event.id}/aanmelden")
    login(waiting).post(f"/bijeenkomsten/{event.id}/aanmelden")
    organiser = login(verified_member(organisation=event.organiser))
    assert organiser.post(f"/bijeenkomsten/{event.id}/annuleren", data={"reason": ""}) \
        .status_code == 422
    assert organiser.post(f"/bijeenkomsten/{event.id}/annuleren",
                          data={"reason": "Zaal niet beschikbaar"}).status_code == 302
    told = {n.user_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == EventKind.EVENT_CANCELLED))}
    assert told == {first.id, waiting.id}
    page = login(first).get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "Zaal niet beschikbaar" in page
    assert login(UserFactory()).post(f"/bijeenkomsten/{event.id}/aanmelden").status_code == 409


# After the event


def test_a_sessions_outcome_is_posted_once_in_the_linked_case(login, db):
    case = CaseFactory(title="Wifi-tracking in de binnenstad")
    event = make_event(starts=utcnow() - timedelta(hours=3))
    session = add_session(event, cases=[case], offset=timedelta(hours=1))
    organiser_user = verified_member(organisation=event.organiser, name="Olga Organisator")
    organiser = login(organiser_user)
    url = f"/bijeenkomsten/{event.id}/sessies/{session.id}/uitkomst"
    field = f"o{session.id}-outcome"
    assert organiser.post(url, data={field: ""}).status_code == 400
    assert organiser.post(url, data={field: "Wij stellen een register voor."}).status_code == 302
    assert organiser.post(url, data={field: "Wij stellen een register voor!"}).status_code == 302
    comments = db.session.scalars(sa.select(Comment).where(Comment.case_id == case.id)).all()
    assert len(comments) == 1
    assert comments[0].author_id == organiser_user.id
    assert "Wij stellen een register voor." in comments[0].body
    assert session.event.title in comments[0].body
    assert login(UserFactory()).post(url, data={field: "x"}).status_code == 403


def test_slides_are_checked_by_content(login, db):
    import io

    event = make_event(starts=utcnow() - timedelta(days=1))
    organiser = login(verified_member(organisation=event.organiser))
    fake = (io.BytesIO(b"#!/bin/sh\necho hi\n"), "slides.pdf")
    response = organiser.post(f"/bijeenkomsten/{event.id}/verslag",
                              data={"report": "Verslag", "upload": fake},
                              content_type="multipart/form-data")
    assert response.status_code == 400
    pdf = (io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "slides.pdf")
    response = organiser.post(f"/bijeenkomsten/{event.id}/verslag",
                              data={"report": "Een **goed** verslag", "upload": pdf},
                              content_type="multipart/form-data")
    assert response.status_code == 302
    page = login(UserFactory()).get(f"/bijeenkomsten/{event.id}").get_data(as_text=True)
    assert "<strong>goed</strong>" in page and "slides.pdf" in page


# Where events show up


def test_events_on_the_home_page_case_page_feed_and_search(client, db):
    case = CaseFactory(title="Slimme lantaarnpalen")
    event = make_event(title="Lichtdag")
    add_session(event, title="Licht en privacy", cases=[case])
    hidden = make_event(title="Voorstel in de maak", published=False)
    home = client.get("/").get_data(as_text=True)
    assert "Lichtdag" in home and hidden.title not in home
    assert "Licht en privacy" in client.get(f"/casussen/{case.id}").get_data(as_text=True)
    feed = client.get("/feeds/bijeenkomsten.atom").get_data(as_text=True)
    assert "Lichtdag" in feed and hidden.title not in feed
    found = client.get("/zoeken", query_string={"q": "lichtdag"}).get_data(as_text=True)
    assert f'data-key="event:{event.id}"' in found
    assert f'data-key="event:{hidden.id}"' not in client.get(
        "/zoeken", query_string={"q": "voorstel"}).get_data(as_text=True)
