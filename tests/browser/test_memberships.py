"""Memberships in Chromium: an organisation administrator approves a pending claim and adds a
domain; the member's own membership page; axe on both pages."""
from smartsociety.extensions import db
from smartsociety.models import Membership, MembershipState, Role, utcnow
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import OrganisationFactory, UserFactory, claimed_member


def test_admin_approves_a_claim_and_adds_a_domain(live_server, page, app):
    organisation = OrganisationFactory(name="Gemeente Turfbrug", verified_at=utcnow())
    admin = UserFactory(name="Pieter Jansen", organisation=organisation)
    db.session.scalar(db.select(Membership).where(Membership.user_id == admin.id)).is_admin = True
    db.session.commit()
    claim = claimed_member(name="Joris Kok", organisation=organisation)

    log_in(page, live_server, app, admin)
    page.goto(f"{live_server.url}/organisaties/{organisation.slug}")
    claims = page.locator(".membership-claims")
    assert "Joris Kok" in claims.inner_text()
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)

    claims.get_by_role("button", name="Goedkeuren: Joris Kok").click()
    page.wait_for_url("**#members-heading")
    assert "Joris Kok is nu een bevestigd lid." in page.locator("body").inner_text()
    assert "Niemand wacht op bevestiging." in page.locator(".membership-claims").inner_text()
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == claim.id))
    assert membership.state is MembershipState.VERIFIED

    page.fill("#domain", "gmail.com")
    page.get_by_role("button", name="Domein toevoegen").click()
    assert "Iedereen kan een adres" in page.locator(".organisation-domains").inner_text()
    assert page.input_value("#domain") == "gmail.com"  # the typed text comes back
    page.fill("#domain", "turfbrug.nl")
    page.get_by_role("button", name="Domein toevoegen").click()
    page.wait_for_url("**#domains-heading")
    assert "turfbrug.nl" in page.locator(".organisation-domains").inner_text()
    assert page.js_errors == []


def test_membership_page_is_accessible_and_moves(live_server, page, app):
    OrganisationFactory(name="Gemeente Dijkhaven", verified_at=utcnow())
    member = claimed_member(name="Joris Kok", role=Role.MEMBER)
    log_in(page, live_server, app, member)
    page.goto(f"{live_server.url}/lidmaatschap")
    assert "Uw lidmaatschap is nog niet bevestigd." in page.locator("main").inner_text()
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    page.select_option("#organisation", label="Gemeente Dijkhaven")
    page.get_by_role("button", name="Vraag lidmaatschap aan").click()
    page.wait_for_url("**/lidmaatschap")
    assert "Gemeente Dijkhaven" in page.locator("main").inner_text()
    assert page.js_errors == []
