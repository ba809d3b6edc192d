"""Principles in a real browser: a consultation from opening to adoption, and accessibility."""
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from smartsociety.extensions import db
from smartsociety.models import (
    OrganisationKind,
    PrincipleVersion,
    Role,
    RuleVote,
    VersionStatus,
    VoteChoice,
)
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import PrincipleFactory, UserFactory, verified_member


def log_in_as(page, app, live_server, user):
    """Give the browser a session cookie for `user` (independent of the login form)."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server.url}]
    )


def the_version(principle_id):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(PrincipleVersion).where(PrincipleVersion.principle_id == principle_id)
    )


def test_consultation_from_opening_to_adoption(app, live_server, page):
    moderator = UserFactory(role=Role.MODERATOR)
    alderman = verified_member(kind=OrganisationKind.GEMEENTE)
    engineer = verified_member(kind=OrganisationKind.BEDRIJF, name="Joris Vermeer")
    principle = PrincipleFactory(title="Open data", status=VersionStatus.DRAFT)
    principle_url = f"{live_server.url}/principes/{principle.slug}"
    rules = the_version(principle.id).rules
    first, second = rules[0].id, rules[1].id

    log_in_as(page, app, live_server, moderator)
    page.goto(principle_url)
    page.click("form[action$='/versie/1/consultatie'] button")
    page.wait_for_selector(".badge.status-consultation")
    assert the_version(principle.id).status is VersionStatus.CONSULTATION

    for voter, choice in ((alderman, "agree"), (engineer, "disagree")):
        log_in_as(page, app, live_server, voter)
        page.goto(principle_url)
        form = page.locator(f"form[action$='/regels/{first}/stem']")
        form.locator(f"input[value={choice}]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".flash-success")

    # The engineer (still logged in) proposes better wording for rule 2.
    rule = page.locator("#rule-2")
    rule.locator("details.participate summary").first.click()
    wording = "Data is open, behalve persoonsgegevens."
    rule.locator(f"textarea[name='amend-{second}-text']").fill(wording)
    rule.locator(f"textarea[name='amend-{second}-reason']").fill("Duidelijker voor **inwoners**.")
    rule.locator(f"form[action$='/regels/{second}/amendement'] button[type=submit]").click()
    page.wait_for_selector(".amendment-text")
    results = page.locator("#rule-1 .tally-count").all_inner_texts()
    assert results == ["1", "1", "0"]

    log_in_as(page, app, live_server, moderator)
    page.goto(principle_url)
    page.click("form[action*='/overnemen'] button")
    page.wait_for_selector("#rule-2 .credit")
    assert "Joris Vermeer" in page.inner_text("#rule-2 .credit")
    assert page.inner_text("#rule-2 .rule-text") == wording

    page.click(".moderator-actions a[href$='/vaststellen']")
    page.fill("input[name=decision]", "ALV 2026-11-24, agendapunt 4")
    page.fill("input[name=adopted_on]", "2026-11-24")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".badge.status-adopted")

    version = the_version(principle.id)
    assert version.status is VersionStatus.ADOPTED
    assert version.decision == "ALV 2026-11-24, agendapunt 4"
    assert version.rules[1].credited_name == "Joris Vermeer"
    choices = sorted(v.choice.value for v in db.session.scalars(sa.select(RuleVote)))
    assert choices == [VoteChoice.AGREE.value, VoteChoice.DISAGREE.value]
    assert page.js_errors == []


def test_principles_index_and_page_are_accessible(app, live_server, page):
    PrincipleFactory(title="Infrastructuur")
    principle = PrincipleFactory(title="Data", status=VersionStatus.CONSULTATION)
    page.goto(f"{live_server.url}/principes/")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)

    # A member sees the consultation with its forms and results.
    log_in_as(page, app, live_server, verified_member())
    page.goto(f"{live_server.url}/principes/{principle.slug}")
    page.locator("details.participate summary").first.click()
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page.js_errors == []


def test_principle_page_usable_at_320_pixels(live_server, page):
    principle = PrincipleFactory(status=VersionStatus.CONSULTATION)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/principes/{principle.slug}")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_diff_print_and_link_pages_are_accessible(app, live_server, page):
    from tests.factories import CaseFactory, PrincipleVersionFactory

    principle = PrincipleFactory(title="Data")
    PrincipleVersionFactory(principle=principle, number=2, status=VersionStatus.CONSULTATION,
                            rules=["Regel een.", "Regel twee, gewijzigd."])
    case = CaseFactory()
    log_in_as(page, app, live_server, case.author)
    for path in (f"/principes/{principle.slug}/vergelijken?van=1&naar=2",
                 "/principes/afdrukken", f"/principes/koppelen/{case.id}"):
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        assert violations == [], path + format_violations(violations)
    page.select_option("select[name=principle]", str(principle.id))
    page.fill("input[name=note]", "Sensoren in de straat.")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "Data" in page.inner_text("main .card-list")
