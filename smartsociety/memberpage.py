"""What every page a logged-in member sees asks about the member, in one query.

The page frame shows the bell's unread count, the terms not yet accepted and the warnings or
suspension of the member, and a page with a follow button whether the member follows its
subject: one query each on every member page (docs/performance.md, issue 23 item 3). They are
asked here together, once per request, as a count and flags; the terms and the sanctions are
then loaded in full only when their flag says there is something to show (rare: a member
accepts the terms once and few are ever warned). Each answer is as new as its own query was.
The user loader (accounts/session.py) asks them with the member's own row, and the follow
buttons a view declared before the member was loaded (the case page declares its own first):
one round trip for the member and their state. That answer is used while the request has
written nothing since; after a write (or for a follow button declared later) they are asked
again.
"""
import sqlalchemy as sa
from flask import g
from flask_login import current_user

from smartsociety.extensions import db
from smartsociety.models import Follow, FollowTarget, Notification, Sanction, utcnow
from smartsociety.transaction import wrote_nothing


def want_follow(target: FollowTarget, key) -> None:
    """Ask whether the member follows (target, key) with the member's own rows: call it before
    the page is rendered (a view whose page shows a follow button)."""
    g.setdefault("member_follow_keys", set()).add((target, str(key)))


def state() -> dict:
    """{"unread": n, "policies": bool, "sanctions": bool, "follows": {(target, key): bool}}
    for the current member, asked once per request: with the member's own row when the user
    loader asked it (`columns`, `loaded`) and nothing was written since, else on its own."""
    found = g.get("member_state")
    if found is not None:
        return found
    keys = sorted(g.get("member_follow_keys", ()))
    found = g.pop("member_state_loaded", None)
    if found is not None and not (found["user_id"] == current_user.id
                                  and found["follows"].keys() >= set(keys)
                                  and wrote_nothing(db.session())):
        found = None
    if found is None:
        values = {"user_id": current_user.id, "now": utcnow()}
        values.update(follow_values(keys))
        row = db.session.execute(_statement(len(keys)), values).one()
        found = _state(current_user.id, keys, row)
    g.member_state = found
    return found


def follow_values(keys) -> dict:
    values = {}
    for n, (target, key) in enumerate(keys):
        values[f"target{n}"], values[f"key{n}"] = target, key
    return values


def _state(user_id, keys, row) -> dict:
    return {"user_id": user_id, "unread": row[0] or 0, "policies": bool(row[1]),
            "sanctions": bool(row[2]),
            "follows": {key: bool(value) for key, value in zip(keys, row[3:], strict=True)}}


def wanted_follows() -> list:
    """The follow buttons the view asked for so far (the user loader asks them along)."""
    return sorted(g.get("member_follow_keys", ()))


def loaded(user_id: int, keys, row) -> None:
    """The member's state as the user loader asked it with the member's row (`columns` with
    the member's id column): `state` answers from it unless something was written since."""
    g.member_state_loaded = _state(user_id, keys, row)


_statements: dict[int, sa.Select] = {}


def _statement(follows: int) -> sa.Select:
    """Built once per number of follow buttons (SQLAlchemy then finds its compiled form by the
    object instead of building the subqueries and their cache key on every page)."""
    found = _statements.get(follows)
    if found is None:
        found = _statements[follows] = sa.select(*columns(sa.bindparam("user_id"), follows))
    return found


def columns(user_id, follows: int) -> list:
    """The state's columns for the member `user_id` (a bound parameter, or the id column of
    the query that loads the member), with `now` and target<n>/key<n> as bound parameters."""
    from smartsociety.privacy.policies import pending_select

    now = sa.bindparam("now")
    return [
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
    ]


def following(target: FollowTarget, key) -> bool | None:
    """Whether the member follows (target, key), if it was asked with the member's rows."""
    follows = state()["follows"] if "member_follow_keys" in g else {}
    return follows.get((target, str(key)))
