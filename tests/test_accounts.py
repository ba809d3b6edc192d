"""Accounts: registration, login and logout, throttling, passwords, profiles, error pages."""
import pytest
import sqlalchemy as sa

from smartsociety.config import ProductionConfig
from smartsociety.models import Organisation, Role, User
from smartsociety.passwordhash import hash_password, verify_password
from tests.conftest import make_config
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from tests.mailbox import messages_to, text_of

GOOD_PASSWORD = "paars-fietsenrek-onder-de-brug"


def register_data(**changes):
    data = {
        "name": "Fatima el Amrani",
        "email": "fatima@gemeente.example",
        "password": GOOD_PASSWORD,
        "password_confirm": GOOD_PASSWORD,
        "organisation": "",
        "new_organisation_name": "",
        "new_organisation_kind": "gemeente",
        "new_organisation_website": "",
        "new_organisation_cbs_code": "",
    }
    data.update(changes)
    return data


def user_by_email(db, email):
    return db.session.scalar(User.by_email(email))


# Registration ---------------------------------------------------------------------------------


def test_register_page(client):
    response = client.get("/registreren")
    assert response.status_code == 200
    assert b'name="new_organisation_cbs_code"' in response.data


def test_register_with_existing_organisation(client, db):
    org = OrganisationFactory()
    response = client.post(
        "/registreren",
        data=register_data(organisation=str(org.id), email="Fatima@Gemeente.EXAMPLE"),
    )
    assert response.status_code == 302
    user = user_by_email(db, "fatima@gemeente.example")
    assert user.email == "fatima@gemeente.example"  # stored lower-cased
    assert user.organisation_id == org.id
    assert user.role is Role.MEMBER
    assert user.check_password(GOOD_PASSWORD)
    # Issue 15: not logged in until the address is confirmed; the same answer for any address.
    assert response.headers["Location"].endswith("/registreren/controleer-uw-mail")
    assert user.email_verified_at is None and user.last_login_at is None
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 302


def test_register_proposing_municipality_creates_unverified_organisation(client, db):
    response = client.post(
        "/registreren",
        data=register_data(
            organisation="new",
            new_organisation_name="Gemeente Nieuwdorp",
            new_organisation_kind="gemeente",
            new_organisation_website="https://nieuwdorp.example",
            new_organisation_cbs_code="gm1234",
        ),
    )
    assert response.status_code == 302
    org = db.session.scalar(
        sa.select(Organisation).where(Organisation.slug == "gemeente-nieuwdorp")
    )
    assert org is not None and not org.is_verified
    assert org.cbs_code == "GM1234"
    assert user_by_email(db, "fatima@gemeente.example").organisation_id == org.id


def test_register_municipality_needs_cbs_code(client, db):
    data = register_data(organisation="new", new_organisation_name="Gemeente Zonder Code")
    response = client.post("/registreren", data=data)
    assert response.status_code == 422
    assert b'id="new_organisation_cbs_code-error"' in response.data
    data["new_organisation_cbs_code"] = "1234"
    assert client.post("/registreren", data=data).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_register_company_needs_no_cbs_code(client, db):
    response = client.post(
        "/registreren",
        data=register_data(
            organisation="new", new_organisation_name="Slimme Palen B.V.",
            new_organisation_kind="bedrijf", new_organisation_cbs_code="GM0001",
        ),
    )
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Slimme Palen B.V."))
    assert org.cbs_code is None


def test_register_proposed_organisation_name_taken(client, db):
    OrganisationFactory(name="Gemeente Turfbrug")
    response = client.post(
        "/registreren",
        data=register_data(
            organisation="new", new_organisation_name="gemeente  TURFBRUG",
            new_organisation_cbs_code="GM4321",
        ),
    )
    assert response.status_code == 422
    assert b'id="new_organisation_name-error"' in response.data


def test_register_requires_organisation_choice(client, db):
    response = client.post("/registreren", data=register_data(organisation=""))
    assert response.status_code == 422
    response = client.post("/registreren", data=register_data(organisation="999999"))
    assert response.status_code == 422


def test_duplicate_email_in_other_case_makes_no_account_and_reveals_nothing(client, db):
    UserFactory(email="bestaand@example.org")
    org = OrganisationFactory()
    response = client.post(
        "/registreren",
        data=register_data(email="BESTAAND@Example.org", organisation=str(org.id)),
    )
    # Issue 16 item 17: the same answer as for a new address (the owner gets a mail instead).
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/registreren/controleer-uw-mail")
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_invalid_email_refused(client, db):
    org = OrganisationFactory()
    response = client.post(
        "/registreren", data=register_data(email="geen-adres", organisation=str(org.id))
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "password",
    [
        "kort-genoeg",  # 11 characters
        "123qweasdzxc",  # on the common password list
        "QWERTY123456",  # common, whatever the case
        "fatima-gemeente-2026!",  # contains the e-mail local part
        "wachtwoord-van-AMRANI",  # contains (part of) the name
    ],
)
def test_weak_passwords_refused(client, db, password):
    org = OrganisationFactory()
    response = client.post(
        "/registreren",
        data=register_data(organisation=str(org.id), password=password, password_confirm=password),
    )
    assert response.status_code == 422
    assert b'id="password-error"' in response.data
    assert user_by_email(db, "fatima@gemeente.example") is None


def test_password_confirmation_must_match(client, db):
    org = OrganisationFactory()
    response = client.post(
        "/registreren",
        data=register_data(organisation=str(org.id), password_confirm=GOOD_PASSWORD + "x"),
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "field, size",
    [("name", 121), ("email", 300), ("password", 5000), ("new_organisation_name", 161),
     ("new_organisation_website", 400), ("new_organisation_cbs_code", 5000)],
)
def test_overlong_register_fields_give_422(client, db, field, size):
    org = OrganisationFactory()
    data = register_data(organisation=str(org.id))
    data[field] = "a" * size
    response = client.post("/registreren", data=data)
    assert response.status_code == 422


def test_logged_in_member_is_sent_away_from_register(login):
    client = login(UserFactory())
    assert client.get("/registreren").status_code == 302


# Login and logout -----------------------------------------------------------------------------


def test_login_and_logout(client, db):
    user = UserFactory(email="piet@example.org")
    assert client.get("/inloggen").status_code == 200
    response = client.post(
        "/inloggen", data={"email": "Piet@Example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert db.session.get(User, user.id).last_login_at is not None
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 200
    assert client.get("/uitloggen").status_code == 405  # logging out is a POST
    assert client.post("/uitloggen").status_code == 302
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 302


def test_login_failure_does_not_reveal_whether_email_exists(client, db):
    UserFactory(email="piet@example.org")
    wrong_password = client.post(
        "/inloggen", data={"email": "piet@example.org", "password": "fout-wachtwoord-123"}
    )
    unknown = client.post(
        "/inloggen", data={"email": "niemand@example.org", "password": "fout-wachtwoord-123"}
    )
    assert wrong_password.status_code == unknown.status_code == 422

    def error_text(response):
        html = response.get_data(as_text=True)
        return html[html.index('id="password-error"'):].split("</p>")[0]

    assert error_text(wrong_password) == error_text(unknown)


def test_login_redirects_to_safe_next(client, db):
    UserFactory(email="piet@example.org")
    response = client.post(
        "/inloggen",
        data={"email": "piet@example.org", "password": TEST_PASSWORD,
              "next": "/organisaties?kind=bedrijf"},
    )
    assert response.headers["Location"] == "/organisaties?kind=bedrijf"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_open_redirect_via_next_refused(client, db, target):
    UserFactory(email="piet@example.org")
    response = client.post(
        "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_page_keeps_next_from_query(client):
    response = client.get("/inloggen?next=/organisaties")
    assert b'value="/organisaties"' in response.data


def test_login_required_redirects_to_login_with_next(client):
    response = client.get("/wachtwoord")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_remember_me_sets_cookie(client, db):
    UserFactory(email="piet@example.org")
    response = client.post(
        "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


def test_without_remember_me_no_cookie(client, db):
    UserFactory(email="piet@example.org")
    client.post("/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD})
    assert client.get_cookie("remember_token") is None


def test_overlong_login_fields_give_422(client):
    response = client.post("/inloggen", data={"email": "a" * 1000, "password": "b" * 5000})
    assert response.status_code == 422


class TestThrottling:
    @pytest.fixture
    def app_config(self, tmp_path, postgres_url):
        return make_config(
            tmp_path, postgres_url,
            LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_ADDRESS="5 per minute",
        )

    def test_per_account(self, client, db):
        UserFactory(email="piet@example.org")
        for n in range(3):
            response = client.post(
                "/inloggen",
                data={"email": "piet@example.org", "password": "fout-wachtwoord-123"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
            )
            assert response.status_code == 422
        # A fourth try, from yet another address, even with the right password.
        response = client.post(
            "/inloggen",
            data={"email": "PIET@example.org", "password": TEST_PASSWORD},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert response.status_code == 429
        assert b"<h1>" in response.data and b"(429)" in response.data
        # Other accounts are unaffected.
        UserFactory(email="kees@example.org")
        response = client.post(
            "/inloggen", data={"email": "kees@example.org", "password": TEST_PASSWORD},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert response.status_code == 302

    def test_per_address(self, client, db):
        for n in range(5):
            response = client.post(
                "/inloggen",
                data={"email": f"iemand{n}@example.org", "password": "fout-wachtwoord-123"},
                environ_base={"REMOTE_ADDR": "10.1.1.1"},
            )
            assert response.status_code == 422
        response = client.post(
            "/inloggen",
            data={"email": "nog-iemand@example.org", "password": "fout-wachtwoord-123"},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )
        assert response.status_code == 429
        client.post("/taal/en")
        response = client.post(
            "/inloggen",
            data={"email": "nog-iemand@example.org", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )
        assert response.status_code == 429
        assert b"Too many login attempts" in response.data
        # Another address may still try.
        response = client.post(
            "/inloggen",
            data={"email": "nog-iemand@example.org", "password": "fout-wachtwoord-123"},
            environ_base={"REMOTE_ADDR": "10.2.2.2"},
        )
        assert response.status_code == 422

    def test_successful_logins_do_not_count(self, client, db):
        UserFactory(email="piet@example.org")
        for _ in range(6):
            response = client.post(
                "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD}
            )
            assert response.status_code == 302
            client.post("/uitloggen")


# Passwords ------------------------------------------------------------------------------------


def test_production_password_hashing_is_strong_enough():
    method = ProductionConfig.PASSWORD_HASH_METHOD
    assert method == "argon2"  # issue 15: argon2id, PBKDF2 hashes rehashed on login
    hashed = hash_password(GOOD_PASSWORD, method)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, GOOD_PASSWORD)
    assert not verify_password(hashed, GOOD_PASSWORD + "!")


def test_change_password(login, db):
    user = UserFactory(email="piet@example.org", name="Piet Hein")
    client = login(user)
    assert client.get("/wachtwoord").status_code == 200
    response = client.post(
        "/wachtwoord",
        data={"current_password": TEST_PASSWORD, "password": GOOD_PASSWORD,
              "password_confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password(GOOD_PASSWORD)
    # This session stays logged in.
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 200


def test_change_password_sends_a_notice_to_the_account(login, db, smtp_server):
    user = UserFactory(email="piet@example.org", name="Piet Hein")
    client = login(user)
    assert messages_to(smtp_server, "piet@example.org") == []
    response = client.post(
        "/wachtwoord",
        data={"current_password": TEST_PASSWORD, "password": GOOD_PASSWORD,
              "password_confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    [notice] = messages_to(smtp_server, "piet@example.org")
    body = text_of(notice)
    assert "gewijzigd" in notice["Subject"] and "andere apparaten" in body
    assert "/wachtwoord-vergeten" in body  # what to do when it was not them
    # A refused change sends nothing.
    client.post("/wachtwoord", data={"current_password": "fout", "password": GOOD_PASSWORD,
                                     "password_confirm": GOOD_PASSWORD})
    assert len(messages_to(smtp_server, "piet@example.org")) == 1


def test_change_password_needs_current_password(login, db):
    user = UserFactory()
    client = login(user)
    response = client.post(
        "/wachtwoord",
        data={"current_password": "niet-het-wachtwoord", "password": GOOD_PASSWORD,
              "password_confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 422
    assert b'id="current_password-error"' in response.data
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)


def test_change_password_applies_policy(login, db):
    client = login(UserFactory())
    response = client.post(
        "/wachtwoord",
        data={"current_password": TEST_PASSWORD, "password": "qwerty123456",
              "password_confirm": "qwerty123456"},
    )
    assert response.status_code == 422


def test_password_change_ends_other_sessions_and_remember_cookies(app, login, db):
    user = UserFactory(email="piet@example.org")
    here = login(user)
    elsewhere = login(user, app.test_client())
    remembered = app.test_client()
    remembered.post(
        "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD, "remember": "y"}
    )
    # Only the remember cookie is left, as after closing the browser.
    remembered.delete_cookie("session")
    assert remembered.get(f"/leden/{user.id}/bewerken").status_code == 200
    remembered.delete_cookie("session")

    response = here.post(
        "/wachtwoord",
        data={"current_password": TEST_PASSWORD, "password": GOOD_PASSWORD,
              "password_confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get(f"/leden/{user.id}/bewerken").status_code == 200
    assert elsewhere.get(f"/leden/{user.id}/bewerken").status_code == 302
    assert remembered.get(f"/leden/{user.id}/bewerken").status_code == 302


def test_password_change_keeps_own_remember_cookie_working(app, db):
    user = UserFactory(email="piet@example.org")
    client = app.test_client()
    client.post(
        "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD, "remember": "y"}
    )
    client.post(
        "/wachtwoord",
        data={"current_password": TEST_PASSWORD, "password": GOOD_PASSWORD,
              "password_confirm": GOOD_PASSWORD},
    )
    client.delete_cookie("session")
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 200


# Profiles -------------------------------------------------------------------------------------


def test_public_profile(client, db):
    org = OrganisationFactory(name="Gemeente Profielstad")
    user = UserFactory(
        name="Anna Profiel", organisation=org, role=Role.MODERATOR, bio="Ik werk aan <data>."
    )
    response = client.get(f"/leden/{user.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Anna Profiel" in html
    assert f'href="/organisaties/{org.slug}"' in html
    assert "Ik werk aan &lt;data&gt;." in html
    assert 'class="badge"' in html
    assert "Edit profile" not in html and "Profiel bewerken" not in html


def test_missing_profile_404(client):
    assert client.get("/leden/424242").status_code == 404


def test_edit_own_profile(login, db):
    user = UserFactory()
    client = login(user)
    assert client.get(f"/leden/{user.id}/bewerken").status_code == 200
    response = client.post(
        f"/leden/{user.id}/bewerken",
        data={"name": "Nieuwe Naam", "job_title": "Privacy officer", "bio": "Over mij.",
              "locale": "en"},
    )
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert (user.name, user.job_title, user.bio, user.locale) == (
        "Nieuwe Naam", "Privacy officer", "Over mij.", "en"
    )
    # The preferred language now applies.
    assert b'<html lang="en">' in client.get("/").data


@pytest.mark.parametrize(
    "changes", [{"name": "n" * 121}, {"job_title": "j" * 121}, {"bio": "b" * 5001},
                {"locale": "fr"}, {"name": ""}]
)
def test_edit_profile_bad_input_gives_422(login, db, changes):
    user = UserFactory(name="Oude Naam")
    data = {"name": "Naam", "job_title": "", "bio": "", "locale": "nl"}
    data.update(changes)
    response = login(user).post(f"/leden/{user.id}/bewerken", data=data)
    assert response.status_code == 422
    assert db.session.get(User, user.id).name == "Oude Naam"


@pytest.mark.parametrize(
    "role, allowed", [(None, False), (Role.MEMBER, False), (Role.MODERATOR, False),
                      (Role.ADMIN, True)]
)
def test_who_may_edit_someone_elses_profile(client, login, db, role, allowed):
    profile = UserFactory()
    visitor = client if role is None else login(UserFactory(role=role))
    response = visitor.get(f"/leden/{profile.id}/bewerken")
    if role is None:
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if allowed else 403)


# CLI ------------------------------------------------------------------------------------------


def test_cli_promote(app, db):
    user = UserFactory(email="piet@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "promote", "PIET@example.org"])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, user.id).role is Role.MODERATOR
    result = runner.invoke(args=["users", "promote", "piet@example.org", "--role", "admin"])
    assert result.exit_code == 0
    assert db.session.get(User, user.id).role is Role.ADMIN
    result = runner.invoke(args=["users", "promote", "niemand@example.org"])
    assert result.exit_code != 0
    assert "No member" in result.output


# CSRF -----------------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture
    def app_config(self, tmp_path, postgres_url):
        return make_config(tmp_path, postgres_url, WTF_CSRF_ENABLED=True)

    def test_forged_login_refused(self, client, db):
        UserFactory(email="piet@example.org")
        response = client.post(
            "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD}
        )
        assert response.status_code == 400
        client.post("/taal/en")
        response = client.post(
            "/inloggen", data={"email": "piet@example.org", "password": TEST_PASSWORD}
        )
        assert response.status_code == 400
        assert b"not sent from this site" in response.data

    def test_forged_register_and_logout_refused(self, client, login, db):
        assert client.post("/registreren", data=register_data()).status_code == 400
        user = UserFactory()
        member = login(user)
        assert member.post("/uitloggen").status_code == 400
        assert member.post(
            f"/leden/{user.id}/bewerken", data={"name": "X", "locale": "nl"}
        ).status_code == 400


# Error pages ----------------------------------------------------------------------------------


class TestErrorPages:
    @pytest.fixture
    def app_config(self, tmp_path, postgres_url):
        return make_config(
            tmp_path, postgres_url, MAX_CONTENT_LENGTH=10_000, PROPAGATE_EXCEPTIONS=False
        )

    @pytest.fixture
    def client(self, app):
        def explode():
            raise RuntimeError("boom")

        app.add_url_rule("/test-fout", "test_fout", explode)
        app.add_url_rule("/api/test-fout", "api_test_fout", explode)
        return app.test_client()

    @pytest.mark.parametrize("language, title", [("nl", None), ("en", "Not allowed")])
    def test_403(self, client, login, db, language, title):
        member = login(UserFactory(), client)
        member.post(f"/taal/{language}")
        response = member.get("/beheer/leden")
        assert response.status_code == 403
        assert f'<html lang="{language}">'.encode() in response.data
        assert b"(403)" in response.data
        if title:
            assert title.encode() in response.data

    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_404_405_413_500(self, client, language):
        client.post(f"/taal/{language}")
        for response, code in [
            (client.get("/organisaties/bestaat-niet"), 404),
            (client.put("/inloggen"), 405),
            (client.post("/inloggen", data={"email": "x" * 20_000, "password": "y"}), 413),
            (client.get("/test-fout"), 500),
        ]:
            assert response.status_code == code
            assert f'<html lang="{language}">'.encode() in response.data
            assert f"({code})".encode() in response.data
        english = client.get("/test-fout").get_data(as_text=True)
        assert ("Something went wrong" in english) == (language == "en")

    def test_json_errors_under_api(self, client):
        response = client.get("/api/bestaat-niet")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == 404
        response = client.get("/api/test-fout")
        assert response.status_code == 500 and response.get_json()["error"]["code"] == 500
