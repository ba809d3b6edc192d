"""The fixed cost of a request (issue 23 item 3): a read-only request skips the commit, the
session cookie's serializer and the CSP header's text are kept per process. Each test says what
would break if the shortcut went too far: a write that is not committed, a cookie signed with
an old key that still opens, a policy or nonce that is not the one in force."""
import flask
import pytest
import sqlalchemy as sa
from flask import session
from sqlalchemy.orm import Session

from smartsociety.app import content_security_policy
from smartsociety.extensions import db as _db
from smartsociety.fixedcost import KeptPolicyTalisman
from smartsociety.models import Tag
from smartsociety.transaction import after_commit, savepoint


def _slugs(db) -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(sa.select(Tag.slug)))


@pytest.fixture
def gets(app):
    """GET routes that read, and that write in every way a request can."""
    ran = app.config["_T_RAN"] = []

    def read():
        _db.session.scalars(sa.select(Tag)).all()

    writes = {
        "read": read,
        "pending": lambda: _db.session.add(Tag(slug="pending", name="p")),  # never flushed
        "flushed": lambda: (_db.session.add(Tag(slug="flushed", name="f")),
                            _db.session.flush()),
        "statement": lambda: _db.session.execute(sa.insert(Tag).values(slug="statement",
                                                                       name="s")),
        "driver": lambda: _db.session.connection().exec_driver_sql(
            "INSERT INTO tag (slug, name) VALUES ('driver', 'd')"),
        "after-read": lambda: (read(), _db.session.execute(
            sa.insert(Tag).values(slug="after-read", name="a"))),
        "savepoint": lambda: _nested_write(),
        "callback": lambda: (read(), after_commit(lambda: ran.append("callback"))),
    }

    def _nested_write():
        with savepoint():
            _db.session.add(Tag(slug="savepoint", name="n"))

    @app.get("/_t/get/<what>")
    def get_that(what):
        writes[what]()
        return "ok"

    return app


@pytest.mark.parametrize("what", ["pending", "flushed", "statement", "driver", "after-read",
                                  "savepoint"])
def test_a_get_that_writes_is_still_committed(gets, db, client, what):
    assert client.get(f"/_t/get/{what}").status_code == 200
    assert _slugs(db) == [what]


def test_a_change_to_a_loaded_object_is_committed(gets, db, client):
    db.session.add(Tag(slug="old", name="old"))
    db.session.commit()

    @gets.get("/_t/rename")
    def rename():
        _db.session.scalars(sa.select(Tag)).one().name = "new"
        return "ok"

    assert client.get("/_t/rename").status_code == 200
    db.session.rollback()
    assert db.session.scalars(sa.select(Tag.name)).all() == ["new"]


def test_an_after_commit_callback_of_a_get_still_runs(gets, client):
    assert client.get("/_t/get/callback").status_code == 200
    assert gets.config["_T_RAN"] == ["callback"]


def test_a_read_only_get_does_not_commit(gets, db, client, monkeypatch):
    commits = []
    original = Session.commit

    def counted(self):  # the request's commits, not the test client's of the test's session
        if flask.has_request_context():
            commits.append(1)
        return original(self)

    monkeypatch.setattr(Session, "commit", counted)
    assert client.get("/_t/get/read").status_code == 200
    assert client.get("/").status_code == 200  # home, uncached in tests
    assert commits == []
    assert client.get("/_t/get/flushed").status_code == 200
    assert commits == [1]


def _policy_text(policy: dict) -> str:
    return "; ".join(f"{section} {content}" for section, content in policy.items())


def test_the_csp_header_is_the_policy_in_force_on_every_response(app, client, another_app):
    expected = _policy_text(content_security_policy(app))
    for path in ("/", "/", "/casussen", "/niet-hier"):
        assert client.get(path).headers["Content-Security-Policy"] == expected
    # Another policy (the sensor map's tile host allowed for images) gets its own text.
    other = another_app(SENSOR_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png")
    text = other.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in text
    assert text != expected


def test_a_csp_nonce_is_part_of_each_requests_header():
    bare = flask.Flask("nonce")
    talisman = KeptPolicyTalisman(bare, content_security_policy_nonce_in=["script-src"],
                                  content_security_policy={"default-src": "'self'",
                                                           "script-src": "'self'"})
    texts = []
    for nonce in ("first", "second"):
        with bare.test_request_context("/"):
            flask.request.csp_nonce = nonce
            texts.append(talisman._parse_policy(talisman.content_security_policy))
    assert texts == ["default-src 'self'; script-src 'self' 'nonce-first'",
                     "default-src 'self'; script-src 'self' 'nonce-second'"]


def test_the_session_cookie_follows_the_secret_key(app, another_app):
    @app.get("/_t/remember")
    def remember():
        session["seen"] = "yes"
        return "ok"

    def seen(application, cookie):
        @application.get("/_t/seen")
        def _seen():
            return session.get("seen", "no")

        fresh = application.test_client()
        fresh.set_cookie("session", cookie)
        return fresh.get("/_t/seen").get_data(as_text=True)

    client = app.test_client()
    client.get("/_t/remember")
    cookie = client.get_cookie("session").value
    old_key = app.config["SECRET_KEY"]
    assert seen(another_app(), cookie) == "yes"
    assert seen(another_app(SECRET_KEY="another-" + "k" * 40), cookie) == "no"
    assert seen(another_app(SECRET_KEY="another-" + "k" * 40,
                            SECRET_KEY_FALLBACKS=[old_key]), cookie) == "yes"


def test_async_functions_are_still_run_the_async_way(app, monkeypatch):
    """The app's short check for `async def` (smartsociety/fixedcost.py) answers as Flask's."""
    import functools

    wrapped = []
    monkeypatch.setattr(app, "async_to_sync",
                        lambda func: wrapped.append(func) or (lambda *a, **k: "ran"))

    async def coroutine():
        return "never awaited here"

    class Hooks:
        async def method(self):
            return "never awaited here"

    def plain():
        return "plain"

    for func in (coroutine, functools.partial(coroutine), Hooks().method):
        assert app.ensure_sync(func)() == "ran"
    assert len(wrapped) == 3
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(print) is print


def test_the_limiter_lets_an_exempt_read_go_and_still_limits_the_rest(no_page_cache, client,
                                                                      monkeypatch):
    """A public page's GET (exempt by pagecache's request filter) evaluates no limit; a page
    that is not exempt still does, and so does an exempt one when meta limits are set (their
    test is the one thing the library does for an exempt request). The limits themselves:
    test_verification's 429 tests, a decorated view and the registration form."""
    from smartsociety.extensions import limiter

    evaluated = []
    real = limiter._Limiter__evaluate_limits
    monkeypatch.setattr(limiter, "_Limiter__evaluate_limits",
                        lambda endpoint, limits: evaluated.append(endpoint) or real(endpoint,
                                                                                   limits))
    assert client.get("/").status_code == 200
    assert evaluated == []
    assert client.get("/inloggen").status_code == 200
    assert set(evaluated) == {"accounts.login"}
    monkeypatch.setattr(limiter, "_meta_limits", [[]])
    assert client.get("/").status_code == 200
    assert "main.home" in evaluated


def test_an_empty_session_is_anonymous_at_once_and_any_other_takes_the_long_way(
        no_page_cache, app, client, login, db, monkeypatch):
    """The login manager's shortcut answers only a request with an empty session and no
    remember cookie; a member's session, a remember cookie alone and a registered request
    loader still load the user as Flask-Login does."""
    from flask_login import LoginManager

    from smartsociety.extensions import login_manager
    from tests.factories import TEST_PASSWORD, UserFactory

    long_way = []
    real = LoginManager._load_user
    monkeypatch.setattr(LoginManager, "_load_user",
                        lambda self: long_way.append(flask.request.path) or real(self))
    page = client.get("/")
    assert "/inloggen" in page.text and long_way == []
    assert "Cookie" in page.headers["Vary"]  # the session was read, as the library reads it
    member = UserFactory(name="Lid Lange Weg", email="lang@example.org")
    assert "Lid Lange Weg" in login(member).get("/").text and long_way == ["/"]
    remembered = app.test_client()
    remembered.post("/inloggen", data={"email": "lang@example.org", "password": TEST_PASSWORD,
                                       "remember": "y"})
    remembered.delete_cookie("session")
    long_way.clear()
    assert remembered.get(f"/leden/{member.id}/bewerken").status_code == 200
    assert long_way[0] == f"/leden/{member.id}/bewerken"
    long_way.clear()
    monkeypatch.setattr(login_manager, "_request_callback", lambda request: None)
    assert "/inloggen" in client.get("/").text and long_way == ["/"]
