"""Nothing typed is lost, in a real browser: principle drafts, quote and reply, preview with an
attachment, suspension, drafts in the browser, the case form's kind and status, images."""
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    Comment,
    OrganisationKind,
    PrincipleVersion,
    Role,
    Sanction,
    SanctionKind,
    utcnow,
)
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_principles import log_in_as
from tests.factories import (
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    PrincipleFactory,
    SolutionFactory,
    UserFactory,
    saved,
)

DRAFT_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('smartsociety-draft:'))"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _versions(principle_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(PrincipleVersion).where(
        PrincipleVersion.principle_id == principle_id).order_by(PrincipleVersion.number)).all()


def test_a_new_principle_version_keeps_its_rules_and_a_draft_can_be_deleted(
    app, live_server, page
):
    principle = PrincipleFactory(title="Open data")
    texts = [rule.text for rule in _versions(principle.id)[0].rules]
    log_in_as(page, app, live_server, UserFactory(role=Role.MODERATOR))
    page.goto(f"{live_server.url}/principes/{principle.slug}")
    page.click("form[action$='/nieuwe-versie'] button")
    page.wait_for_selector("textarea[name=rules]")
    assert page.input_value("textarea[name=rules]").splitlines() == texts
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert [r.text for r in _versions(principle.id)[1].rules] == texts

    page.click("details.delete-draft summary")
    page.click("details.delete-draft button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert [v.number for v in _versions(principle.id)] == [1]


def test_quote_and_reply_keep_what_was_typed(app, live_server, page):
    case = CaseFactory()
    earlier = CommentFactory(case=case, body="Meten jullie ook luchtkwaliteit?",
                             body_html="<p>Meten jullie ook luchtkwaliteit?</p>")
    log_in_as(page, app, live_server, UserFactory())
    page.goto(f"{live_server.url}/casussen/{case.id}")
    page.evaluate("window.__same_page = true")
    page.fill("#body", "Mijn eigen begin.")
    page.click(f"#comment-{earlier.id} a[data-quote]")
    value = page.input_value("#body")
    assert value.startswith("Mijn eigen begin.") and "> Meten jullie ook luchtkwaliteit?" in value
    assert page.evaluate("window.__same_page") is True  # no reload
    assert page.input_value("input[name=parent_id]") == str(earlier.id)
    page.click("form.comment-form [name=submit]")
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    reply = db.session.scalar(sa.select(Comment).where(Comment.id != earlier.id))
    assert reply.parent_id == earlier.id and reply.body.startswith("Mijn eigen begin.")
    assert page.js_errors == []


def test_a_comment_draft_survives_a_reload_and_goes_once_posted(app, live_server, page):
    case = CaseFactory()
    log_in_as(page, app, live_server, UserFactory())
    url = f"{live_server.url}/casussen/{case.id}"
    page.goto(url)
    page.fill("#body", "Een lange reactie die ik nog niet verstuurde.")
    for _ in range(50):  # saved after a short pause in typing (the CSP forbids eval'd waits)
        if page.evaluate(DRAFT_KEYS):
            break
        page.wait_for_timeout(100)
    page.goto(url)
    assert page.input_value("#body") == "Een lange reactie die ik nog niet verstuurde."
    assert page.locator(".draft-note").is_visible()
    page.click("form.comment-form [name=submit]")
    page.wait_for_selector(".flash-success")
    page.goto(url)
    assert page.input_value("#body") == ""
    assert page.evaluate(DRAFT_KEYS) == []


def test_preview_keeps_the_chosen_attachment(app, live_server, page, tmp_path):
    report = tmp_path / "rapport.pdf"
    report.write_bytes(PDF)
    log_in_as(page, app, live_server, UserFactory())
    page.goto(f"{live_server.url}/casussen/nieuw")
    assert page.locator("#preview-heading").count() == 0  # no empty preview box
    page.set_input_files("input[name=attachment]", str(report))
    page.fill("#body", "Een **vette** beschrijving.")
    page.click("button[name=preview], input[name=preview]")
    page.wait_for_selector('[data-preview-for="body"] .preview-body strong')
    assert page.evaluate("document.querySelector('input[name=attachment]').files.length") == 1


def test_without_javascript_the_page_says_to_choose_the_file_again(
    app, live_server, chromium, tmp_path
):
    report = tmp_path / "rapport.pdf"
    report.write_bytes(PDF)
    context = chromium.new_context(locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in_as(page, app, live_server, UserFactory())
        page.goto(f"{live_server.url}/casussen/nieuw")
        page.set_input_files("input[name=attachment]", str(report))
        page.fill("#body", "Tekst")
        page.click("[name=preview]")
        page.wait_for_selector(".attachment-again")
        assert "rapport.pdf" in page.inner_text(".attachment-again")
        assert page.input_value("#body") == "Tekst"
    finally:
        context.close()


def test_the_status_list_follows_the_kind(app, live_server, page):
    log_in_as(page, app, live_server, UserFactory())
    page.goto(f"{live_server.url}/casussen/nieuw")
    assert page.locator(".dilemma-fields").is_hidden()
    page.check("input[name=kind][value=dilemma]")
    assert page.input_value("select[name=status]") == "open"
    assert page.locator(".dilemma-fields").is_visible()
    hidden = page.evaluate("[...document.querySelectorAll('select[name=status] option')]"
                           ".filter(o => o.hidden).map(o => o.value)")
    assert set(hidden) == {"idea", "pilot", "running", "scaling", "standard", "finished"}
    page.fill("input[name=title]", "Mogen wij camera's gebruiken?")
    page.fill("#body", "Een vraag over camera's.")
    page.fill("textarea[name=question]", "Mag dat?")
    page.check("input[name=themes] >> nth=0")
    page.click("form.case-form button[name=submit], form.case-form input[name=submit]")
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    case = db.session.scalar(sa.select(Case))
    assert case.kind.value == "dilemma" and case.status == "open"
    page.goto(f"{live_server.url}/casussen/nieuw")
    page.check("input[name=kind][value=dilemma]")
    page.check("input[name=kind][value=project]")
    assert page.input_value("select[name=status]") == "idea"
    assert page.locator(".dilemma-fields").is_hidden()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_a_suspended_member_sees_the_suspension_and_no_forms(app, live_server, page):
    member, case = UserFactory(), CaseFactory()
    db.session.add(Sanction(user_id=member.id, kind=SanctionKind.SUSPENSION, reason="Spam",
                            created_by_id=UserFactory(role=Role.MODERATOR).id,
                            ends_at=utcnow() + timedelta(days=3)))
    db.session.commit()
    log_in_as(page, app, live_server, member)
    page.goto(f"{live_server.url}/casussen/{case.id}")
    notice = page.inner_text(".suspension-notice")
    assert "geschorst tot" in notice and "Spam" in notice
    assert page.locator("form.comment-form").count() == 0
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_external_images_are_links_never_broken_images(app, live_server, page):
    body = "Zie ![plattegrond van het plein](https://images.example/plein.png) hiernaast."
    case = CaseFactory(body=body, body_html=render_markdown(body))
    log_in_as(page, app, live_server, UserFactory())
    page.goto(f"{live_server.url}/casussen/{case.id}")
    assert page.locator("main img").count() == 0
    assert page.get_by_role("link", name="plattegrond van het plein").count() == 1
    page.goto(f"{live_server.url}/casussen/nieuw")
    page.fill("#body", body)
    page.wait_for_selector('[data-preview-for="body"] .preview-body a')
    assert page.locator('[data-preview-for="body"] img').count() == 0


def test_a_contact_conversation_page_is_accessible(app, live_server, page):
    solution = SolutionFactory()
    sender = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.GEMEENTE))
    from smartsociety.solutions import services

    message = saved(services.send_contact(sender, solution, "Vraag over koppeling", "Werkt het?"))
    log_in_as(page, app, live_server, sender)
    page.goto(f"{live_server.url}/berichten/{message.id}")
    page.fill("textarea[name=body]", "Nog een vraag.")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".contact-reply")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
