"""Follow and notify in Chromium: follow a theme, see the bell rise, open the notifications."""
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import OrganisationFactory, UserFactory


def test_follow_a_theme_and_see_the_bell_rise(live_server, page, app):
    reader = UserFactory(name="Sara Bakker")
    writer = UserFactory(name="Pieter Jansen",
                         organisation=OrganisationFactory(name="Gemeente Dal"))

    log_in(page, live_server, app, reader)
    page.goto(f"{live_server.url}/themas/datagedreven-werken")
    bell = page.locator("a.notification-bell")
    assert bell.inner_text() == "Meldingen (0)"
    page.get_by_role("button", name="Volgen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Volgend")).to_be_visible()

    log_in(page, live_server, app, writer)
    page.goto(f"{live_server.url}/casussen/nieuw?soort=dilemma")
    page.fill("#title", "Mogen wij wifi-tellingen gebruiken?")
    page.fill("#summary", "Over het tellen van bezoekers in het centrum.")
    page.fill("#body", "Wij willen **drukte** meten.")
    page.fill("#question", "Is dat proportioneel?")
    page.check('input[name="themes"][value="datagedreven-werken"]')
    page.click('input[name="submit"]')
    page.wait_for_url("**/casussen/*")

    log_in(page, live_server, app, reader)
    page.goto(live_server.url)
    bell = page.locator("a.notification-bell")
    assert bell.inner_text() == "Meldingen (1)"
    bell.click()
    page.wait_for_url("**/meldingen")
    assert page.locator("h1").inner_text() == "Meldingen"
    page.get_by_role("link", name="Mogen wij wifi-tellingen gebruiken?").click()
    assert "wifi-tellingen" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/meldingen")
    page.get_by_role("button", name="Alles als gelezen markeren").click()
    page.wait_for_url("**/meldingen")
    assert page.locator("a.notification-bell").inner_text() == "Meldingen (0)"
    assert page.js_errors == []


def test_notification_pages_are_accessible(live_server, page, app):
    from smartsociety.cases import services as cases
    from smartsociety.extensions import db
    from smartsociety.models import Case, FollowTarget
    from smartsociety.notify import services
    from tests.factories import CaseFactory

    reader, writer = UserFactory(), UserFactory()
    case = CaseFactory(author=writer)
    services.follow(reader, FollowTarget.CASE, case.id)
    cases.add_comment(db.session.get(Case, case.id), writer, "Een reactie")
    log_in(page, live_server, app, reader)
    for path in ("/meldingen", "/meldingen/instellingen"):
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        assert violations == [], format_violations(violations)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/meldingen")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_unsubscribe_link_works_without_login_with_csrf_on(live_server, page, app):
    from smartsociety.models import Delivery
    from smartsociety.notify import services

    member = UserFactory()
    token = services.unsubscribe_token(member, None)
    page.goto(f"{live_server.url}/meldingen/afmelden/{token}")
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Afgemeld"
    assert set(services.preferences(member).values()) == {Delivery.NEVER}
