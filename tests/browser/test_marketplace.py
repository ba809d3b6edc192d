"""Marketplace in Chromium: a gemeente's dilemma gets an offer, is chosen, used and reviewed."""
import pytest

from smartsociety.extensions import db
from smartsociety.models import Offer, OfferStatus, OrganisationKind, SolutionUse, utcnow
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import (
    OpenStandardFactory,
    OrganisationFactory,
    SolutionFactory,
    UserFactory,
    verified_member,
)


def test_dilemma_offer_chosen_then_used_and_reviewed(live_server, page, app):
    gemeente = OrganisationFactory(name="Gemeente Turfbrug", kind=OrganisationKind.GEMEENTE,
                                   verified_at=utcnow())
    company = OrganisationFactory(name="Sensorium B.V.", kind=OrganisationKind.BEDRIJF,
                                  verified_at=utcnow())
    official = UserFactory(name="Pieter Jansen", organisation=gemeente)
    employee = UserFactory(name="Mila Visser", organisation=company)
    solution = SolutionFactory(organisation=company, name="Sensorium Open Register")

    log_in(page, live_server, app, official)
    page.goto(f"{live_server.url}/casussen/nieuw?soort=dilemma")
    page.fill("#title", "Moeten wij een openbaar sensorregister bijhouden?")
    page.fill("#summary", "Over transparantie van sensoren in de stad.")
    page.fill("#body", "Wij hangen steeds meer sensoren op.")
    page.fill("#question", "Moeten inwoners kunnen zien welke sensoren er hangen?")
    page.check('input[name="themes"][value="datagedreven-werken"]')
    page.click('input[name="submit"]')
    page.wait_for_url("**/casussen/*")
    case_url = page.url

    log_in(page, live_server, app, employee)
    page.goto(case_url)
    page.click(".offer-form summary")
    page.select_option("#solution_id", str(solution.id))
    page.fill("#explanation", "Ons register doet precies dit.")
    page.click('.offer-form input[name="submit"]')
    page.wait_for_url("**#offers")
    assert "Sensorium Open Register" in page.locator(".offer").inner_text()
    assert "Aangeboden" in page.locator(".offer-status").inner_text()

    log_in(page, live_server, app, official)
    page.goto(case_url)
    page.click('.offer button[value="chosen"]')
    page.wait_for_url("**#offer-*")
    assert "Gekozen" in page.locator(".offer-status").inner_text()
    assert db.session.scalar(db.select(Offer)).status is OfferStatus.CHOSEN

    # The company sees the outcome in its organisation's messages and offers.
    log_in(page, live_server, app, employee)
    page.goto(f"{live_server.url}/organisaties/{company.slug}/berichten")
    assert page.locator(".offer-status-chosen").count() == 1

    log_in(page, live_server, app, official)
    page.goto(case_url)
    page.click(".offer h3 a")
    page.wait_for_url(f"**/oplossingen/{solution.id}")
    page.click(".use-form summary")
    page.check('input[name="rating"][value="4"]')
    page.fill("#review", "Inwoners waarderen de kaart.")
    page.click('.use-form input[name="submit"]')
    page.wait_for_url("**#in-use")
    assert "Gemeente Turfbrug" in page.locator("#in-use").inner_text()
    assert "4,0" in page.locator(".rating-summary").inner_text()
    use = db.session.scalar(db.select(SolutionUse))
    assert (use.rating, use.organisation_id) == (4, gemeente.id)
    assert page.js_errors == []


@pytest.mark.parametrize("which", ["list", "detail"])
def test_solution_pages_are_accessible(live_server, page, app, which):
    standard = OpenStandardFactory(name="NGSI-LD")
    solution = SolutionFactory()
    solution.standards.append(standard)
    db.session.commit()
    log_in(page, live_server, app, verified_member())  # a gemeente member: sees the forms too
    path = "/oplossingen" if which == "list" else f"/oplossingen/{solution.id}"
    page.goto(live_server.url + path)
    if which == "detail":
        page.click(".use-form summary")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page.js_errors == []


def test_solution_page_usable_at_320_pixels(live_server, page, app):
    solution = SolutionFactory(contact="https://een-heel-lange-domeinnaam-voor-contact.example/pad")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/oplossingen/{solution.id}")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
