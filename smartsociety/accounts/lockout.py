"""Failed logins slow the attacker down without locking the owner out.

The old scheme (10 failures per account from anywhere = 15 minutes locked) let anyone lock any
member out. Now, following OWASP's advice on brute force (device cookies):

- per account *and* client address: a guesser on one address is stopped after a few tries,
  while the owner, elsewhere, is not touched;
- per client address over all accounts (the view's Flask-Limiter limit; behind proxies the
  address comes from ProxyFix, see PROXY_COUNT);
- per account over all addresses: a ladder of growing waits (LOGIN_LIMIT_PER_ACCOUNT, e.g.
  "20 per 15 minutes; 50 per hour; 200 per day"), which a distributed guesser meets, but which
  does **not** hold a browser where this account logged in before (a signed "known device"
  cookie): the owner keeps getting in during an attack;
- when an account sees LOGIN_ATTACK_MAIL_AFTER failures within 15 minutes its owner is told
  (a notification, mailed through the outbox; at most once every six hours).

Counters live in the rate-limit storage (Redis in production), like every other limit.
"""
from flask import after_this_request, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse, parse_many

from smartsociety.extensions import db, limiter
from smartsociety.models import EventKind, User

DEVICE_COOKIE = "known_device"
DEVICE_SALT = "login-known-device"
DEVICE_MAX_ACCOUNTS = 5
ONE_YEAR = 60 * 60 * 24 * 365
ATTACK_MAIL_LIMIT = parse("1 per 6 hours")


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _account_key(email: str) -> str:
    return User.normalise_email(email or "")[:254]


def _pair_key(email: str) -> str:
    return f"{_account_key(email)}|{request.remote_addr or '-'}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def known_device_ids() -> list[int]:
    """Accounts that logged in before in this browser (from the signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _known_device(email: str) -> bool:
    ids = known_device_ids()
    if not ids:
        return False
    user = db.session.scalar(User.by_email(email))
    return user is not None and user.id in ids


def refused(email: str) -> bool:
    """True when this attempt must wait (answer 429 without checking the password)."""
    if not _enabled():
        return False
    strategy = limiter.limiter
    config = current_app.config
    if not strategy.test(parse(config["LOGIN_LIMIT_PER_PAIR"]), "login-pair", _pair_key(email)):
        return True
    if _known_device(email):
        return False
    account = _account_key(email)
    return not all(
        strategy.test(item, "login-account", account)
        for item in parse_many(config["LOGIN_LIMIT_PER_ACCOUNT"])
    )


def failed(email: str) -> None:
    """Count a wrong password (for a known or unknown address alike)."""
    if not _enabled():
        return
    strategy = limiter.limiter
    config = current_app.config
    account = _account_key(email)
    strategy.hit(parse(config["LOGIN_LIMIT_PER_PAIR"]), "login-pair", _pair_key(email))
    for item in parse_many(config["LOGIN_LIMIT_PER_ACCOUNT"]):
        strategy.hit(item, "login-account", account)
    threshold = parse(f"{config['LOGIN_ATTACK_MAIL_AFTER']} per 15 minutes")
    strategy.hit(threshold, "login-attack", account)
    if strategy.get_window_stats(threshold, "login-attack", account).remaining == 0:
        _tell_owner(email)  # (at most once every six hours)


def _tell_owner(email: str) -> None:
    user = db.session.scalar(User.by_email(email))
    if user is None or not limiter.limiter.hit(ATTACK_MAIL_LIMIT, "login-attack-mail",
                                               str(user.id)):
        return
    from smartsociety.notify import services as notify

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = _(
            "Someone is trying to log in to your account with wrong passwords. You can still "
            "log in on devices you used before. If this was not you, choose a strong password."
        )
    notify.emit(EventKind.MODERATION, None, recipients=[user], title=title)
    # Explicit: this runs on a failed login, whose answer (422/429) rolls the request back;
    # the owner's warning must be kept all the same.
    db.session.commit()
    current_app.logger.warning("login attack on account %s", user.id)


def succeeded(user: User) -> None:
    """Remember this browser as a known device of `user` (a signed, long-lived cookie)."""
    ids = [i for i in known_device_ids() if i != user.id][-(DEVICE_MAX_ACCOUNTS - 1):]
    value = _serializer().dumps(ids + [user.id])
    secure = current_app.config["SESSION_COOKIE_SECURE"]

    @after_this_request
    def _set(response):
        response.set_cookie(DEVICE_COOKIE, value, max_age=ONE_YEAR, httponly=True,
                            samesite="Lax", secure=secure)
        return response
