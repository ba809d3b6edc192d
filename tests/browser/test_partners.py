"""Working together in Chromium: a second gemeente joins a case, adopts the scaled project,
and its application landscape shows the solution with an alternative (axe on the new pages)."""
import datetime

from smartsociety.extensions import db
from smartsociety.models import (
    CaseGemeente,
    CaseKind,
    PartnerStatus,
    ProjectAdoption,
    ProjectSolution,
    ProjectStatus,
    SolutionCategory,
)
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import CaseFactory, OrganisationFactory, SolutionFactory, verified_member

NOW = datetime.datetime.now(datetime.UTC)


def assert_accessible(page):
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_second_gemeente_joins_adopts_and_sees_alternatives(live_server, page, app):
    owner = verified_member(name="Pieter Jansen", organisation=OrganisationFactory(
        name="Gemeente Turfbrug", verified_at=NOW))
    second = verified_member(name="Fatima El Amrani", organisation=OrganisationFactory(
        name="Gemeente Dijkhaven", verified_at=NOW))
    category = SolutionCategory(name="Zaaksysteem", name_key="zaaksysteem", slug="zaaksysteem")
    db.session.add(category)
    db.session.commit()
    used = SolutionFactory(name="Parkeerplatform", category=category, accepts_gibit=True)
    SolutionFactory(name="Open Parkeren", category=category,
                    hosting_location="Zwolle")
    case = CaseFactory(kind=CaseKind.PROJECT, status=ProjectStatus.SCALING.value,
                       title="Slim parkeren als gezamenlijke dienst", author=owner,
                       organisation=owner.organisation)
    db.session.add(ProjectSolution(case_id=case.id, solution_id=used.id))
    db.session.commit()
    case_url = f"{live_server.url}/casussen/{case.id}"

    # The second gemeente asks to join.
    log_in(page, live_server, app, second)
    page.goto(case_url)
    page.click(".partner-request summary")
    assert_accessible(page)
    page.fill("#message", "Wij willen de dienst mee ontwikkelen.")
    page.click('.partner-request input[name="submit"]')
    page.wait_for_url("**#samenwerken")
    assert "mee te doen als partner" in page.locator(".case-partners").inner_text()

    # The owner accepts.
    log_in(page, live_server, app, owner)
    page.goto(case_url)
    page.click('.partner-requests button[value="accept"]')
    page.wait_for_url("**#samenwerken")
    assert "Gemeente Dijkhaven" in page.locator(".partner-list").inner_text()
    assert "Gedeeld door 2 gemeenten" in page.locator(".shared-by").inner_text()
    link = db.session.scalar(db.select(CaseGemeente))
    assert link.partner_status is PartnerStatus.ACCEPTED

    # The second gemeente adopts the scaled project, then records that it uses its solution.
    log_in(page, live_server, app, second)
    page.goto(case_url)
    page.click(".adoption-form summary")
    assert_accessible(page)
    page.check('input[name="stage"][value="in_use"]')
    page.fill("#note", "Live in het havengebied.")
    page.click('.adoption-form input[name="submit"]')
    page.wait_for_url("**#adopties")
    assert "In gebruik" in page.locator(".adoption-table").inner_text()
    assert "Gemeente Dijkhaven" in page.locator(".adoption-timeline").inner_text()
    assert db.session.scalar(db.select(ProjectAdoption)).organisation_id == second.organisation_id

    page.click(".project-solutions a")
    page.wait_for_url(f"**/oplossingen/{used.id}")
    page.click(".use-form summary")
    page.check('input[name="rating"][value="4"]')
    page.fill("#review", "Werkt goed samen met ons zaaksysteem.")
    page.fill("#domain", "Parkeren")
    page.click('.use-form input[name="submit"]')
    page.wait_for_url("**#in-use")

    # Its landscape shows the solution with the alternative of the same category.
    page.goto(f"{live_server.url}/organisaties/{second.organisation.slug}")
    assert "Open Parkeren" in page.locator(".gemeente-landscape").inner_text()
    page.click(".gemeente-landscape p a")
    page.wait_for_url("**/applicatielandschap")
    entry = page.locator(".landscape-entry").inner_text()
    assert "Parkeerplatform" in entry and "Parkeren" in entry
    assert "Open Parkeren" in page.locator(".alternatives").inner_text()
    assert_accessible(page)

    # Compared side by side, and printable.
    page.click("text=Naast elkaar vergelijken")
    page.wait_for_url("**/oplossingen/vergelijken*")
    table = page.locator(".compare-table").inner_text()
    assert "Parkeerplatform" in table and "Open Parkeren" in table and "Zwolle" in table
    assert_accessible(page)
    page.click("text=Afdrukversie")
    page.wait_for_url("**afdruk=1*")
    assert_accessible(page)
    assert page.js_errors == []


def test_new_list_and_requirement_pages_are_accessible(live_server, page, app):
    from smartsociety.models import Role
    from tests.factories import UserFactory

    moderator = UserFactory(role=Role.MODERATOR)
    owner = verified_member()
    case = CaseFactory(author=owner, organisation=owner.organisation)
    log_in(page, live_server, app, moderator)
    for path in ("/oplossingen/categorieen", "/certificeringen"):
        page.goto(live_server.url + path)
        assert_accessible(page)
    log_in(page, live_server, app, owner)
    page.goto(f"{live_server.url}/casussen/{case.id}/eisen")
    page.select_option("#kind", "gibit")
    page.click('input[name="submit"]')
    page.wait_for_url(f"**/casussen/{case.id}/eisen")
    assert "Accepteert GIBIT" in page.locator(".requirement-list").inner_text()
    assert_accessible(page)
    project = CaseFactory(author=owner, organisation=owner.organisation, kind=CaseKind.PROJECT,
                          status=ProjectStatus.SCALING.value)
    SolutionFactory(name="Parkeerplatform")
    page.goto(f"{live_server.url}/casussen/{project.id}/koppelingen")
    assert_accessible(page)
    adopter = verified_member()
    adoption = ProjectAdoption(case_id=project.id, organisation_id=adopter.organisation_id,
                               stage="plan", note="In de begroting.")
    db.session.add(adoption)
    db.session.commit()
    log_in(page, live_server, app, adopter)
    page.goto(f"{live_server.url}/casussen/{project.id}/adopties/{adoption.id}")
    assert page.locator('input[name="stage"][value="plan"]').is_checked()
    assert_accessible(page)
    page.goto(f"{live_server.url}/oplossingen/categorieen")
    assert_accessible(page)
    assert page.js_errors == []
