"""Which cached pages a written row can change: the scopes the page cache moves after a commit.

A cached page depends on the global scope ("*") and on the scopes of what it shows: a case's own
page on "case:<id>"; home on "home"; the case lists (all cases, themes, tags) on "cases"; the
solution pages on "solutions"; the principle pages on "principles"; the sensor register on
"sensors"; search on "search" (moved by the indexer only: the page shows the index); every other
cached page (organisations, profiles, categories) on "lists". A member's entries also depend on
"member:<id>". A write moves the scopes of every row it wrote; a row not named here moves "*"
(every page), so a model nobody has thought about is always safe, only less cached.

The rules say where a row is shown:
- a comment, attachment or revision of case A: A's page and "lists" (profiles and organisation
  pages may show it), never the page of another case, the principles or the solutions;
- the case A itself: when only its activity changed (comment count, last activity, status: what
  a new comment changes) A's page and every list that shows those, home, case lists and "lists";
  any other change, a new or a deleted case also the pages that name cases (principles link
  them, sensors and solutions may show them);
- a notification, outbox mail or follow: only its member's pages (the follow box and the
  notification count), and a follow of a case that case's page (its follower count).
"""
from functools import cache

from sqlalchemy import inspect

GLOBAL = "*"
LISTS = "lists"  # cached pages that name no scope of their own
HOME = "home"
CASE_LISTS = "cases"
SOLUTIONS = "solutions"
PRINCIPLES = "principles"
SENSORS = "sensors"
SEARCH = "search"

# A case's title, kind, status or visibility may show on every page that lists or names cases.
CASE_NAMED = frozenset({LISTS, HOME, CASE_LISTS, SOLUTIONS, PRINCIPLES, SENSORS})
# What a new comment changes on its case (a first comment opens the discussion): shown on its
# page, home, the case lists and "lists" pages (organisations), not where cases are only named.
ACTIVITY_COLUMNS = frozenset({"comment_count", "last_activity_at", "status"})
ACTIVITY_SHOWN = frozenset({LISTS, HOME, CASE_LISTS})


# The sensor register's GeoJSON (smartsociety/sensors/geocache.py) is kept under the sensors
# scope and the global one. Sensors and organisations have no narrower rule, so their writes move
# the global scope; a future rule for them must move this one too.
SENSOR_REGISTER = SENSORS


def case_scope(case_id) -> str:
    return f"case:{case_id}"


def member_scope(user_id) -> str:
    return f"member:{user_id}"


# A case's own page also shows what the search index finds among these documents (similar
# solutions); the indexer moves "index:<type>" when it changed documents of that type.
INDEXED_ON_CASE_PAGES = frozenset({"solution"})


def index_scope(doc_type: str) -> str:
    return f"index:{doc_type}"


def case_page_scopes(case_id) -> list[str]:
    return [case_scope(case_id), *(index_scope(t) for t in sorted(INDEXED_ON_CASE_PAGES))]


def _case_owned(state, key: str = "case_id") -> set[str] | None:
    """The case a row belongs to, also from before an update that moved it."""
    history = state.attrs[key].history
    ids = {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}
    ids |= {state.dict[key]} if state.dict.get(key) is not None else set()
    if not ids:
        return None
    return {LISTS, *(case_scope(i) for i in ids)}


def _member_owned(state) -> set[str] | None:
    history = state.attrs["user_id"].history
    ids = {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}
    ids |= {state.dict["user_id"]} if state.dict.get("user_id") is not None else set()
    if not ids:
        return None
    return {member_scope(i) for i in ids}


def _only_activity(state) -> bool:
    """An existing case of which only the activity columns changed (a comment's touch)."""
    session, obj = state.session, state.obj()
    if session is None or obj is None or obj in session.new or obj in session.deleted:
        return False
    if not state.has_identity or state.deleted or state.was_deleted:
        return False
    # Rows of this table, and association rows of many-to-many collections (themes, tags); a
    # one-to-many collection (its comments) is written as the child's rows, which have rules.
    mapper = state.mapper
    written = {*mapper.column_attrs.keys(),
               *(r.key for r in mapper.relationships if r.secondary is not None)}
    changed = {key for key in written if state.attrs[key].history.has_changes()}
    return bool(changed) and changed <= ACTIVITY_COLUMNS


def _member_private(state) -> set[str] | None:
    """Rows only the member sees (their sign-in history): a wrong password moves no list."""
    user_id = state.dict.get("user_id")
    return {member_scope(user_id)} if user_id is not None else None


# Columns of a member that no cached page shows (the administrators' member list, which shows
# the last sign-in, is not cached). Every sign-in writes some of them; without this rule each
# sign-in moved the global scope and emptied every cached page and GeoJSON collection.
USER_PRIVATE = frozenset({"last_login_at", "totp_last_step", "session_token", "password_hash"})


def _user(state) -> set[str] | None:
    if state.identity is None:
        return None
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed and changed <= USER_PRIVATE:
        return {member_scope(state.identity[0])}
    return None  # a new member, a new name, role, organisation...: every page


def _case(state) -> set[str] | None:
    scopes = _case_owned(state, "id")
    if scopes is None:
        return None
    return scopes | (ACTIVITY_SHOWN if _only_activity(state) else CASE_NAMED)


def _follow(state) -> set[str] | None:
    scopes = _member_owned(state)
    target = state.dict.get("target")
    if scopes is not None and getattr(target, "value", target) == "case":
        key = state.dict.get("key")
        if key is None or not str(key).isdigit():
            return None
        scopes.add(case_scope(key))  # a follower count may show on the case's page
    return scopes


@cache
def rules() -> dict:
    from smartsociety.models import (
        Attachment,
        Case,
        CaseRevision,
        Comment,
        Follow,
        LoginSession,
        MailOutbox,
        Notification,
        User,
    )
    from smartsociety.models.sign_in import SignIn

    return {
        Case: _case,
        Comment: _case_owned,
        CaseRevision: _case_owned,
        Attachment: _case_owned,
        Notification: _member_owned,
        MailOutbox: _member_owned,
        Follow: _follow,
        SignIn: _member_private,
        LoginSession: _member_private,
        User: _user,
    }


def scopes_of(obj) -> set[str]:
    """The scopes a new, changed or deleted ORM object moves (GLOBAL when in doubt)."""
    rule = rules().get(type(obj))
    if rule is None:
        return {GLOBAL}
    try:
        scopes = rule(inspect(obj))
    except (KeyError, AttributeError):
        scopes = None
    return scopes or {GLOBAL}
