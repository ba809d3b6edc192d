"""Account security in Chromium: register, open the caught mail, click its link, log in and post
a first case; the pages of verification, password reset and two-factor sign-in pass axe."""
import re

import pyotp
import pytest

from smartsociety.models import Case, User
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from tests.mailbox import URL, messages_to, text_of

PASSWORD = "paars-fietsenrek-onder-de-brug"


def caught_link(smtp_server, address: str, fragment: str) -> str:
    [mail] = messages_to(smtp_server, address)
    return next(url for url in URL.findall(text_of(mail)) if fragment in url)


def test_register_open_the_mail_click_and_post_a_first_case(live_server, page, db, app,
                                                            smtp_server):
    app.config["SITE_URL"] = live_server.url
    organisation = OrganisationFactory(name="Gemeente Mailstad")
    page.goto(live_server.url + "/registreren")
    page.fill("#name", "Mira Mail")
    page.fill("#email", "mira@mailstad.example")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.select_option("#organisation", str(organisation.id))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/registreren/controleer-uw-mail")
    assert "mira@mailstad.example" in page.locator("main").inner_text()
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)

    # Before confirming: logged in, reading works, the banner says why there is no form.
    page.goto(live_server.url + "/inloggen")
    page.fill("#email", "mira@mailstad.example")
    page.fill("#password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".banner-verify").count() == 1
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)

    # The link from the mail that the real SMTP server received (its host is the live server).
    link = caught_link(smtp_server, "mira@mailstad.example", "/e-mailadres/bevestigen/")
    link = re.sub(r"^https?://[^/]+", live_server.url, link)
    page.goto(link)
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".banner-verify").count() == 0

    page.goto(f"{live_server.url}/casussen/nieuw?soort=dilemma")
    page.fill("#title", "Mogen wij slimme lantaarnpalen laten meeluisteren?")
    page.fill("#summary", "Over geluidssensoren in lantaarnpalen.")
    page.fill("#body", "Een leverancier biedt **geluidssensoren** aan.")
    page.fill("#question", "Wanneer is meeluisteren te ver?")
    page.fill("#values_at_stake", "Veiligheid tegenover privacy.")
    page.check('input[name="themes"][value="datagedreven-werken"]')
    page.click('input[name="submit"]')
    page.wait_for_url("**/casussen/*")
    assert "lantaarnpalen" in page.locator("h1").inner_text()
    case = db.session.scalar(db.select(Case))
    assert case.author_id == db.session.scalar(User.by_email("mira@mailstad.example")).id
    assert page.js_errors == []


@pytest.mark.parametrize("path", ["/wachtwoord-vergeten", "/e-mailadres/bevestigen/kapot"])
def test_anonymous_account_pages_are_accessible(live_server, page, db, path):
    page.goto(live_server.url + path)
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_two_factor_pages_are_accessible_and_sign_in_works(live_server, page, db):
    UserFactory(email="tweestap@example.org")
    page.goto(live_server.url + "/inloggen")
    page.fill("#email", "tweestap@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/account/tweestapsverificatie")
    assert page.locator("img.totp-qr").count() == 1
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    secret = page.locator("main ol code").inner_text()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.fill("#password", TEST_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector(".recovery-codes")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10

    page.context.clear_cookies()
    page.goto(live_server.url + "/inloggen")
    page.fill("#email", "tweestap@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/inloggen/tweede-stap")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    page.fill("#code", codes[0])
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-nav button[type=submit]").count() == 1
