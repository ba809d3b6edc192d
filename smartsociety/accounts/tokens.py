"""Signed links in account mail: bound to one purpose, expiring, and bound to the account's
state, so a link dies once used (the state it signed has changed) or when the password changes.

A token signs {"u": user id, "s": state fingerprint, ...extra} with a salt per purpose, so a
verification link can never be used as a reset link and the other way round."""
import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from smartsociety.extensions import db
from smartsociety.models import User

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"
CHANGE_EMAIL = "change-email"

LIFETIMES = {
    VERIFY_EMAIL: timedelta(days=3),
    RESET_PASSWORD: timedelta(hours=1),
    CHANGE_EMAIL: timedelta(days=1),
}
MAX_TOKEN_LENGTH = 1000


class TokenError(Exception):
    """Why a link cannot be used: "expired" or "invalid" (tampered, foreign, used)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _state(user: User, purpose: str) -> str:
    if purpose == RESET_PASSWORD:
        # A new password (by this link or otherwise) changes the hash: the link dies.
        parts = (user.email, user.password_hash)
    elif purpose == VERIFY_EMAIL:
        parts = (user.email, str(user.email_verified_at is not None))
    else:
        parts = (user.email,)
    raw = "\x1f".join((purpose, str(user.id), *parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account:{purpose}")


def make_token(user: User, purpose: str, **extra) -> str:
    return _serializer(purpose).dumps({"u": user.id, "s": _state(user, purpose), **extra})


def read_token(token: str, purpose: str) -> tuple[User, dict]:
    """The account and extra fields of a valid `purpose` token; raises TokenError."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("invalid")
    max_age = int(LIFETIMES[purpose].total_seconds())
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise TokenError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenError("invalid")
    user = db.session.get(User, data["u"]) if 0 < data["u"] < 2**31 else None
    if user is None or data.get("s") != _state(user, purpose):
        raise TokenError("invalid")
    return user, {k: v for k, v in data.items() if k not in ("u", "s")}
