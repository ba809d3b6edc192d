"""What every page a logged-in member sees asks about the member, in one query.

The page frame shows the bell's unread count, the terms not yet accepted and the warnings or
suspension of the member, and a page with a follow button whether the member follows its
subject: one query each on every member page (docs/performance.md, issue 23 item 3). They are
asked here together, once per request, as a count and flags; the terms and the sanctions are
then loaded in full only when their flag says there is something to show (rare: a member
accepts the terms once and few are ever warned). Each answer is as new as its own query was.
"""
import sqlalchemy as sa
from flask import g
from flask_login import current_user

from smartsociety.extensions import db
from smartsociety.models import Follow, FollowTarget, Notification, Sanction, utcnow


def want_follow(target: FollowTarget, key) -> None:
    """Ask whether the member follows (target, key) with the member's own rows: call it before
    the page is rendered (a view whose page shows a follow button)."""
    g.setdefault("member_follow_keys", set()).add((target, str(key)))


def state() -> dict:
    """{"unread": n, "policies": bool, "sanctions": bool, "follows": {(target, key): bool}}
    for the current member, asked once per request."""
    found = g.get("member_state")
    if found is not None:
        return found
    keys = sorted(g.get("member_follow_keys", ()))
    values = {"user_id": current_user.id, "now": utcnow()}
    for n, (target, key) in enumerate(keys):
        values[f"target{n}"], values[f"key{n}"] = target, key
    row = db.session.execute(_statement(len(keys)), values).one()
    found = g.member_state = {
        "unread": row[0] or 0, "policies": bool(row[1]), "sanctions": bool(row[2]),
        "follows": {key: bool(value) for key, value in zip(keys, row[3:], strict=True)},
    }
    return found


_statements: dict[int, sa.Select] = {}


def _statement(follows: int) -> sa.Select:
    """Built once per number of follow buttons (SQLAlchemy then finds its compiled form by the
    object instead of building the subqueries and their cache key on every page)."""
    found = _statements.get(follows)
    if found is None:
        from smartsociety.privacy.policies import pending_select

        user_id, now = sa.bindparam("user_id"), sa.bindparam("now")
        found = _statements[follows] = sa.select(
            Notification.unread_count(user_id).scalar_subquery().label("unread"),
            sa.exists(pending_select(user_id)).label("policies"),
            sa.exists(sa.select(Sanction.id).where(sa.or_(
                Sanction.unacknowledged_warnings(user_id).whereclause,
                Sanction.active_suspension(user_id, now).whereclause,
            ))).label("sanctions"),
            *(sa.select(Follow.active).where(
                Follow.user_id == user_id, Follow.target == sa.bindparam(f"target{n}"),
                Follow.key == sa.bindparam(f"key{n}")).scalar_subquery()
              for n in range(follows)),
        )
    return found


def following(target: FollowTarget, key) -> bool | None:
    """Whether the member follows (target, key), if it was asked with the member's rows."""
    follows = state()["follows"] if "member_follow_keys" in g else {}
    return follows.get((target, str(key)))
