"""Tokens and the API documentation page in a real browser, with axe."""
import pytest

from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import CaseFactory, UserFactory


def test_create_use_and_revoke_a_token(live_server, page, app, db):
    user = UserFactory(name="Tessa Token")
    CaseFactory(title="Casus voor de API")
    log_in(page, live_server, app, user)
    page.goto(live_server.url + "/instellingen/tokens")
    assert not axe_violations(page), format_violations(axe_violations(page))
    page.fill("#name", "Mijn script")
    page.check("input[name=scope][value=write]")
    page.locator("form.stacked button[type=submit]").click()
    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("ss_pat_")
    assert not axe_violations(page), format_violations(axe_violations(page))
    # The token works against the API from outside the browser session.
    response = page.request.get(live_server.url + "/api/v1/cases",
                                headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 200 and response.json()["items"][0]["title"] == "Casus voor de API"
    page.goto(live_server.url + "/instellingen/tokens")
    assert secret not in page.content()
    page.get_by_role("button", name="Mijn script").click()
    page.wait_for_url("**/instellingen/tokens")
    response = page.request.get(live_server.url + "/api/v1/cases",
                                headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 401


@pytest.mark.skipif(not (__import__("pathlib").Path(__file__).parents[2] / "static" / "vendor"
                         / "swagger-ui" / "swagger-ui-bundle.js").exists(),
                    reason="run `make assets` first")
def test_documentation_page_renders_locally_under_the_csp(live_server, page, db):
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            else None)
    external = []
    page.on("request", lambda r: external.append(r.url)
            if not r.url.startswith(live_server.url) else None)
    page.goto(live_server.url + "/ontwikkelaars/api")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui").get_by_text("/api/v1/cases", exact=True).count() >= 1
    assert not external and not page.js_errors
    assert not blocked, blocked
    # Our own part of the page (heading, explanation, links) must pass axe; Swagger UI's widget
    # is checked too and its serious problems reported.
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_privacy_and_open_data_pages_pass_axe(live_server, page, app, db):
    from smartsociety.models import PolicyKind
    from smartsociety.opendata import services as opendata
    from smartsociety.privacy import policies

    moderator = UserFactory(role="moderator")
    CaseFactory(title="Open casus")
    policies.publish(PolicyKind.TERMS, "Eerste versie", "# Voorwaarden\n\nTekst.", moderator)
    policies.publish(PolicyKind.TERMS, "Tweede versie", "# Voorwaarden\n\nNieuw.", moderator)
    opendata.export()
    member = UserFactory(name="Mira Mijngegevens")
    log_in(page, live_server, app, member)
    for path in ["/mijn-gegevens", "/open-data", "/voorwaarden", "/privacyverklaring"]:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        violations = axe_violations(page)
        assert not violations, (path, format_violations(violations))
    # The banner asks for acceptance; accepting removes it.
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Ik accepteer de nieuwe versies").first.click()
    assert page.locator("#policy-banner-title").count() == 0
    page.goto(live_server.url + "/mijn-gegevens")
    page.get_by_role("button", name="Maak mijn gegevens klaar").click()
    assert page.get_by_role("link", name="Download mijn gegevens").count() == 1
