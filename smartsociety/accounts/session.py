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

from smartsociety import memberpage
from smartsociety.extensions import db
from smartsociety.models import LoginSession, User, utcnow
from smartsociety.models.user import new_session_token

SEPARATOR = "."


def load_user(user_id: str) -> User | None:
    """The member of the session, with the state every member's page shows of them
    (memberpage: unread count, terms to accept, sanctions, the follow buttons the view asked
    for so far) in the same query: one round trip instead of two on every member's page."""
    if not user_id or len(user_id) > 140:
        return None
    token, _, key = user_id.partition(SEPARATOR)
    follows = memberpage.wanted_follows()
    values = {"token": token, "now": utcnow(), **memberpage.follow_values(follows)}
    if not key:
        # Ids from before server-side sessions (and the test suite's `login` fixture) carry
        # only the token; production no longer accepts them.
        if not current_app.config.get("SESSION_ACCEPT_TOKEN_ONLY"):
            return None
        row = db.session.execute(_member_of_session(len(follows), by_token_only=True),
                                 values).first()
    else:
        values.update(key=key, oldest=values["now"] - timedelta(
            seconds=current_app.config["SESSION_MAX_AGE"]))
        row = db.session.execute(_member_of_session(len(follows)), values).first()
    if row is None:
        return None
    user = row[0]
    if key:
        user.login_session_key = key
    memberpage.loaded(user.id, follows, row[1:])
    return user


_statements: dict[tuple[int, bool], sa.Select] = {}


def _member_of_session(follows: int, by_token_only: bool = False) -> sa.Select:
    """The member of a live login session and their state, built once per process and number
    of follow buttons: it is asked on every member's request, and SQLAlchemy then finds its
    compiled form by the object instead of building the statement and its cache key."""
    found = _statements.get((follows, by_token_only))
    if found is None:
        found = sa.select(User, *memberpage.columns(User.id, follows)).where(
            User.session_token == sa.bindparam("token"))
        if not by_token_only:
            found = found.join(LoginSession, LoginSession.user_id == User.id).where(
                LoginSession.key == sa.bindparam("key"), LoginSession.ended_at.is_(None),
                LoginSession.created_at > sa.bindparam("oldest"))
        _statements[(follows, by_token_only)] = found
    return found


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
