"""TOTP secrets, codes (each accepted once), recovery codes (shown once, stored hashed), and the
half-finished login between the password and the second factor."""
import hashlib
import hmac
import secrets
import time

import pyotp
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import RecoveryCode, User, utcnow
from smartsociety.models.user import new_session_token

ISSUER = "Smart Society"
RECOVERY_CODE_COUNT = 10
# A login waits this long for its second factor.
PENDING_SECONDS = 300
PENDING_KEY = "two_factor_pending"
ENROL_KEY = "two_factor_secret"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI, drawn here: the secret never goes to another service."""
    import segno  # here, not with the app: 1 MB in every web worker for a rare page

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()[:40]


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (30 s) whose code is `code`, allowing one step of clock drift."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def check_totp(user: User, code: str) -> bool:
    """A valid code not used before (a code seen once can never sign in again)."""
    if not user.has_two_factor:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash_code(code: str) -> str:
    # Recovery codes are 80 random bits, so one SHA-256 suffices (no slow hash needed).
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the member's recovery codes; the plain codes are returned to be shown once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(10)  # 80 bits
        code = "-".join(raw[i:i + 5] for i in range(0, 20, 5))
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise(code)
    if len(normalised) != 20:
        return False
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def check_second_factor(user: User, code: str) -> bool:
    return check_totp(user, code) or use_recovery_code(user, code)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ) or 0


def enable(user: User, secret: str, step: int) -> list[str]:
    """Switch on with a proven secret; every other session ends (it did not pass the second
    factor). Returns the recovery codes to show once."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    user.session_token = new_session_token()
    return new_recovery_codes(user)


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# The half-finished login (password right, second factor still to come), in the signed session.


def _fingerprint(user: User) -> str:
    # Changes with the password or session token: a pending login dies with them.
    return hashlib.sha256(f"{user.id}:{user.session_token}".encode()).hexdigest()[:32]


def begin(session, user: User, remember: bool, next_url: str) -> None:
    session[PENDING_KEY] = {"u": user.id, "f": _fingerprint(user), "r": bool(remember),
                            "n": next_url[:2000], "t": int(time.time())}


def pending(session) -> tuple[User, dict] | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not (
        0 < data["u"] < 2**31 and isinstance(data.get("t"), int)
    ):
        return None
    if time.time() - data["t"] > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, data["u"])
    if user is None or data.get("f") != _fingerprint(user) or not user.has_two_factor:
        return None
    return user, data
