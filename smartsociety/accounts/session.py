"""Flask-Login's user loader, and the server-side side of every login.

Flask-Login's id in the session (and in the remember cookie) is "<session token>.<login key>":
the member's rotating session token (rotated by a password change and by "log out everywhere")
and the key of one LoginSession row, which logging out ends. A cookie copied before the logout
then opens nothing (issue 16). Every `login_user` call gets its row through Flask-Login's
`user_logged_in` signal, so logins added by other features are covered too.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session
from flask_login import user_logged_in

from smartsociety.extensions import db
from smartsociety.models import LoginSession, User, utcnow
from smartsociety.models.user import new_session_token

SEPARATOR = "."


def load_user(user_id: str) -> User | None:
    if not user_id or len(user_id) > 140:
        return None
    token, _, key = user_id.partition(SEPARATOR)
    if not key:
        # Ids from before server-side sessions (and the test suite's `login` fixture) carry
        # only the token; production no longer accepts them.
        if not current_app.config.get("SESSION_ACCEPT_TOKEN_ONLY"):
            return None
        return db.session.scalar(sa.select(User).where(User.session_token == token))
    oldest = utcnow() - timedelta(seconds=current_app.config["SESSION_MAX_AGE"])
    user = db.session.scalar(_member_of_session(),
                             {"token": token, "key": key, "oldest": oldest})
    if user is not None:
        user.login_session_key = key
    return user


_statement: list[sa.Select] = []


def _member_of_session() -> sa.Select:
    """The member of a live login session, built once per process: it is asked on every
    member's request, and SQLAlchemy then finds its compiled form by the object instead of
    building the statement and its cache key each time."""
    if not _statement:
        _statement.append(
            sa.select(User)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(User.session_token == sa.bindparam("token"),
                   LoginSession.key == sa.bindparam("key"),
                   LoginSession.ended_at.is_(None),
                   LoginSession.created_at > sa.bindparam("oldest")))
    return _statement[0]


def _started(app, user: User, **_extra) -> None:
    """A new LoginSession for this login; the session (and remember cookie) carry its key."""
    row = LoginSession(user_id=user.id)
    db.session.add(row)
    # Flushed, committed with the login's request: if that request fails, the cookie names a
    # row that does not exist, and it opens nothing.
    db.session.flush()
    user.login_session_key = row.key
    session["_user_id"] = f"{user.session_token}{SEPARATOR}{row.key}"


def end(user: User) -> None:
    """Log out: end this login's row."""
    key = getattr(user, "login_session_key", None)
    if key:
        db.session.execute(
            sa.update(LoginSession).where(LoginSession.key == key, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all(user: User) -> None:
    """Log out everywhere: every row ends and the session token changes."""
    db.session.execute(
        sa.update(LoginSession).where(LoginSession.user_id == user.id,
                                      LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    user.session_token = new_session_token()


def init_app(app) -> None:
    user_logged_in.connect(_started, app)
