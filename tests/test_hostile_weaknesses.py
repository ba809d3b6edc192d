"""The weaknesses the attacker probe found (issue 16, items 10-16, 18, 19): redirects, hosts,
proxies, lock-out, sessions, caching, limits, cross-site language changes, concurrent edits."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request

from smartsociety import create_app
from smartsociety.models import (
    Case,
    Comment,
    EventKind,
    Notification,
    OrganisationKind,
    Role,
    Solution,
    User,
    utcnow,
)
from smartsociety.redirects import safe_next_url
from tests.conftest import IsolatedClient, make_config
from tests.factories import (
    TEST_PASSWORD,
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    SolutionFactory,
    UserFactory,
)
from tests.test_cases import case_data

# 10. Redirects

REFUSED = [
    "http://localhost//evil.example/phish", "HTTP://localhost//evil.example/phish",
    "https://localhost//evil.example", "//evil.example/phish", "///evil.example",
    "////evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "https://evil.example/", "http://evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,x", "http:evil.example", "http:/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", " //evil.example",
    "\x00//evil.example", "/\x00/evil.example", "\u3000//evil.example", "/\u2028/evil.example",
    "http://localhost@evil.example/", "http://evil.example\\@localhost/",
    "http://localhost.evil.example/", "ftp://localhost/x", "evil.example", "casussen",
    "http://[::1/", "/" + "a" * 3000, "",
]
ALLOWED = {
    "/": "/", "/casussen?theme=privacy": "/casussen?theme=privacy",
    "/casussen/1#reacties": "/casussen/1#reacties", "http://localhost/casussen": "/casussen",
    "HTTP://LOCALHOST/casussen?x=1": "/casussen?x=1", "/%2F/evil.example": "/%2F/evil.example",
}


@pytest.mark.parametrize("target", REFUSED)
def test_redirect_helper_refuses_every_variant(app, target):
    with app.test_request_context(base_url="http://localhost"):
        assert safe_next_url(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target, expected", ALLOWED.items())
def test_redirect_helper_keeps_paths_on_this_site(app, target, expected):
    with app.test_request_context(base_url="http://localhost"):
        assert safe_next_url(target, "/fallback") == expected


def test_no_open_redirect_through_language_login_or_hidden_next(client, db):
    evil = "http://localhost//evil.example/phish"
    assert client.post("/taal/nl", data={"next": evil}).headers["Location"] == "/"
    UserFactory(email="piet@example.org")
    response = client.post("/inloggen", data={"email": "piet@example.org",
                                              "password": TEST_PASSWORD, "next": evil})
    assert response.headers["Location"] == "/"
    assert client.get("/inloggen?next=" + evil).headers["Location"] == "/"


# 11. Links in mail


def test_mail_links_use_site_url_not_the_host_header(app, db):
    app.config["SITE_URL"] = "https://smartsociety.example"
    solution = SolutionFactory()
    UserFactory(organisation=solution.organisation)
    sender = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.GEMEENTE))
    client = app.test_client()
    with client.session_transaction(base_url="http://evil.example") as session:
        session["_user_id"] = sender.get_id()
    response = client.post(f"/oplossingen/{solution.id}/contact", base_url="http://evil.example",
                           data={"subject": "Vraag", "body": "Werkt het?"})
    assert response.status_code == 302
    from smartsociety.notify.outbox import drain_outbox

    drain_outbox()  # contact mail goes through the outbox (issue 17), sent outside the request
    text = app.extensions["mail_outbox"][0].get_body(("plain",)).get_content()
    assert "https://smartsociety.example/berichten/" in text
    assert "evil.example" not in text


# 12. Behind a proxy


def test_proxy_count_takes_the_client_address_from_the_proxy(tmp_path, postgres_url):
    app = create_app(make_config(tmp_path, postgres_url, PROXY_COUNT=1))
    app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    client = app.test_client()
    response = client.get("/_address", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.text == "203.0.113.9"  # one proxy: only its own entry is trusted
    plain = create_app(make_config(tmp_path, postgres_url))
    plain.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    response = plain.test_client().get("/_address", headers={"X-Forwarded-For": "6.6.6.6"},
                                       environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.text == "10.0.0.2"


# 13. Lock-out


class TestLockOut:
    @pytest.fixture
    def app_config(self, tmp_path, postgres_url):
        return make_config(tmp_path, postgres_url, LOGIN_LIMIT_PER_PAIR="2 per minute",
                           LOGIN_LIMIT_PER_ACCOUNT="4 per minute",
                           LOGIN_LIMIT_PER_ADDRESS="50 per minute", LOGIN_ATTACK_MAIL_AFTER=4)

    def _try(self, client, address, password="fout-wachtwoord-123"):
        return client.post("/inloggen", data={"email": "piet@example.org", "password": password},
                           environ_base={"REMOTE_ADDR": address})

    def test_attacker_is_slowed_but_the_owner_gets_in(self, app, db):
        owner = UserFactory(email="piet@example.org")
        device = app.test_client()
        assert self._try(device, "192.0.2.1", TEST_PASSWORD).status_code == 302
        device.post("/uitloggen")
        attacker = app.test_client()
        # One address: stopped after two tries, per account and address.
        assert [self._try(attacker, "198.51.100.1").status_code for _ in range(3)] == [
            422, 422, 429]
        # Many addresses: the per-account ladder stops unknown devices ...
        for n in range(2, 5):
            self._try(attacker, f"198.51.100.{n}")
        assert self._try(attacker, "198.51.100.9", TEST_PASSWORD).status_code == 429
        # ... but not the owner's own browser, from anywhere.
        assert self._try(device, "192.0.2.77", TEST_PASSWORD).status_code == 302
        # The owner is told.
        titles = db.session.scalars(sa.select(Notification.title).where(
            Notification.user_id == owner.id, Notification.kind == EventKind.MODERATION)).all()
        assert len(titles) == 1 and "probeert in te loggen" in titles[0]  # in Dutch


# 14. Sessions that end


def _logged_in(app):
    client = app.test_client()
    response = client.post("/inloggen", data={"email": "piet@example.org",
                                              "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return client


def _copy(app, client):
    copy = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            copy.set_cookie(name, cookie.value)
    return copy


def test_logout_ends_the_session_server_side(app, db):
    app.config["SESSION_ACCEPT_TOKEN_ONLY"] = False
    UserFactory(email="piet@example.org")
    client = _logged_in(app)
    stolen = _copy(app, client)
    assert stolen.get("/meldingen").status_code == 200
    client.post("/uitloggen")
    assert stolen.get("/meldingen").status_code == 302
    # Only this session ended: another login of the same member still works.
    other = _logged_in(app)
    assert other.get("/meldingen").status_code == 200


def test_log_out_everywhere(app, db):
    app.config["SESSION_ACCEPT_TOKEN_ONLY"] = False
    user = UserFactory(email="piet@example.org")
    phone, laptop = _logged_in(app), _logged_in(app)
    assert b"/uitloggen/overal" in laptop.get(f"/leden/{user.id}").data
    assert laptop.post("/uitloggen/overal").status_code == 302
    assert phone.get("/meldingen").status_code == 302
    assert laptop.get("/meldingen").status_code == 302


def test_production_refuses_sessions_without_a_login_record(app, db, login):
    app.config["SESSION_ACCEPT_TOKEN_ONLY"] = False
    assert login(UserFactory()).get("/meldingen").status_code == 302


# 15. Private pages are not cached


def test_private_pages_are_not_stored_by_caches(client, db, login):
    member = UserFactory()
    response = login(member).get("/meldingen")
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    public = client.get("/casussen")
    assert "no-store" not in public.headers.get("Cache-Control", "")


# 16. Limits and report weighting


def test_consultation_and_report_limits(app, db, login):
    app.config.update(CONSULTATION_LIMIT="1 per hour", REPORT_LIMIT="1 per hour")
    from smartsociety.models import PrincipleVersion, Rule, VersionStatus
    from tests.factories import PrincipleFactory

    principle = PrincipleFactory(first_version__status=VersionStatus.CONSULTATION)
    rule = db.session.scalar(sa.select(Rule).join(PrincipleVersion).where(
        PrincipleVersion.principle_id == principle.id))
    client = login(UserFactory())
    first = client.post(f"/principes/regels/{rule.id}/reactie",
                        data={f"comment-{rule.id}-body": "Goed idee."})
    assert first.status_code < 400
    second = client.post(f"/principes/regels/{rule.id}/amendement",
                         data={f"amend-{rule.id}-text": "Anders.", f"amend-{rule.id}-reason": "x"})
    assert second.status_code == 429
    cases = [CaseFactory() for _ in range(2)]
    assert client.post(f"/melden/case/{cases[0].id}", data={"reason": "spam"}).status_code == 302
    assert client.post(f"/melden/case/{cases[1].id}", data={"reason": "spam"}).status_code == 429


def test_reports_from_new_accounts_alone_never_hide(db, login):
    case = CaseFactory()
    for _ in range(5):
        login(UserFactory()).post(f"/melden/case/{case.id}", data={"reason": "spam"})
    assert db.session.get(Case, case.id).hidden_at is None
    old = UserFactory(created_at=utcnow() - timedelta(days=30))
    login(old).post(f"/melden/case/{case.id}", data={"reason": "spam"})
    # 5 x 0.5 + 1: enough once an established member agrees.
    assert db.session.get(Case, case.id).hidden_at is not None


# 18. Language switch


def test_language_switch_is_a_same_site_post(client, db, login):
    member = UserFactory(locale="nl")
    member_client = login(member)
    assert member_client.get("/taal/en").status_code == 405
    member_client.post("/taal/en", headers={"Sec-Fetch-Site": "cross-site"})
    assert db.session.get(User, member.id).locale == "nl"
    member_client.post("/taal/en", headers={"Origin": "https://evil.example"})
    assert db.session.get(User, member.id).locale == "nl"
    member_client.post("/taal/en", headers={"Sec-Fetch-Site": "same-origin"})
    assert db.session.get(User, member.id).locale == "en"


# 19. Concurrent edits


def test_concurrent_case_edits_show_the_other_edit_and_keep_the_text(db, login):
    author = UserFactory()
    client = login(author)
    client.post("/casussen/nieuw", data=case_data(title="Eerste titel"))
    case = db.session.scalar(sa.select(Case))
    opened = case.edit_version
    first = client.post(f"/casussen/{case.id}/bewerken",
                        data=case_data(title="Titel van collega", edit_version=opened))
    assert first.status_code == 302
    late = client.post(f"/casussen/{case.id}/bewerken",
                       data=case_data(title="Mijn getypte titel", edit_version=opened))
    assert late.status_code == 409
    assert b"Titel van collega" in late.data and b"Mijn getypte titel" in late.data
    assert db.session.get(Case, case.id).title == "Titel van collega"
    # Saving again (on the version now shown) replaces it knowingly.
    again = client.post(f"/casussen/{case.id}/bewerken", data=case_data(
        title="Mijn getypte titel", edit_version=db.session.get(Case, case.id).edit_version))
    assert again.status_code == 302
    assert db.session.get(Case, case.id).title == "Mijn getypte titel"


def test_concurrent_comment_and_solution_edits(db, login):
    comment = CommentFactory(body="Oud")
    client = login(comment.author)
    url = f"/casussen/{comment.case_id}/reacties/{comment.id}/bewerken"
    assert client.post(url, data={"body": "Van tab 1", "edit_version": 1}).status_code == 302
    late = client.post(url, data={"body": "Van tab 2", "edit_version": 1})
    assert late.status_code == 409 and b"Van tab 1" in late.data and b"Van tab 2" in late.data
    assert db.session.get(Comment, comment.id).body == "Van tab 1"

    solution = SolutionFactory()
    owner = UserFactory(organisation=solution.organisation)
    from tests.test_marketplace import solution_data

    client = login(owner)
    url = f"/oplossingen/{solution.id}/bewerken"
    assert client.post(url, data=solution_data(name="Eerst", edit_version=1)).status_code == 302
    late = client.post(url, data=solution_data(name="Later", edit_version=1))
    assert late.status_code == 409 and b"Eerst" in late.data
    assert db.session.get(Solution, solution.id).name == "Eerst"


def test_concurrent_principle_draft_edits(db, login):
    from smartsociety.models import VersionStatus
    from tests.factories import PrincipleFactory

    moderator = UserFactory(role=Role.MODERATOR)
    principle = PrincipleFactory(first_version__status=VersionStatus.DRAFT)
    url = f"/principes/{principle.slug}/versie/1/bewerken"
    data = {"title": "Titel A", "statement": "Zin.", "explanation": "", "rules": "Regel een.",
            "edit_version": 1}
    client = login(moderator)
    assert client.post(url, data=data).status_code == 302
    late = client.post(url, data={**data, "title": "Titel B"})
    assert late.status_code == 409 and b"Titel A" in late.data and b"Titel B" in late.data


def test_isolated_client_is_the_suite_default(app):
    assert app.test_client_class is IsolatedClient
