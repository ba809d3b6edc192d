"""Events in a real browser: register, the next member sees "vol" and lands on the waitlist,
the first cancels, the waitlisted member gets the place; the pages pass axe."""
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.events import services
from smartsociety.events.services import EventInput, SessionInput
from smartsociety.extensions import db
from smartsociety.models import Notification, Registration, RegistrationStatus, utcnow
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_principles import log_in_as
from tests.factories import CaseFactory, UserFactory, verified_member


def test_waitlist_moves_up_when_a_place_comes_free(app, live_server, page):
    organiser = verified_member(name="Olga Organisator")
    starts = utcnow() + timedelta(days=7)
    event = services.propose(organiser, organiser.organisation, EventInput(
        title="Netwerkdag", description="Samen de agenda bespreken.", starts_at=starts,
        ends_at=starts + timedelta(hours=6), timezone="Europe/Amsterdam", venue="Utrecht",
        online_url=None, capacity=1, registration_opens_at=None, registration_closes_at=None,
        themes=["samen-organiseren"]))
    event.published_at = utcnow()
    services.add_session(event, SessionInput(
        title="Netwerktafel sensoren", description="", track="A", room="Raadzaal",
        starts_at=starts + timedelta(hours=1), ends_at=starts + timedelta(hours=2),
        speakers_text="", speakers=[organiser], capacity=None, cases=[CaseFactory()], rules=[]))
    db.session.commit()
    first, second = UserFactory(name="Eerste Els"), UserFactory(name="Tweede Tom")
    url = f"{live_server.url}/bijeenkomsten/{event.id}"

    log_in_as(page, app, live_server, first)
    page.goto(f"{live_server.url}/bijeenkomsten")
    assert not axe_violations(page), format_violations(axe_violations(page))
    page.goto(url)
    page.click("#registration form[action$='/aanmelden'] button")
    page.wait_for_selector(".registration-status")
    assert "U bent aangemeld" in page.inner_text("#registration")
    assert not axe_violations(page), format_violations(axe_violations(page))

    log_in_as(page, app, live_server, second)
    page.goto(url)
    assert "Vol" in page.inner_text("#registration")
    page.click("#registration form[action$='/aanmelden'] button")
    page.wait_for_selector(".registration-status")
    assert "wachtlijst" in page.inner_text("#registration")

    log_in_as(page, app, live_server, first)
    page.goto(url)
    page.click("#registration form[action$='/afmelden'] button")
    page.wait_for_selector(".flash-info")

    log_in_as(page, app, live_server, second)
    page.goto(url)
    assert "U bent aangemeld" in page.inner_text("#registration")
    db.session.expire_all()
    row = db.session.scalar(sa.select(Registration).where(Registration.user_id == second.id))
    assert row.status is RegistrationStatus.REGISTERED
    assert db.session.scalar(sa.select(Notification).where(Notification.user_id == second.id))
    page.goto(f"{live_server.url}/meldingen")
    assert "plaats vrijgekomen" in page.inner_text("main")

    # The organiser's pages pass axe too.
    log_in_as(page, app, live_server, organiser)
    for path in ("/deelnemers", "/verslag", "/sessies/nieuw", "/bewerken"):
        page.goto(url + path)
        assert not axe_violations(page), (path, format_violations(axe_violations(page)))
    page.goto(f"{live_server.url}/bijeenkomsten/nieuw")
    assert not axe_violations(page), format_violations(axe_violations(page))
    assert not page.js_errors
