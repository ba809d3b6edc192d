"""Sign-in history and deleting an account with two-factor sign-in, in Chromium: the pages pass
axe, the history shows the attempts made in this browser."""
import pyotp

from smartsociety.twofactor import services as twofactor
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import TEST_PASSWORD, UserFactory


def _log_in(page, live_server, password):
    page.goto(live_server.url + "/inloggen")
    page.fill("#email", "historie@example.org")
    page.fill("#password", password)
    page.locator("form.stacked button[type=submit]").click()


def test_recent_sign_ins_and_the_code_at_deletion(live_server, page, db):
    user = UserFactory(email="historie@example.org")
    secret = pyotp.random_base32()
    twofactor.enable(user, secret, 0)
    db.session.commit()
    _log_in(page, live_server, "niet mijn wachtwoord")
    _log_in(page, live_server, TEST_PASSWORD)
    page.wait_for_url("**/inloggen/tweede-stap")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(f"{live_server.url}/leden/{user.id}")
    page.locator("a[href='/account/aanmeldingen']").click()
    page.wait_for_url("**/account/aanmeldingen")
    rows = page.locator("main tbody tr")
    assert rows.count() == 2
    assert "Chrome" in rows.first.inner_text()  # the browser family, from the user agent
    assert "127.0.0.0/24" in rows.first.inner_text()
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)

    assert "twee stappen" in rows.first.inner_text() or "two-factor" in rows.first.inner_text()
    page.goto(live_server.url + "/mijn-gegevens")
    assert page.locator("#code").count() == 1
    page.fill("#password", TEST_PASSWORD)
    page.check("#confirm")
    page.locator("form[action='/account-verwijderen'] button[type=submit]").click()
    assert page.locator("#code").count() == 1  # refused without a code: the form again
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
