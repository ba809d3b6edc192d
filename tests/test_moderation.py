"""Moderation: reports, the queue, decisions, sanctions, the audit log and hidden content."""
import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from smartsociety.models import (
    AuditEntry,
    Case,
    Comment,
    ModerationNotice,
    Report,
    ReportStatus,
    Role,
    Sanction,
    User,
    VersionStatus,
    utcnow,
)
from smartsociety.moderation import services
from smartsociety.refusals import Refused
from tests.factories import (
    AmendmentFactory,
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    PrincipleFactory,
    UserFactory,
)


@pytest.fixture
def moderator(db):
    return UserFactory(role=Role.MODERATOR)


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def comment(db):
    return CommentFactory(body="Koop nu goedkope **horloges**!")


def established(**kwargs):
    """A member whose account is older than a day: reports from newer accounts alone never
    hide anything."""
    return UserFactory(created_at=utcnow() - timedelta(days=2), **kwargs)


def report(client, target_type, target_id, reason="spam", text=""):
    return client.post(
        f"/melden/{target_type}/{target_id}", data={"reason": reason, "text": text}
    )


def entries(db, action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


# Reporting


def test_member_reports_a_comment_once(db, login, comment):
    client = login(UserFactory())
    assert client.get(f"/melden/comment/{comment.id}").status_code == 200
    response = report(client, "comment", comment.id)
    assert response.status_code == 302
    assert f"#comment-{comment.id}" in response.headers["Location"]
    assert report(client, "comment", comment.id).status_code == 302
    stored = db.session.scalars(sa.select(Report)).all()
    assert len(stored) == 1 and stored[0].status is ReportStatus.OPEN
    page = client.get(response.headers["Location"])
    assert b"flash-success" in page.data or b"flash-info" in page.data


@pytest.mark.parametrize("target", ["case", "comment", "amendment", "profile"])
def test_every_reportable_type_can_be_reported(db, login, target):
    item = {
        "case": lambda: CaseFactory(),
        "comment": lambda: CommentFactory(),
        "amendment": lambda: _amendment(),
        "profile": lambda: UserFactory(),
    }[target]()
    client = login(UserFactory())
    assert report(client, target, item.id, "offensive").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1


def _amendment():
    principle = PrincipleFactory(status=VersionStatus.CONSULTATION)
    return AmendmentFactory(rule=principle.versions[0].rules[0])


def test_report_other_needs_text_and_bad_input_is_refused(db, login, comment):
    client = login(UserFactory())
    assert report(client, "comment", comment.id, reason="other").status_code == 422
    assert report(client, "comment", comment.id, reason="nonsense").status_code == 422
    assert report(client, "comment", comment.id, text="x" * 1001).status_code == 422
    response = report(client, "comment", comment.id, reason="other", text="Klopt niet")
    assert response.status_code == 302
    assert report(client, "nothing", 1).status_code == 404
    assert report(client, "comment", 999999).status_code == 404


def test_cannot_report_own_content_or_anonymously(db, client, login, comment):
    assert report(login(comment.author), "comment", comment.id).status_code == 403
    response = report(client, "comment", comment.id)
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0


def test_hidden_case_cannot_be_reported_by_others(db, login):
    case = CaseFactory(hidden_at=utcnow(), hidden_reason="spam")
    assert report(login(established()), "case", case.id).status_code == 404


# Auto-hide


def test_three_reports_hide_the_item_and_tell_the_author(app, db, login, comment):
    case_id, comment_id, author_id = comment.case_id, comment.id, comment.author_id
    db.session.get(Case, case_id).comment_count = 1
    db.session.commit()
    for _ in range(2):
        report(login(established()), "comment", comment_id)
    assert db.session.get(Comment, comment_id).hidden_at is None
    report(login(established()), "comment", comment_id)
    db.session.expire_all()
    hidden = db.session.get(Comment, comment_id)
    assert hidden.hidden_at is not None
    assert db.session.get(Case, case_id).comment_count == 0
    assert entries(db, "auto_hide")[0].actor_id is None
    notices = db.session.scalars(sa.select(ModerationNotice)).all()
    assert [n.user_id for n in notices] == [author_id]
    # ... and gets a moderation notification (bell and mail), although the comment is hidden.
    from smartsociety.models import EventKind, Notification

    kinds = db.session.scalars(sa.select(Notification.kind).where(
        Notification.user_id == author_id)).all()
    assert kinds == [EventKind.MODERATION]
    # The author sees the notice on their profile.
    page = login(db.session.get(User, author_id)).get(f"/leden/{author_id}")
    assert b"moderation-notices" in page.data


def test_threshold_is_configurable(app, db, login, comment):
    app.config["MODERATION_AUTOHIDE_THRESHOLD"] = 1
    report(login(established()), "comment", comment.id)
    assert db.session.get(Comment, comment.id).hidden_at is not None


# The queue and its actions


def test_queue_only_for_moderators(db, client, login, moderator):
    assert client.get("/moderatie").status_code == 302
    assert login(UserFactory()).get("/moderatie").status_code == 403
    assert login(moderator).get("/moderatie").status_code == 200


def test_queue_groups_reports_sorts_and_filters(db, login, moderator):
    once, twice = CommentFactory(body="Eén keer gemeld"), CaseFactory(title="Twee keer gemeld")
    report(login(established()), "comment", once.id)
    report(login(established()), "case", twice.id, "off_topic")
    report(login(established()), "case", twice.id, "commercial")
    client = login(moderator)
    page = client.get("/moderatie").get_data(as_text=True)
    assert page.count('class="card queue-item"') == 2
    assert page.index("Eén keer gemeld") < page.index("Twee keer gemeld")
    by_count = client.get("/moderatie?sort=count").get_data(as_text=True)
    assert by_count.index("Twee keer gemeld") < by_count.index("Eén keer gemeld")
    only_cases = client.get("/moderatie?type=case").get_data(as_text=True)
    assert "Twee keer gemeld" in only_cases and "Eén keer gemeld" not in only_cases


def test_dismiss_closes_reports_and_restores_auto_hidden(app, db, login, moderator, comment):
    app.config["MODERATION_AUTOHIDE_THRESHOLD"] = 1
    report(login(established()), "comment", comment.id)
    response = login(moderator).post(f"/moderatie/comment/{comment.id}/dismiss", data={})
    assert response.status_code == 302
    assert db.session.get(Comment, comment.id).hidden_at is None
    assert all(r.status is ReportStatus.DISMISSED for r in db.session.scalars(sa.select(Report)))
    assert entries(db, "dismiss")[0].actor_id == moderator.id


def test_hide_needs_a_reason_and_is_logged(db, login, moderator, comment):
    report(login(established()), "comment", comment.id)
    client = login(moderator)
    client.post(f"/moderatie/comment/{comment.id}/hide", data={"reason": ""})
    assert db.session.get(Comment, comment.id).hidden_at is None
    client.post(f"/moderatie/comment/{comment.id}/hide", data={"reason": "Reclame"})
    hidden = db.session.get(Comment, comment.id)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "Reclame"
    entry = entries(db, "hide")[0]
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.reason) == (
        moderator.id, "comment", comment.id, "Reclame"
    )
    assert db.session.scalar(sa.select(ModerationNotice.user_id)) == comment.author_id


def test_restore_and_lock_are_logged(db, login, moderator):
    case = CaseFactory(hidden_at=utcnow(), hidden_reason="x")
    client = login(moderator)
    client.post(f"/moderatie/case/{case.id}/restore", data={"reason": "Toch goed"})
    assert db.session.get(Case, case.id).hidden_at is None
    client.post(f"/moderatie/case/{case.id}/lock", data={"reason": "Loopt uit de hand"})
    assert db.session.get(Case, case.id).locked_at is not None
    assert len(entries(db, "restore")) == 1 and entries(db, "lock")[0].reason == "Loopt uit de hand"
    comment = CommentFactory()
    response = client.post(f"/moderatie/comment/{comment.id}/lock", data={"reason": "x"})
    assert response.status_code == 409


def test_delete_permanently_only_for_admins_after_confirmation(
    db, login, moderator, admin, comment
):
    comment_id = comment.id
    url = f"/moderatie/comment/{comment_id}/verwijderen"
    assert login(moderator).get(url).status_code == 403
    assert login(moderator).post(url, data={"reason": "weg"}).status_code == 403
    client = login(admin)
    assert client.get(url).status_code == 200
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert db.session.get(Comment, comment_id) is not None
    assert client.post(url, data={"reason": "Spam"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is None
    assert entries(db, "delete")[0].target_label.startswith("Koop nu")


def test_bulk_dismiss_and_hide(db, login, moderator):
    first, second = CommentFactory(), CaseFactory()
    for item_type, item in (("comment", first), ("case", second)):
        report(login(established()), item_type, item.id)
    client = login(moderator)
    keys = [f"comment:{first.id}", f"case:{second.id}"]
    assert client.post("/moderatie/bulk", data={"action": "hide", "reason": "", "items": keys}
                       ).status_code == 302
    assert db.session.get(Case, second.id).hidden_at is None
    client.post("/moderatie/bulk", data={"action": "hide", "reason": "Spamgolf", "items": keys})
    assert db.session.get(Case, second.id).hidden_at is not None
    assert db.session.get(Comment, first.id).hidden_at is not None
    assert len(entries(db, "hide")) == 2
    client.post("/moderatie/bulk", data={"action": "dismiss", "items": keys})
    assert len(entries(db, "dismiss")) == 2
    response = client.post("/moderatie/bulk", data={"action": "delete", "items": keys})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/moderatie/comment/{id}/hide", "/moderatie/comment/{id}/dismiss",
            "/moderatie/comment/{id}/restore", "/moderatie/bulk", "/moderatie/logboek",
            "/moderatie/logboek.csv", "/moderatie/leden/{author}"],
)
def test_non_moderators_are_refused(db, login, comment, url):
    client = login(UserFactory())
    url = url.format(id=comment.id, author=comment.author_id)
    response = client.get(url) if "logboek" in url or "leden" in url else client.post(
        url, data={"reason": "x", "action": "hide", "items": [f"comment:{comment.id}"]}
    )
    assert response.status_code == 403
    assert db.session.get(Comment, comment.id).hidden_at is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


# Sanctions


def test_warning_is_shown_until_acknowledged(db, login, moderator):
    member = UserFactory()
    login(moderator).post(
        f"/moderatie/leden/{member.id}/waarschuwen", data={"reason": "Let op je toon"}
    )
    assert entries(db, "warn")[0].target_id == member.id
    client = login(member)
    for url in ("/", "/casussen", f"/leden/{member.id}"):
        assert "Let op je toon" in client.get(url).get_data(as_text=True)
    warning = db.session.scalar(sa.select(Sanction))
    assert client.post(f"/waarschuwingen/{warning.id}/gelezen").status_code == 302
    assert "Let op je toon" not in client.get("/").get_data(as_text=True)
    other = UserFactory()
    assert login(other).post(f"/waarschuwingen/{warning.id}/gelezen").status_code == 404


def test_suspension_blocks_posting_until_lifted(db, login, moderator):
    member, case = UserFactory(), CaseFactory()
    mod = login(moderator)
    assert mod.post(f"/moderatie/leden/{member.id}/schorsen", data={"days": "0", "reason": "x"}
                    ).status_code == 422
    mod.post(f"/moderatie/leden/{member.id}/schorsen", data={"days": "7", "reason": "Spam"})
    assert len(entries(db, "suspend")) == 1
    client = login(member)
    assert client.get(f"/casussen/{case.id}").status_code == 200
    response = client.post(f"/casussen/{case.id}/reacties", data={"body": "Hallo"})
    assert response.status_code == 403 and "Spam" in response.get_data(as_text=True)
    assert client.post("/uitloggen").status_code == 302
    sanction = db.session.scalar(sa.select(Sanction))
    mod.post(f"/moderatie/sancties/{sanction.id}/opheffen")
    assert len(entries(db, "lift_sanction")) == 1
    client = login(member)
    assert client.post(f"/casussen/{case.id}/reacties", data={"body": "Hallo"}).status_code == 302


def test_moderators_cannot_sanction_themselves_or_admins(db, login, moderator, admin):
    client = login(moderator)
    for user in (moderator, admin):
        assert client.post(f"/moderatie/leden/{user.id}/schorsen",
                           data={"days": "1", "reason": "x"}).status_code == 403


# Every write route refuses a suspended member (walks the URL map, so new routes are covered).
SUSPENSION_ALLOWED = {"accounts.logout", "accounts.logout_everywhere", "moderation.acknowledge",
                      "main.set_language", "static"}


def _sample_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = re.findall(r"\w+", converter.regex)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_suspended_member_gets_403_on_every_write_route(app, db, login):
    member = UserFactory()
    db.session.add(Sanction(user_id=member.id, kind="suspension", reason="Spam",
                            ends_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    client = login(member)
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint in SUSPENSION_ALLOWED:
            continue
        url = _sample_url(rule)
        for method in methods:
            response = client.open(url, method=method, data={})
            assert response.status_code == 403, (rule.endpoint, method, response.status_code)
            checked += 1
    assert checked > 20
    # An expired suspension no longer blocks.
    db.session.scalar(sa.select(Sanction)).ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    case = CaseFactory()
    assert client.post(f"/casussen/{case.id}/reacties", data={"body": "Weer"}).status_code == 302


# Hidden content


def test_hidden_case_absent_from_lists_visible_to_author_and_moderators(
    db, client, login, moderator
):
    case = CaseFactory(title="Verborgen casus")
    CaseFactory(title="Zichtbare casus")
    login(moderator).post(f"/moderatie/case/{case.id}/hide", data={"reason": "Reclame"})
    theme_slug = "datagedreven-werken"
    for url in ("/", "/casussen", f"/themas/{theme_slug}"):
        assert "Verborgen casus" not in client.get(url).get_data(as_text=True), url
    assert "Zichtbare casus" in client.get("/casussen").get_data(as_text=True)
    assert client.get(f"/casussen/{case.id}").status_code == 404
    author_page = login(db.session.get(Case, case.id).author).get(f"/casussen/{case.id}")
    assert author_page.status_code == 200 and b"hidden-notice" in author_page.data
    assert login(moderator).get(f"/casussen/{case.id}").status_code == 200


def test_hidden_comment_is_not_shown_or_counted(db, login, moderator):
    comment = CommentFactory(body="Verborgen reactie")
    case_id = comment.case_id
    from smartsociety.cases.services import recount_comments

    recount_comments(db.session.get(Case, case_id))
    db.session.commit()
    login(moderator).post(f"/moderatie/comment/{comment.id}/hide", data={"reason": "Reclame"})
    assert db.session.get(Case, case_id).comment_count == 0
    other = login(UserFactory()).get(f"/casussen/{case_id}").get_data(as_text=True)
    assert "Verborgen reactie" not in other
    own = login(db.session.get(Comment, comment.id).author).get(f"/casussen/{case_id}")
    assert "Verborgen reactie" in own.get_data(as_text=True) and b"hidden-notice" in own.data
    login(moderator).post(f"/moderatie/comment/{comment.id}/restore", data={})
    assert db.session.get(Case, case_id).comment_count == 1


def test_hidden_amendment_and_profile(db, login, moderator):
    amendment = _amendment()
    version = amendment.rule.version
    url = f"/principes/{version.principle.slug}/versie/{version.number}"
    member = UserFactory(bio="Bezoek mijn webwinkel")
    mod = login(moderator)
    mod.post(f"/moderatie/amendment/{amendment.id}/hide", data={"reason": "Reclame"})
    mod.post(f"/moderatie/profile/{member.id}/hide", data={"reason": "Reclame"})
    viewer = login(UserFactory())
    assert f'id="amendment-{amendment.id}"' not in viewer.get(url).get_data(as_text=True)
    assert f'id="amendment-{amendment.id}"' in mod.get(url).get_data(as_text=True)
    assert "webwinkel" not in viewer.get(f"/leden/{member.id}").get_data(as_text=True)
    assert "webwinkel" in login(member).get(f"/leden/{member.id}").get_data(as_text=True)


# The audit log covers the existing moderator and administrator actions


def test_existing_moderator_and_admin_actions_are_logged(db, login, moderator, admin):
    case, comment = CaseFactory(), CommentFactory()
    organisation = OrganisationFactory()
    member = UserFactory()
    mod = login(moderator)
    mod.post(f"/casussen/{case.id}/vergrendelen", data={"reason": "Te fel"})
    mod.post(f"/casussen/{case.id}/ontgrendelen")
    mod.post(f"/casussen/{comment.case_id}/reacties/{comment.id}/verwijderen")
    mod.post(f"/organisaties/{organisation.slug}/verificatie", data={"verified": "1"})
    mod.post(f"/organisaties/{organisation.slug}/bewerken", data={
        "name": organisation.name, "kind": "gemeente", "website": "", "cbs_code": "GM0999",
        "description": "Nieuw",
    })
    login(admin).post(f"/beheer/leden/{member.id}/rol", data={"role": "moderator"})
    actions = {e.action: e for e in db.session.scalars(sa.select(AuditEntry))}
    for action in ("lock", "unlock", "comment_delete", "organisation_verify", "organisation_edit",
                   "role_change"):
        assert action in actions, action
    assert actions["lock"].reason == "Te fel" and actions["role_change"].actor_id == admin.id
    assert actions["organisation_verify"].target_label == organisation.name


def test_own_comment_delete_is_not_a_moderator_action(db, login, comment):
    login(comment.author).post(f"/casussen/{comment.case_id}/reacties/{comment.id}/verwijderen")
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_principle_lifecycle_is_logged(db, login, moderator):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    mod = login(moderator)
    mod.post(f"/principes/{principle.slug}/versie/1/consultatie")
    amendment = AmendmentFactory(rule=principle.versions[0].rules[0])
    mod.post(f"/principes/amendementen/{amendment.id}/overnemen")
    mod.post(f"/principes/{principle.slug}/versie/1/vaststellen",
             data={"decision": "ALV 2026", "adopted_on": "2026-11-24"})
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["principle_open_consultation", "amendment_accept", "principle_adopt"]


def test_audit_log_page_filters_and_csv(db, login, moderator, comment):
    mod = login(moderator)
    mod.post(f"/moderatie/comment/{comment.id}/hide", data={"reason": "=HYPERLINK(1)"})
    mod.post(f"/moderatie/comment/{comment.id}/restore", data={})
    page = mod.get("/moderatie/logboek?action=hide").get_data(as_text=True)
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "<td>Verborgen</td>" in table and "Teruggezet" not in table
    assert mod.get("/moderatie/logboek?action=bogus").status_code == 200
    response = mod.get("/moderatie/logboek.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["id", "created_at", "actor_id", "actor", "action"]
    assert {row[4] for row in rows[1:]} == {"hide", "restore"}
    hide_row = next(row for row in rows[1:] if row[4] == "hide")
    assert hide_row[8] == "'=HYPERLINK(1)"


def test_notify_author_stores_a_notice(db, comment):
    services.notify_author(comment.author, comment, "Bericht")
    db.session.commit()
    notice = db.session.scalar(sa.select(ModerationNotice))
    assert (notice.user_id, notice.target_type, notice.target_id) == (
        comment.author_id, "comment", comment.id
    )


# New accounts


def test_new_accounts_links_get_nofollow(db, login):
    case = CaseFactory()
    newcomer = UserFactory()
    client = login(newcomer)
    body = "Zie [mijn site](https://spam.example)"
    client.post(f"/casussen/{case.id}/reacties", data={"body": body})
    comment = db.session.scalar(sa.select(Comment).where(Comment.author_id == newcomer.id))
    assert 'rel="nofollow ugc noopener"' in comment.body_html


def test_new_accounts_are_limited_in_posting(app, db, login):
    app.config["POSTING_LIMIT_NEW_ACCOUNT"] = "2 per hour"
    app.config["POSTING_LIMIT"] = "100 per hour"
    case = CaseFactory()
    client = login(UserFactory())
    codes = [client.post(f"/casussen/{case.id}/reacties", data={"body": f"R {n}"}).status_code
             for n in range(3)]
    assert codes == [302, 302, 429]
    veteran = UserFactory(created_at=utcnow() - timedelta(days=3))
    codes = [login(veteran).post(f"/casussen/{case.id}/reacties", data={"body": f"V {n}"}
                                 ).status_code for n in range(3)]
    assert codes == [302, 302, 302]


@pytest.mark.parametrize("target", ["case", "amendment", "profile"])
def test_admin_deletes_other_types(db, login, admin, target):
    if target == "case":
        item = CommentFactory().case
    elif target == "amendment":
        item = _amendment()
    else:
        item = UserFactory(bio="Koop bij ons", job_title="Verkoper")
    item_id = item.id
    report(login(established()), target, item_id)
    client = login(admin)
    response = client.post(f"/moderatie/{target}/{item_id}/verwijderen", data={"reason": "Spam"})
    assert response.status_code == 302
    db.session.expire_all()
    if target == "case":
        assert db.session.get(Case, item_id) is None
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
    elif target == "profile":
        user = db.session.get(User, item_id)
        assert user is not None and user.bio == "" and user.job_title == ""
    assert db.session.scalar(sa.select(Report.status)) is ReportStatus.UPHELD
    assert entries(db, "delete")[0].target_id == item_id


def test_moderator_editing_someone_elses_case_is_logged(db, login, moderator):
    from tests.test_cases import case_data

    case = CaseFactory()
    author = login(case.author)
    assert author.post(f"/casussen/{case.id}/bewerken", data=case_data(title="Eigen wijziging")
                       ).status_code == 302
    assert entries(db, "case_edit") == []
    response = login(moderator).post(
        f"/casussen/{case.id}/bewerken", data=case_data(title="Adres verwijderd")
    )
    assert response.status_code == 302
    assert entries(db, "case_edit")[0].actor_id == moderator.id


def _search_keys(client, query):
    response = client.get("/zoeken", query_string={"q": query})
    assert response.status_code == 200
    return re.findall(r'data-key="([^"]+)"', response.get_data(as_text=True))


def test_hidden_case_and_comment_disappear_from_search_at_once(db, client, login, moderator):
    case = CaseFactory(title="Lantaarnpalen in Turfbrug")
    comment = CommentFactory(body="Horlogereclame uit Turfbrug")
    assert f"case:{case.id}" in _search_keys(client, "lantaarnpalen")
    assert f"comment:{comment.id}" in _search_keys(client, "horlogereclame")
    mod = login(moderator)
    mod.post(f"/moderatie/case/{case.id}/hide", data={"reason": "Reclame"})
    mod.post(f"/moderatie/comment/{comment.id}/hide", data={"reason": "Reclame"})
    assert _search_keys(client, "lantaarnpalen") == []
    assert _search_keys(client, "horlogereclame") == []
    mod.post(f"/moderatie/case/{case.id}/restore", data={})
    assert _search_keys(client, "lantaarnpalen") == [f"case:{case.id}"]


def test_role_based_actions_elsewhere_are_audited(db, login, moderator):
    """Moderators acting by virtue of their role leave an entry; authors on their own do not."""
    from smartsociety.cases import services as case_services
    from smartsociety.models import CaseKind, OrganisationKind
    from smartsociety.principles import services as principle_services
    from smartsociety.solutions import services as solution_services
    from tests.factories import CaseFactory, CommentFactory, OrganisationFactory, SolutionFactory

    case = CaseFactory(kind=CaseKind.DILEMMA)
    answer = CommentFactory(case=case)
    case_services.accept_answer(case, answer, case.author)
    assert entries(db, "answer_accept") == []
    case_services.accept_answer(case, answer, moderator)
    case_services.unaccept_answer(case, moderator)
    assert len(entries(db, "answer_accept")) == 1 and len(entries(db, "answer_withdraw")) == 1

    principle = principle_services.create_principle(
        moderator, title="Openheid", statement="Open.", explanation="", rules=["Regel."])
    principle_services.update_draft(principle.versions[0], title="Openheid", statement="Open!",
                                    explanation="", rules=["Regel."], actor=moderator)
    assert entries(db, "principle_create")[0].actor_id == moderator.id
    assert len(entries(db, "principle_draft_edit")) == 1

    solution = SolutionFactory(organisation=OrganisationFactory(kind=OrganisationKind.BEDRIJF))
    solution_services.set_withdrawn(solution, True, moderator)
    solution_services.add_standard("CityGML", None, moderator)
    assert len(entries(db, "solution_withdraw")) == 1 and len(entries(db, "standard_add")) == 1


def test_reported_solution_hides_from_lists_search_and_page(app, db, client, login, moderator):
    from smartsociety.models import OrganisationKind, Solution
    from tests.factories import OrganisationFactory, SolutionFactory

    author = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.BEDRIJF))
    solution = SolutionFactory(organisation=author.organisation, author=author,
                               name="Wonderplatform")
    solution_id = solution.id
    assert b"Wonderplatform" in client.get("/zoeken?q=wonderplatform").data
    for _ in range(3):
        report(login(established()), "solution", solution_id)
    db.session.expire_all()
    assert db.session.get(Solution, solution_id).hidden_at is not None
    assert b"Wonderplatform" not in client.get("/oplossingen").data
    assert b"Wonderplatform" not in client.get("/zoeken?q=wonderplatform").data
    assert client.get(f"/oplossingen/{solution_id}").status_code == 404
    organisation_page = client.get(f"/organisaties/{author.organisation.slug}").data
    assert b"Wonderplatform" not in organisation_page
    assert login(author).get(f"/oplossingen/{solution_id}").status_code == 200
    response = login(moderator).post(f"/moderatie/solution/{solution_id}/restore",
                                     data={"reason": "Geen reclame."})
    assert response.status_code == 302
    assert b"Wonderplatform" in client.get("/oplossingen").data
    assert entries(db, "restore")[0].target_type == "solution"


# One transaction per request (issue 18)


def _hidden(db, model, item_id):
    db.session.expire_all()
    return db.session.get(model, item_id).hidden_at is not None


@pytest.mark.parametrize("failure", ["refused", "exception"])
def test_bulk_is_all_or_nothing(app, db, login, moderator, monkeypatch, failure):
    """A failure on the third item leaves the first two unchanged: no hiding, no audit entry,
    no closed report, no notice to their authors."""
    items = [CommentFactory(), CaseFactory(), CommentFactory()]
    types = ["comment", "case", "comment"]
    for item_type, item in zip(types, items):
        report(login(established()), item_type, item.id)
    real, calls = services.notify_author, []

    def failing_on_third(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            if failure == "refused":
                raise Refused("Het derde item kan niet.")
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "notify_author", failing_on_third)
    keys = [f"{t}:{item.id}" for t, item in zip(types, items)]
    client = login(moderator)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production
    response = client.post("/moderatie/bulk",
                           data={"action": "hide", "reason": "Spamgolf", "items": keys})
    assert response.status_code == (409 if failure == "refused" else 500)
    assert len(calls) == 3
    for model, item in zip((Comment, Case, Comment), items):
        assert not _hidden(db, model, item.id)
    assert entries(db, "hide") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationNotice)) == 0
    assert {r.status for r in db.session.scalars(sa.select(Report))} == {ReportStatus.OPEN}
    # Without the failure the same request handles all three.
    monkeypatch.setattr(services, "notify_author", real)
    client.post("/moderatie/bulk", data={"action": "hide", "reason": "Spamgolf", "items": keys})
    assert all(_hidden(db, m, i.id) for m, i in zip((Comment, Case, Comment), items))
    assert len(entries(db, "hide")) == 3


def test_bulk_service_in_a_command_is_all_or_nothing(db, moderator, monkeypatch):
    from smartsociety.transaction import committed

    first, second = CommentFactory(), CommentFactory()
    real = services.record

    def record(actor, action, item, **kwargs):
        if item is second:
            raise RuntimeError("audit down")
        return real(actor, action, item, **kwargs)

    monkeypatch.setattr(services, "record", record)
    with pytest.raises(RuntimeError):
        with committed():
            services.bulk(moderator, "hide", [("comment", first.id), ("comment", second.id)],
                          "Spam")
    assert not _hidden(db, Comment, first.id) and not _hidden(db, Comment, second.id)


def test_locking_a_locked_case_is_refused_from_every_route(db, login, moderator):
    """The state rule lives in the service: the case page and the moderation queue both ask
    it, so a second lock never overwrites who locked the discussion and why."""
    routes = {
        "case page": lambda case: f"/casussen/{case.id}/vergrendelen",
        "moderation": lambda case: f"/moderatie/case/{case.id}/lock",
    }
    client = login(moderator)
    for first_name, first in routes.items():
        for second_name, second in routes.items():
            case = CaseFactory()
            assert client.post(first(case), data={"reason": "Eerste slot"}).status_code == 302
            response = client.post(second(case), data={"reason": "Tweede slot"})
            assert response.status_code == 409, (first_name, second_name)
            assert "al gesloten" in response.get_data(as_text=True)
            db.session.expire_all()
            locked = db.session.get(Case, case.id)
            assert locked.locked_reason == "Eerste slot"
            assert [e.reason for e in entries(db, "lock") if e.target_id == case.id] == [
                "Eerste slot"]
    # And unlocking a discussion that is not locked is refused too (no false audit entry).
    case = CaseFactory()
    assert client.post(f"/casussen/{case.id}/ontgrendelen").status_code == 409
    assert [e for e in entries(db, "unlock") if e.target_id == case.id] == []
