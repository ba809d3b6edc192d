"""Password strength by zxcvbn with the member's own words, and argon2id with transparent
rehash of PBKDF2 hashes on login."""
import pytest

from smartsociety.accounts.passwords import password_problems
from smartsociety.models import User
from smartsociety.passwordhash import hash_password, needs_rehash
from tests.factories import OrganisationFactory, UserFactory


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "123456789012", "wachtwoord123",
                                      "welkom123456", "Zomer2026!Zomer"])
def test_guessable_passwords_from_the_issue_are_refused_at_registration(client, db, password):
    organisation = OrganisationFactory()
    response = client.post("/registreren", data={
        "name": "Sam Sterk", "email": "sam@example.org", "password": password,
        "password_confirm": password, "organisation": str(organisation.id)})
    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert "Wat wel werkt" in response.text  # says what works, not only what does not
    assert db.session.scalar(User.by_email("sam@example.org")) is None


def test_the_organisation_counts_as_a_known_word():
    password = "gemeenteturfbrug2026"
    assert password_problems(password, 12, "a@b.example", "Sam Sterk",
                             words=["Gemeente Turfbrug"])
    assert not password_problems("paars-fietsenrek-onder-de-brug", 12, "a@b.example",
                                 "Sam Sterk", words=["Gemeente Turfbrug"])


def test_long_passwords_are_scored_without_error():
    assert password_problems("x" * 250, 12) and not password_problems(
        "paars-fietsenrek-onder-de-brug-" * 8, 12)


def test_pbkdf2_hash_becomes_argon2_on_login_without_ending_sessions(client, db, app):
    app.config["PASSWORD_HASH_METHOD"] = "argon2"
    user = UserFactory(email="oud@example.org")
    assert user.password_hash.startswith("pbkdf2:")
    token = user.session_token
    response = client.post("/inloggen", data={"email": "oud@example.org",
                                              "password": "een-heel-lang-wachtwoord"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert user.session_token == token
    assert user.check_password("een-heel-lang-wachtwoord")
    assert not needs_rehash(user.password_hash, "argon2")


def test_hash_methods():
    argon = hash_password("geheim-genoeg-voor-een-test", "argon2")
    assert needs_rehash(argon, "pbkdf2:sha256:1000")
    assert not needs_rehash(hash_password("x", "pbkdf2:sha256:1000"), "pbkdf2:sha256:1000")
    assert User(password_hash="$argon2id$garbage").check_password("x") is False
