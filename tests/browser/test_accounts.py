"""Accounts in a real browser: register, log out and in, switch language, accessibility."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, format_violations
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory

PASSWORD = "paars-fietsenrek-onder-de-brug"


def test_register_log_out_log_in_and_switch_language(live_server, page, db, app):
    org = OrganisationFactory(name="Gemeente Browserdorp")
    page.goto(live_server.url + "/registreren")
    # The proposal fields stay out of the way until "propose" is chosen.
    assert page.locator(".new-organisation").is_hidden()
    page.fill("#name", "Bente Browser")
    page.fill("#email", "Bente@Browser.example")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.select_option("#organisation", str(org.id))
    page.locator("form.stacked button[type=submit]").click()
    # Issue 15: registering sends a verification link (kept by the suppressed mail outbox here).
    page.wait_for_url("**/registreren/controleer-uw-mail")
    [mail] = app.extensions["mail_outbox"]
    link = re.search(r"http://[^/\s]+(/e-mailadres/bevestigen/\S+)", mail.get_content()).group(1)
    page.goto(live_server.url + link)
    page.wait_for_url("**/inloggen")
    page.fill("#email", "bente@browser.example")
    page.fill("#password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    page.locator(".account-nav a[href^='/leden/']").click()
    page.wait_for_url("**/leden/*")
    assert page.locator("h1").inner_text().startswith("Bente Browser")
    assert page.locator("main").get_by_text("Gemeente Browserdorp").count() == 1

    page.locator(".account-nav button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator('.account-nav a[href="/inloggen"]').count() == 1

    page.goto(live_server.url + "/inloggen?next=/organisaties")
    page.fill("#email", "bente@browser.example")
    page.fill("#password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/organisaties")
    assert page.locator(".account-nav").get_by_text("Bente Browser").count() == 1

    page.goto(live_server.url + "/inloggen")  # logged in: sent on to the home page
    assert page.locator("html").get_attribute("lang") == "nl"
    dutch_nav = page.locator(".main-nav").inner_text()
    page.locator('.language-switch button[lang="en"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Organisations" in page.locator(".main-nav").inner_text()
    assert "Organisations" not in dutch_nav
    assert page.js_errors == []


def test_propose_organisation_fields_appear(live_server, page):
    page.goto(live_server.url + "/registreren")
    page.select_option("#organisation", "new")
    expect(page.locator(".new-organisation")).to_be_visible()
    expect(page.locator("#new_organisation_cbs_code")).to_be_visible()


def test_wrong_password_shows_error(live_server, page, db):
    UserFactory(email="piet@example.org")
    page.goto(live_server.url + "/inloggen")
    page.fill("#email", "piet@example.org")
    page.fill("#password", TEST_PASSWORD + "x")
    page.locator("form.stacked button[type=submit]").click()
    # Waiting assertions: the click returns before the answer page has loaded.
    expect(page.locator("#password-error")).to_be_visible()
    # The error summary takes focus so screen readers announce it.
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")


@pytest.mark.parametrize("path", ["/", "/registreren", "/inloggen", "/organisaties", "PROFILE"])
def test_pages_are_accessible(live_server, page, db, path):
    if path == "PROFILE":
        user = UserFactory(name="Toegankelijk Lid", bio="Over mij.", job_title="Adviseur")
        path = f"/leden/{user.id}"
    page.goto(live_server.url + path)
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_register_page_with_errors_is_accessible(live_server, page):
    page.goto(live_server.url + "/registreren")
    page.select_option("#organisation", "new")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_register_page_at_320_pixels(live_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/registreren")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
