"""Sign-in history (issue 21, AVG art. 15): recorded data-minimally, shown to the member, in
the my-data export, erased with the account, pruned after SIGN_IN_HISTORY_DAYS."""
import json
from datetime import timedelta
from types import SimpleNamespace

import pyotp
import sqlalchemy as sa

from smartsociety.models import LoginSession, SignIn, SignInResult, User, utcnow
from smartsociety.pagescopes import member_scope, scopes_of
from smartsociety.privacy import export
from smartsociety.signins import services
from smartsociety.twofactor import services as twofactor
from tests.factories import TEST_PASSWORD, UserFactory

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def _sign_in(client, user, password=TEST_PASSWORD):
    return client.post("/inloggen", data={"email": user.email, "password": password},
                       headers={"User-Agent": FIREFOX},
                       environ_base={"REMOTE_ADDR": "192.0.2.177"})


def test_client_and_network_are_cut_to_families():
    assert services.client_family(FIREFOX) == "Firefox on Linux"
    assert services.client_family("") == ""
    assert services.network_of("192.0.2.177") == "192.0.2.0/24"
    assert services.network_of("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert services.network_of("::ffff:198.51.100.9") == "198.51.100.0/24"
    assert services.network_of("not an address") == ""


def test_each_attempt_is_recorded_and_shown_to_the_member(app, db, client):
    user = UserFactory()
    other = UserFactory()
    assert _sign_in(client, user, "a wrong password").status_code == 422
    assert _sign_in(app.test_client(), user).status_code == 302
    _sign_in(app.test_client(), SimpleNamespace(email="nobody@example.org"), "x")
    rows = db.session.scalars(sa.select(SignIn).order_by(SignIn.id)).all()
    assert [(r.user_id, r.result) for r in rows] == [
        (user.id, SignInResult.WRONG_PASSWORD), (user.id, SignInResult.SUCCEEDED)]
    assert {r.client for r in rows} == {"Firefox on Linux"}
    assert {r.network for r in rows} == {"192.0.2.0/24"}  # never the whole address
    db.session.rollback()  # end the test's read (SQLite: a reader holds back the next write)
    _sign_in(app.test_client(), other, "wrong")  # another member's attempt is not shown
    signed_in = app.test_client()
    _sign_in(signed_in, user)
    page = signed_in.get("/account/aanmeldingen")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Firefox on Linux" in text and "192.0.2.0/24" in text and "192.0.2.177" not in text
    assert "Wrong password" in text or "Onjuist wachtwoord" in text
    assert text.count("<tr>") == 4  # header + three of this member's
    assert app.test_client().get("/account/aanmeldingen").status_code == 302


def test_a_wrong_code_is_recorded_and_a_second_factor_is_noted(app, db, client):
    user = UserFactory()
    secret = pyotp.random_base32()
    twofactor.enable(user, secret, 0)
    db.session.commit()
    assert _sign_in(client, user).status_code == 302
    assert db.session.scalar(sa.select(SignIn)) is None  # the password alone is not a sign-in
    db.session.rollback()
    assert client.post("/inloggen/tweede-stap", data={"code": "000000"}).status_code == 422
    assert client.post("/inloggen/tweede-stap",
                       data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    rows = db.session.scalars(sa.select(SignIn).order_by(SignIn.id)).all()
    assert [(r.result, r.second_factor) for r in rows] == [
        (SignInResult.WRONG_CODE, False), (SignInResult.SUCCEEDED, True)]


def test_a_failed_sign_in_moves_only_the_members_own_pages():
    row = SignIn(user_id=7, result=SignInResult.WRONG_PASSWORD)
    assert scopes_of(row) == {member_scope(7)}


def test_history_is_in_the_export_and_erased_with_the_account(app, db, login):
    user = UserFactory()
    _sign_in(app.test_client(), user, "wrong")
    _sign_in(app.test_client(), user)
    data = export.build(db.session.get(User, user.id))
    history = data["sign_in_history"]["sign_ins"]
    assert [h["result"] for h in history] == ["signin_wrong_password", "signin_succeeded"]
    assert history[0]["client"] == "Firefox on Linux" and "user_id" not in history[0]
    json.dumps(data)  # plain JSON
    db.session.rollback()
    client = login(user)
    assert client.post("/account-verwijderen", data={"password": TEST_PASSWORD,
                                                     "confirm": "y"}).status_code == 302
    assert db.session.scalar(sa.select(SignIn).where(SignIn.user_id == user.id)) is None
    assert db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user.id)) \
        is None


def test_old_sign_ins_are_pruned(app, db):
    user = UserFactory()
    old = SignIn(user_id=user.id, result=SignInResult.SUCCEEDED,
                 at=utcnow() - timedelta(days=app.config["SIGN_IN_HISTORY_DAYS"] + 1))
    recent = SignIn(user_id=user.id, result=SignInResult.SUCCEEDED, at=utcnow())
    stale_session = LoginSession(user_id=user.id, created_at=utcnow() - timedelta(days=400))
    db.session.add_all([old, recent, stale_session])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "prune-sign-ins"])
    assert "1 sign-in(s)" in result.output
    assert db.session.scalars(sa.select(SignIn.id)).all() == [recent.id]
    assert db.session.scalar(sa.select(LoginSession)) is None


def test_a_sign_in_keeps_cached_pages_and_a_new_name_does_not(app, db, client):
    """A sign-in writes the member's private columns and a login session: only the member's
    own cached pages move. A change that pages show (the name) moves every page."""
    user = UserFactory()
    cache = app.extensions["pagecache"]
    before = cache.generation.get_many([member_scope(user.id)])
    assert _sign_in(client, user).status_code == 302
    after = cache.generation.get_many([member_scope(user.id)])
    assert after[0] == before[0]  # the global generation stayed
    assert after[1] > before[1]  # the member's own pages moved
    user = db.session.get(User, user.id)
    user.name = "Nieuwe Naam"
    db.session.commit()
    assert cache.generation.get_many([])[0] != after[0]
