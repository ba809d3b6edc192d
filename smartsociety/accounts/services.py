"""Registration, authentication and password changes."""
from flask import current_app

from smartsociety.accounts import mailer
from smartsociety.accounts.ratelimits import allowed
from smartsociety.extensions import db
from smartsociety.memberships.services import claim
from smartsociety.models import Organisation, User, utcnow
from smartsociety.passwordhash import hash_password, needs_rehash, verify_password

# Checked when the e-mail address is unknown, so a failed login takes as long either way.
_DUMMY_HASHES: dict[str, str] = {}


def email_taken(email: str) -> bool:
    return db.session.scalar(User.by_email(email)) is not None


def register(name: str, email: str, password: str, organisation: Organisation | None) -> User:
    user = User(
        name=name,
        email=User.normalise_email(email),
        organisation=organisation,
        job_title="",
        bio="",
    )
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    if organisation is not None:
        claim(user, organisation)  # a claim until verified (issue 15)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(User.by_email(email))
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        verify_password(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if needs_rehash(user.password_hash, method):
        # Transparent upgrade (PBKDF2 -> argon2id); sessions stay, as the password did not change.
        user.password_hash = hash_password(password, method)
    return user


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password("not-a-real-password", method)
    return _DUMMY_HASHES[method]


def tell_owner_of_registration(owner: User, password: str) -> None:
    """Someone registered with `owner`'s address: mail the owner (at most a few times a day, so
    the form cannot be used to flood them). Hashes like a registration, to take as long."""
    hash_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    if not allowed(current_app.config["REGISTER_OWNER_MAIL_LIMIT"], "register-owner-mail",
                   str(owner.id)):
        return
    outbox = mailer.queue(owner, "notice", "register_exists")
    db.session.flush()
    mailer.send_soon(outbox.id)


def record_login(user: User) -> None:
    """A sign-in that succeeded (after the second factor, where it is on)."""
    from smartsociety.models import SignInResult
    from smartsociety.signins import services as signins

    user.last_login_at = utcnow()
    signins.record(user, SignInResult.SUCCEEDED, second_factor=user.has_two_factor)


def record_failed_login(email: str) -> None:
    """A wrong password for an address that has an account goes into its sign-in history.
    Looked up and written after the response (as a reset request is), so the answer takes as
    long for an address without an account."""
    from smartsociety.signins import services as signins

    mailer.run_soon(signins.record_wrong_password, email, signins.this_client())


def change_password(user: User, password: str) -> None:
    """New hash and a new session token: every other session and remember cookie ends. The
    account's address gets a notice, so a change made from a stolen session is noticed."""
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    outbox = mailer.queue(user, "notice", "password_changed", this_session_kept=True)
    mailer.send_soon(outbox.id)
