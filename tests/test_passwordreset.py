"""Password reset end to end through a real SMTP server: the link, other sessions ending, the
notice; no account enumeration; limits per typed address and per account; bad links."""
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from smartsociety.accounts.tokens import RESET_PASSWORD, VERIFY_EMAIL, make_token
from smartsociety.models import MailOutbox, User
from tests.factories import TEST_PASSWORD, UserFactory
from tests.mailbox import link_in, messages_to, text_of

NEW_PASSWORD = "zeven-groene-kikkers-op-het-dak"


def test_forgot_reset_ends_old_sessions_and_sends_a_notice(client, login, db, app,
                                                            smtp_server):
    user = UserFactory(email="vergeetachtig@example.org", name="Vera Vergeet")
    laptop, phone = login(user), login(user, app.test_client())
    assert laptop.get("/meldingen").status_code == 200
    assert 'href="/wachtwoord-vergeten"' in client.get("/inloggen").text
    response = client.post("/wachtwoord-vergeten", data={"email": "Vergeetachtig@Example.org"})
    assert response.status_code == 200 and "vergeetachtig@example.org" in response.text
    [mail] = messages_to(smtp_server, "vergeetachtig@example.org")
    link = link_in(mail, "/wachtwoord-herstellen/")
    assert client.get(link).status_code == 200  # the form; the link is not used yet
    weak = client.post(link, data={"password": "welkom123456", "password_confirm": "welkom123456"})
    assert weak.status_code == 422
    response = client.post(link, data={"password": NEW_PASSWORD,
                                       "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    # Every other session has ended.
    assert laptop.get("/meldingen").status_code == 302
    assert phone.get("/meldingen").status_code == 302
    # A notice went to the account's address, and the link died with the old password.
    notices = messages_to(smtp_server, "vergeetachtig@example.org")
    assert len(notices) == 2 and "gewijzigd" in text_of(notices[1])
    assert client.get(link).status_code == 400
    assert client.post("/inloggen", data={"email": user.email, "password": TEST_PASSWORD}
                       ).status_code == 422
    assert client.post("/inloggen", data={"email": user.email, "password": NEW_PASSWORD}
                       ).status_code == 302
    # The link's body (a one-time link) is not kept in the outbox once sent.
    bodies = db.session.scalars(sa.select(MailOutbox.body_text)).all()
    assert not any("/wachtwoord-herstellen/" in (body or "") for body in bodies)


def test_same_answer_for_known_and_unknown_addresses(client, db, smtp_server):
    UserFactory(email="bekend@example.org")
    known = client.post("/wachtwoord-vergeten", data={"email": "bekend@example.org"})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "onbekend@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("bekend@", "X@") == unknown.text.replace("onbekend@", "X@")
    assert len(messages_to(smtp_server, "bekend@example.org")) == 1
    assert messages_to(smtp_server, "onbekend@example.org") == []


def test_work_happens_after_the_response(client, db, app, smtp_server):
    """In the default (background) mode the page does not even look the address up."""
    app.config["ACCOUNT_MAIL_DELIVERY"] = "background"
    import smartsociety.passwordreset.views as views

    seen = []
    original = views.mailer.run_soon
    views.mailer.run_soon = lambda job, *args: seen.append((job.__name__, args))
    try:
        client.post("/wachtwoord-vergeten", data={"email": "wie@example.org"})
    finally:
        views.mailer.run_soon = original
    assert seen == [("request_reset", ("wie@example.org",))]


def test_reset_mail_is_limited_per_typed_address(client, db, app, smtp_server):
    app.config["RESET_LIMIT_PER_EMAIL"] = "2 per hour"
    UserFactory(email="doelwit@example.org")
    for _ in range(2):
        assert client.post("/wachtwoord-vergeten", data={"email": "doelwit@example.org"}
                           ).status_code == 200
    assert client.post("/wachtwoord-vergeten", data={"email": "DOELWIT@example.org"}
                       ).status_code == 429
    assert len(messages_to(smtp_server, "doelwit@example.org")) == 2


def test_reset_mail_is_limited_per_account_from_any_network(db, app, smtp_server):
    app.config.update(RESET_LIMIT_PER_ACCOUNT="2 per day", RESET_LIMIT_PER_EMAIL="100 per hour")
    UserFactory(email="doelwit@example.org")
    for number in range(4):
        client = app.test_client()
        response = client.post("/wachtwoord-vergeten", data={"email": "doelwit@example.org"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
        assert response.status_code == 200  # the same answer: the limit is not revealed
    assert len(messages_to(smtp_server, "doelwit@example.org")) == 2


def test_reset_link_expires_after_an_hour(client, db, monkeypatch):
    user = UserFactory()
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3601)
    token = make_token(user, RESET_PASSWORD)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = client.get(f"/wachtwoord-herstellen/{token}")
    assert response.status_code == 410
    assert 'href="/wachtwoord-vergeten"' in response.text  # a way to ask for a new link


def test_reset_link_dies_when_the_password_changes_otherwise(client, db, app):
    user = UserFactory()
    token = make_token(user, RESET_PASSWORD)
    assert client.get(f"/wachtwoord-herstellen/{token}").status_code == 200
    user.set_password(NEW_PASSWORD, app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    assert client.get(f"/wachtwoord-herstellen/{token}").status_code == 400


def test_verification_token_is_no_reset_token(client, db):
    user = UserFactory()
    token = make_token(user, VERIFY_EMAIL)
    response = client.post(f"/wachtwoord-herstellen/{token}",
                           data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)


def test_bad_forgot_input_is_a_422(client, db):
    assert client.post("/wachtwoord-vergeten", data={"email": "geen adres"}).status_code == 422
    assert client.post("/wachtwoord-vergeten", data={"email": "a" * 5000}).status_code == 422
    assert client.post("/wachtwoord-vergeten", data={}).status_code == 422
