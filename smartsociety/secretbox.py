"""Secrets the site has to read back, such as the shared TOTP secrets of two-factor sign-in, are
stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256 over it), so a copy of the database
alone (a backup, a dump handed to a developer) does not let anyone make a member's codes.

Keys: `DATA_ENCRYPTION_KEYS`, comma-separated Fernet keys; the first one encrypts, every one of
them decrypts. To rotate, put a new key (`flask users new-encryption-key`) in front and run
`flask users rotate-secrets`. Without it the key is derived from `SECRET_KEY` (HKDF-SHA256),
which then must not change while secrets are stored under it.
"""
import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"smartsociety data encryption v1"


class SecretUnreadable(RuntimeError):
    """A stored secret does not open with any configured key (a changed SECRET_KEY or
    DATA_ENCRYPTION_KEYS): refusing is safer than treating the secret as absent, which would
    switch a member's second factor off."""


def _derived(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def _box() -> MultiFernet:
    config = current_app.config
    configured = config.get("DATA_ENCRYPTION_KEYS") or ""
    source = (configured if isinstance(configured, str) else ",".join(configured),
              config["SECRET_KEY"])
    cache = current_app.extensions.setdefault("secretbox", {})
    box = cache.get(source)
    if box is None:  # keys parsed (and derived) once per setting, not per secret
        keys = [key.strip() for key in source[0].split(",") if key.strip()]
        keys = keys or [_derived(source[1])]
        box = cache[source] = MultiFernet([Fernet(key) for key in keys])
    return box


def encrypt(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _box().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted: was SECRET_KEY or DATA_ENCRYPTION_KEYS "
            "changed? Put the old key in DATA_ENCRYPTION_KEYS after the new one.") from error


def rotate(token: str) -> str:
    """The same secret encrypted under the first key."""
    try:
        return _box().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise SecretUnreadable("a stored secret cannot be decrypted") from error


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
