"""A case's comments loaded and arranged for display: nested replies, flattened past a maximum
depth."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import instance_state

from smartsociety.cases.authors import BY_ID as AUTHORS_BY_ID
from smartsociety.cases.authors import author_from
from smartsociety.extensions import db
from smartsociety.models import Comment, CommentReaction, User

# What the page reads of a comment, as plain rows: turning fifty rows into ORM entities (identity
# map, instance state, a row processor per execution) was most of the thread's query's cost.
_TABLE = Comment.__table__
_FIELDS = ("id", "case_id", "author_id", "parent_id", "body", "body_html", "created_at",
           "edited_at", "deleted_at", "accepted_at", "helpful_count", "hidden_at",
           "hidden_reason")
# Built once per process (bound case id): SQLAlchemy then finds the compiled form by the object.
_COMMENTS = (sa.select(*(_TABLE.c[name] for name in _FIELDS))
             .where(_TABLE.c.case_id == sa.bindparam("case_id"))
             .order_by(_TABLE.c.created_at, _TABLE.c.id))
# For a member, whether they marked each comment helpful comes with it (was a query of its own).
_REACTIONS = CommentReaction.__table__
_COMMENTS_MARKED = _COMMENTS.add_columns(sa.exists().where(
    _REACTIONS.c.comment_id == _TABLE.c.id,
    _REACTIONS.c.user_id == sa.bindparam("user_id")).label("helpful"))
_AUTHORS = (sa.select(User).where(User.id.in_(sa.bindparam("ids", expanding=True)))
            .options(joinedload(User.organisation)))
# What a byline reads of an author; an author in the session without them is loaded again.
_BYLINE = ("organisation", "membership")


class ThreadComment:
    """A comment as the case page reads it: the columns of `_FIELDS`, its author (a `User`, an
    `AuthorRow` on an anonymous reader's page, or None) and its case, with `Comment`'s
    properties. Not an ORM entity: nothing here is written back, and the views that change a
    comment load the `Comment` itself.

    The permission predicates and moderation's registry ask `isinstance(item, Comment)` to find
    a comment's rules; `__class__` answers `Comment` so they apply the same rules to this row
    (tests/test_case_page_rows.py checks each predicate against the entity's answer)."""

    __slots__ = (*_FIELDS, "author", "case")

    def __init__(self, row, case):
        (self.id, self.case_id, self.author_id, self.parent_id, self.body, self.body_html,
         self.created_at, self.edited_at, self.deleted_at, self.accepted_at,
         self.helpful_count, self.hidden_at, self.hidden_reason) = row[:13]
        self.case = case
        self.author = None

    @property
    def __class__(self):
        return Comment

    is_hidden = property(Comment.is_hidden.fget)
    is_public = property(Comment.is_public.fget)
    is_deleted = property(Comment.is_deleted.fget)


def load_comments(case, user_id: int | None = None, plain: bool = False
                  ) -> tuple[list[ThreadComment], set[int]]:
    """Every comment of `case` in time order (removed ones too, as placeholders), each with its
    author (with organisation and membership, for the byline) and its case set, and the ids of
    those the member `user_id` marked helpful. Authors already in the session (the case's
    author, the reader) cost nothing; the others one query. `plain` (an anonymous reader's
    page, whose case is a `CaseRow`): the authors are rows (cases/authors.py), the case's
    author's its own and the others' from one query."""
    helpful: set[int] = set()
    if plain and user_id is None:
        # `.all()`: one fetchall of the driver, not a fetchone per row as iterating does.
        comments = [ThreadComment(row, case)
                    for row in db.session.execute(_COMMENTS, {"case_id": case.id}).all()]
        known = {case.author.id: case.author} if case.author is not None else {}
        missing = {c.author_id for c in comments if c.author_id is not None} - known.keys()
        if missing:
            for row in db.session.execute(AUTHORS_BY_ID, {"ids": sorted(missing)}):
                author_from(row, 0, known)
        for comment in comments:
            comment.author = known.get(comment.author_id)
        return comments, helpful
    if user_id is None:
        rows = db.session.execute(_COMMENTS, {"case_id": case.id}).all()
        comments = [ThreadComment(row, case) for row in rows]
    else:
        rows = db.session.execute(_COMMENTS_MARKED,
                                  {"case_id": case.id, "user_id": user_id}).all()
        comments = [ThreadComment(row, case) for row in rows]
        helpful = {row[0] for row in rows if row[13]}
    identity = db.session.identity_map
    authors: dict[int, User] = {}
    missing: set[int] = set()
    for comment in comments:
        author_id = comment.author_id
        if author_id is None or author_id in authors or author_id in missing:
            continue
        user = identity.get(db.session.identity_key(User, author_id))
        if user is not None and not instance_state(user).unloaded.intersection(_BYLINE):
            authors[author_id] = user
        else:
            missing.add(author_id)
    if missing:
        for user in db.session.scalars(_AUTHORS, {"ids": sorted(missing)}):
            authors[user.id] = user
    for comment in comments:
        comment.author = authors.get(comment.author_id)
    return comments, helpful


@dataclass
class Node:
    comment: Comment
    depth: int
    # Set when the reply is shown flattened, away from the comment it answers.
    reply_to: Comment | None = None
    children: list["Node"] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """What the reader may do with the whole thread, asked once per page instead of once per
    comment (the per-comment rights are asked only for a member)."""

    user: object | None  # the member, or None for an anonymous reader
    comment: bool  # may reply to and quote comments
    accept: bool  # may accept an answer
    detail_url: str  # the case's page, for the reply and quote links
    case_id: int = 0
    _patterns: dict = field(default_factory=dict, compare=False)

    @property
    def member(self) -> bool:
        return self.user is not None

    def comment_url(self, endpoint: str, comment_id: int) -> str:
        """url_for(endpoint, case_id=..., comment_id=...), the rule built once per page."""
        return self._url(endpoint, comment_id, case_id=self.case_id, comment_id=self._MARKER)

    def report_url(self, comment_id: int) -> str:
        """url_for("moderation.report", target_type="comment", target_id=...), likewise."""
        return self._url("moderation.report", comment_id, target_type="comment",
                         target_id=self._MARKER)

    _MARKER = 987654321  # no real id is this long in a test, and none is built with it

    def _url(self, endpoint: str, number: int, /, **values) -> str:
        pattern = self._patterns.get(endpoint)
        if pattern is None:
            from flask import url_for

            built = url_for(endpoint, **values)
            pattern = self._patterns[endpoint] = built.split(str(self._MARKER), 1)
        return f"{pattern[0]}{number}{pattern[1]}"


def build_thread(comments: list[Comment], max_depth: int) -> list[Node]:
    """Top-level nodes in time order; replies deeper than max_depth are listed flat under
    their ancestor at max_depth, each with a link to the comment it answers."""
    by_parent: dict[int | None, list[Comment]] = {}
    ids = {c.id for c in comments}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in ids else None
        by_parent.setdefault(parent, []).append(comment)

    def descendants(comment: Comment) -> list[Comment]:
        found = []
        for child in by_parent.get(comment.id, []):
            found.append(child)
            found.extend(descendants(child))
        return found

    by_id = {c.id: c for c in comments}

    def build(comment: Comment, depth: int) -> Node:
        node = Node(comment, depth)
        if depth < max_depth:
            node.children = [build(child, depth + 1) for child in by_parent.get(comment.id, [])]
        else:
            flat = sorted(descendants(comment), key=lambda c: (c.created_at, c.id))
            node.children = [
                Node(c, depth + 1, reply_to=by_id.get(c.parent_id))
                for c in flat
            ]
        return node

    return [build(comment, 1) for comment in by_parent.get(None, [])]
