"""Reset links: asked for by address, sent (at most a few per account), used once."""
from flask import current_app, url_for

from smartsociety.accounts import mailer
from smartsociety.accounts.ratelimits import allowed
from smartsociety.accounts.tokens import RESET_PASSWORD, make_token
from smartsociety.extensions import db
from smartsociety.models import User


def request_reset(email: str) -> None:
    """Runs after the response (mailer.run_soon), so the page answers in the same time whether
    or not the address has an account. Unknown addresses get nothing."""
    user = db.session.scalar(User.by_email(email))
    if user is None:
        return
    if not allowed(current_app.config["RESET_LIMIT_PER_ACCOUNT"], "reset-account", str(user.id)):
        current_app.logger.info("password reset for account %s refused: limit", user.id)
        return
    link = url_for("passwordreset.reset", token=make_token(user, RESET_PASSWORD), _external=True)
    outbox = mailer.queue(user, RESET_PASSWORD, "reset_password", link=link)
    db.session.flush()
    mailer.send_soon(outbox.id)


def reset(user: User, password: str) -> None:
    """New password and session token (every session ends; the link dies), and a notice."""
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    outbox = mailer.queue(user, "notice", "password_changed")
    db.session.flush()
    mailer.send_soon(outbox.id)
