"""Moderation in a real browser: members report spam, it hides itself, a moderator decides."""
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import AuditEntry, Comment, Role, Sanction, utcnow
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_principles import log_in_as
from tests.factories import CaseFactory, CommentFactory, UserFactory


def test_reports_hide_a_comment_then_a_moderator_restores_it_and_suspends_the_spammer(
    app, live_server, page
):
    spammer = UserFactory(name="Spam Bot")
    case = CaseFactory(title="Slimme lantaarnpalen")
    comment = CommentFactory(case=case, author=spammer, body="Goedkope horloges bij ons!")
    moderator = UserFactory(role=Role.MODERATOR)
    case_url = f"{live_server.url}/casussen/{case.id}"

    for _n in range(3):
        # Established members: reports from accounts younger than a day never hide alone.
        log_in_as(page, app, live_server, UserFactory(created_at=utcnow() - timedelta(days=30)))
        page.goto(case_url)
        page.locator(f"#comment-{comment.id} a.report-link").click()
        page.get_by_label("Spam").check()
        page.locator("form.stacked [type=submit]").click()
        page.wait_for_selector(".flash-success")

    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is not None
    page.goto(case_url)
    assert "Goedkope horloges" not in page.content()

    log_in_as(page, app, live_server, moderator)
    page.goto(f"{live_server.url}/moderatie")
    item = page.locator(f"#item-comment-{comment.id}")
    assert "3" in item.locator(".meta").first.inner_text()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    item.locator("button[formaction$='/restore']").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None

    page.goto(f"{live_server.url}/moderatie/leden/{spammer.id}")
    page.locator("form[action$='/schorsen'] input[name=days]").fill("14")
    page.locator("form[action$='/schorsen'] textarea[name=reason]").fill("Reclame voor horloges")
    page.locator("form[action$='/schorsen'] [type=submit]").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Sanction).where(Sanction.user_id == spammer.id)).is_active
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"auto_hide", "restore", "suspend"} <= actions

    # The spammer can still read; the page says why and until when, and offers no form.
    log_in_as(page, app, live_server, spammer)
    page.goto(case_url)
    assert "Reclame voor horloges" in page.inner_text(".suspension-notice")
    assert page.locator("#comment-form textarea").count() == 0
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_report_form_and_audit_log_are_accessible(app, live_server, page):
    comment = CommentFactory()
    log_in_as(page, app, live_server, UserFactory())
    page.goto(f"{live_server.url}/melden/comment/{comment.id}")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    log_in_as(page, app, live_server, UserFactory(role=Role.MODERATOR))
    page.goto(f"{live_server.url}/moderatie/logboek")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
