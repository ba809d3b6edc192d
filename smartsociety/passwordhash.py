"""Password hashes: argon2id (argon2-cffi) for new hashes; werkzeug's PBKDF2 hashes still verify
and are replaced by argon2id at the member's next login (`needs_rehash`)."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2 = "argon2"


@cache
def _argon2() -> PasswordHasher:
    # argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, 3 passes).
    return PasswordHasher()


def hash_password(password: str, method: str) -> str:
    """`method` is "argon2" or a werkzeug method string such as "pbkdf2:sha256:600000"."""
    if method == ARGON2:
        return _argon2().hash(password)
    return generate_password_hash(password, method=method)


def verify_password(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return _argon2().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return bool(stored) and check_password_hash(stored, password)


def needs_rehash(stored: str, method: str) -> bool:
    """Whether a correct password's hash should be replaced by one made with `method`."""
    if method == ARGON2:
        return not stored.startswith("$argon2") or _argon2().check_needs_rehash(stored)
    return stored.startswith("$argon2") or not stored.startswith(method.split(":")[0] + ":")
