"""A case's comments loaded and arranged for display: nested replies, flattened past a maximum
depth."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from smartsociety.extensions import db
from smartsociety.models import Comment, CommentReaction, User

# Built once per process (bound case id): SQLAlchemy then finds the compiled form by the object.
# No eager load: joining each comment's author, organisation and membership made every row
# four entities to process, most of them the same few authors again (a third of the thread's
# cost on PostgreSQL); `load_comments` sets each distinct author once instead.
_COMMENTS = (sa.select(Comment).where(Comment.case_id == sa.bindparam("case_id"))
             .order_by(Comment.created_at, Comment.id))
# For a member, whether they marked each comment helpful comes with it (was a query of its own).
_COMMENTS_MARKED = _COMMENTS.add_columns(sa.exists().where(
    CommentReaction.comment_id == Comment.id,
    CommentReaction.user_id == sa.bindparam("user_id")).label("helpful"))
_AUTHORS = (sa.select(User).where(User.id.in_(sa.bindparam("ids", expanding=True)))
            .options(joinedload(User.organisation)))
# What a byline reads of an author; an author in the session without them is loaded again.
_BYLINE = ("organisation", "membership")


def load_comments(case, user_id: int | None = None) -> tuple[list[Comment], set[int]]:
    """Every comment of `case` in time order (removed ones too, as placeholders), each with its
    author (with organisation and membership, for the byline) and its case set, and the ids of
    those the member `user_id` marked helpful. Authors already in the session (the case's
    author, the reader) cost nothing; the others one query."""
    helpful: set[int] = set()
    if user_id is None:
        comments = list(db.session.scalars(_COMMENTS, {"case_id": case.id}))
    else:
        comments = []
        for comment, marked in db.session.execute(
                _COMMENTS_MARKED, {"case_id": case.id, "user_id": user_id}):
            comments.append(comment)
            if marked:
                helpful.add(comment.id)
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
        set_committed_value(comment, "author", authors.get(comment.author_id))
        # The member's rights per comment ask the case (locked?).
        set_committed_value(comment, "case", case)
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
