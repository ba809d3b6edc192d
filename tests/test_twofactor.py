"""Two-factor sign-in: enrolment with a QR code, the second login step, recovery codes,
remember-me on a new device, and staff refused moderation pages without it."""
import re
import time

import pyotp
import sqlalchemy as sa

from smartsociety.models import RecoveryCode, Role
from smartsociety.permissions import is_admin, is_moderator
from smartsociety.twofactor import services
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory


def enrol(client, db, user) -> list[str]:
    page = client.get("/account/tweestapsverificatie")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text  # the QR code is drawn by the site itself
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.text).group(1)
    wrong = client.post("/account/tweestapsverificatie",
                        data={"code": "000000", "password": TEST_PASSWORD})
    assert wrong.status_code == 422
    response = client.post("/account/tweestapsverificatie",
                           data={"code": pyotp.TOTP(secret).now(), "password": TEST_PASSWORD})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    codes = re.findall(r"<code>([0-9a-f]{5}(?:-[0-9a-f]{5}){3})</code>", response.text)
    assert len(codes) == 10
    db.session.refresh(user)
    assert user.has_two_factor and user.totp_secret == secret
    return codes


def code_after_last(user) -> str:
    """A valid code of a later time step than the one already used (no waiting in tests)."""
    totp = pyotp.TOTP(user.totp_secret)
    return totp.at((user.totp_last_step + 1) * totp.interval)


def log_in(client, user, remember=False):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/inloggen", data=data)


def test_enrol_and_sign_in_with_a_code(login, client, db, app):
    user = UserFactory()
    enrolled = login(user)
    codes = enrol(enrolled, db, user)
    # Only hashes are stored.
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert enrolled.get("/meldingen").status_code == 200  # the enrolling session stays

    response = log_in(client, user)
    assert response.headers["Location"].endswith("/inloggen/tweede-stap")
    assert client.get("/meldingen").status_code == 302  # not logged in after the password
    assert client.post("/inloggen/tweede-stap", data={"code": "123456"}).status_code == 422
    db.session.refresh(user)
    code = code_after_last(user)
    assert client.post("/inloggen/tweede-stap", data={"code": code}).status_code == 302
    assert client.get("/meldingen").status_code == 200
    # The same code never signs in twice.
    other = app.test_client()
    log_in(other, user)
    assert other.post("/inloggen/tweede-stap", data={"code": code}).status_code == 422


def test_recovery_code_works_once(login, db, app):
    user = UserFactory()
    codes = enrol(login(user), db, user)
    first = app.test_client()
    log_in(first, user)
    assert first.post("/inloggen/tweede-stap",
                      data={"code": codes[0].upper().replace("-", " ")}).status_code == 302
    second = app.test_client()
    log_in(second, user)
    assert second.post("/inloggen/tweede-stap", data={"code": codes[0]}).status_code == 422
    assert second.post("/inloggen/tweede-stap", data={"code": codes[1]}).status_code == 302
    assert services.recovery_codes_left(user) == 8


def test_remember_me_never_skips_the_second_factor_on_a_new_device(login, db, app):
    user = UserFactory()
    enrol(login(user), db, user)
    device = app.test_client()
    response = log_in(device, user, remember=True)
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
    db.session.refresh(user)
    response = device.post("/inloggen/tweede-stap", data={"code": code_after_last(user)})
    assert "remember_token=" in ";".join(response.headers.getlist("Set-Cookie"))
    new_device = app.test_client()
    log_in(new_device, user, remember=True)
    assert new_device.get("/meldingen").status_code == 302


def test_second_step_is_rate_limited(login, db, app):
    app.config["TOTP_LIMIT"] = "3 per 5 minutes"
    user = UserFactory()
    enrol(login(user), db, user)
    client = app.test_client()
    log_in(client, user)
    statuses = [client.post("/inloggen/tweede-stap", data={"code": "000000"}).status_code
                for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_second_step_without_a_pending_login_goes_back(client, db):
    response = client.get("/inloggen/tweede-stap")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    with client.session_transaction() as session:
        session[services.PENDING_KEY] = {"u": 99999999999999999999, "f": "x", "t": "y"}
    assert client.post("/inloggen/tweede-stap", data={"code": "1"}).status_code == 302


def test_pending_login_expires(login, db, app, monkeypatch):
    user = UserFactory()
    enrol(login(user), db, user)
    client = app.test_client()
    log_in(client, user)
    later = time.time() + services.PENDING_SECONDS + 1
    monkeypatch.setattr(services.time, "time", lambda: later)
    db.session.refresh(user)
    response = client.post("/inloggen/tweede-stap", data={"code": "000000"})
    assert response.status_code == 302


def test_moderator_without_two_factor_is_refused_moderation_pages(login, db, app):
    app.config["TWO_FACTOR_REQUIRED_FOR_STAFF"] = True
    moderator = UserFactory(role=Role.MODERATOR)
    admin = UserFactory(role=Role.ADMIN)
    client = login(moderator)
    response = client.get("/moderatie")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/tweestapsverificatie")
    assert client.post("/moderatie/bulk").status_code == 302
    assert login(admin).get("/beheer/leden").status_code == 302
    home = client.get("/")  # the rest of the site stays open, and says what to do
    assert home.status_code == 200 and "banner-staff" in home.text
    # Moderator rights elsewhere wait for it too: the moderator acts as a member until then.
    organisation = OrganisationFactory()
    assert not is_moderator(moderator) and not is_admin(admin)
    assert client.post(f"/organisaties/{organisation.slug}/verificatie").status_code == 403
    enrol(client, db, moderator)
    assert is_moderator(moderator)
    assert client.get("/moderatie").status_code == 200
    assert "banner-staff" not in client.get("/").text
    # Staff cannot switch it off again.
    db.session.refresh(moderator)
    client.post("/account/tweestapsverificatie/uitzetten",
                data={"code": code_after_last(moderator), "password": TEST_PASSWORD})
    db.session.refresh(moderator)
    assert moderator.has_two_factor


def test_member_can_switch_off_and_renew_codes(login, db):
    user = UserFactory()
    client = login(user)
    old_codes = enrol(client, db, user)
    assert client.get("/account/tweestapsverificatie").status_code == 200
    renewed = client.post("/account/tweestapsverificatie/herstelcodes",
                          data={"code": old_codes[0], "password": TEST_PASSWORD})
    assert renewed.status_code == 200
    new_codes = re.findall(r"<code>([0-9a-f-]{23})</code>", renewed.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    refused = client.post("/account/tweestapsverificatie/uitzetten",
                          data={"code": old_codes[1], "password": TEST_PASSWORD})
    assert refused.status_code == 422  # old codes were replaced
    response = client.post("/account/tweestapsverificatie/uitzetten",
                           data={"code": new_codes[0], "password": TEST_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.has_two_factor
    assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
