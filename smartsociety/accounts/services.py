"""Registration, authentication and password changes."""
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from smartsociety.extensions import db
from smartsociety.memberships.services import claim
from smartsociety.models import Organisation, User, utcnow

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
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method=method)
        check_password_hash(_DUMMY_HASHES[method], password)
        return None
    return user if user.check_password(password) else None


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def change_password(user: User, password: str) -> None:
    """New hash and a new session token: every other session and remember cookie ends."""
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
