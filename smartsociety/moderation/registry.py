"""Reportable item types: each says how to load, name, link, hide and restore its items.

Other features register their own types with `register(ReportableType(...))`.
"""
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import Amendment, Case, Comment, Rule, Solution, User, utcnow


@dataclass(frozen=True)
class ReportableType:
    name: str
    label: object
    model: type
    title: Callable[[object], str]
    url: Callable[[object], str]
    author: Callable[[object], User | None]
    is_hidden: Callable[[object], bool]
    hide: Callable[[object, str], None]
    restore: Callable[[object], None]
    delete: Callable[[object], None]
    edit_url: Callable[[object], str | None] = lambda item: None
    lockable: bool = False
    # Loader options applied when a page of items is loaded at once.
    load_options: tuple = ()

    def load(self, item_id: int):
        return db.session.get(self.model, item_id)

    def load_many(self, ids) -> dict:
        if not ids:
            return {}
        items = db.session.scalars(
            sa.select(self.model).where(self.model.id.in_(ids)).options(*self.load_options)
        )
        return {item.id: item for item in items}


TYPES: dict[str, ReportableType] = {}


def register(kind: ReportableType) -> None:
    TYPES[kind.name] = kind


def get(name: str) -> ReportableType | None:
    return TYPES.get(name)


def type_of(item) -> ReportableType | None:
    return next((kind for kind in TYPES.values() if isinstance(item, kind.model)), None)


def describe(item, target_type: str = "", label: str = "") -> tuple[str, int | None, str]:
    """(type name, id, title) for the audit log; unregistered objects name themselves."""
    kind = type_of(item)
    if kind is not None:
        return kind.name, item.id, label or kind.title(item)
    name = label or getattr(item, "title", None) or getattr(item, "name", None) or ""
    return target_type or type(item).__name__.lower(), getattr(item, "id", None), str(name)


def _set_hidden(item, reason: str | None) -> None:
    if reason is None:
        item.unhide()
    else:
        item.hide(reason)


# Solutions


register(ReportableType(
    name="solution",
    label=_l("Solution"),
    model=Solution,
    title=lambda solution: solution.name,
    url=lambda solution: url_for("solutions.detail", solution_id=solution.id),
    author=lambda solution: solution.author,
    is_hidden=lambda solution: solution.hidden_at is not None,
    hide=_set_hidden,
    restore=lambda solution: _set_hidden(solution, None),
    delete=lambda solution: db.session.delete(solution),
    edit_url=lambda solution: url_for("solutions.edit", solution_id=solution.id),
    load_options=(sa.orm.selectinload(Solution.author),),
))


# Cases


register(ReportableType(
    name="case",
    label=_l("Case"),
    model=Case,
    title=lambda case: case.title,
    url=lambda case: url_for("cases.detail", case_id=case.id),
    author=lambda case: case.author,
    is_hidden=lambda case: case.hidden_at is not None,
    hide=_set_hidden,
    restore=lambda case: _set_hidden(case, None),
    delete=lambda case: db.session.delete(case),
    edit_url=lambda case: url_for("cases.edit", case_id=case.id),
    lockable=True,
    load_options=(sa.orm.selectinload(Case.author),),
))


# Comments


def _recount(comment: Comment) -> None:
    from smartsociety.cases.services import recount_comments

    recount_comments(comment.case)


def _hide_comment(comment: Comment, reason: str) -> None:
    _set_hidden(comment, reason)
    _recount(comment)


def _restore_comment(comment: Comment) -> None:
    _set_hidden(comment, None)
    _recount(comment)


def _delete_comment(comment: Comment) -> None:
    case = comment.case
    db.session.delete(comment)
    db.session.flush()
    from smartsociety.cases.services import recount_comments

    recount_comments(case)


register(ReportableType(
    name="comment",
    label=_l("Comment"),
    model=Comment,
    title=lambda comment: (comment.body or "").strip().splitlines()[0][:120] if comment.body
    else "",
    url=lambda comment: url_for(
        "cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}"
    ),
    author=lambda comment: comment.author,
    is_hidden=lambda comment: comment.hidden_at is not None,
    hide=_hide_comment,
    restore=_restore_comment,
    delete=_delete_comment,
    edit_url=lambda comment: url_for(
        "cases.comment_edit", case_id=comment.case_id, comment_id=comment.id
    ),
    load_options=(sa.orm.selectinload(Comment.author), sa.orm.selectinload(Comment.case)),
))


# Amendments


def _amendment_url(amendment: Amendment) -> str:
    version = amendment.rule.version
    return url_for(
        "principles.version", slug=version.principle.slug, number=version.number,
        _anchor=f"amendment-{amendment.id}",
    )


register(ReportableType(
    name="amendment",
    label=_l("Amendment"),
    model=Amendment,
    title=lambda amendment: amendment.text[:120],
    url=_amendment_url,
    author=lambda amendment: amendment.author,
    is_hidden=lambda amendment: amendment.hidden_at is not None,
    hide=_set_hidden,
    restore=lambda amendment: _set_hidden(amendment, None),
    delete=lambda amendment: db.session.delete(amendment),
    load_options=(
        sa.orm.selectinload(Amendment.author),
        sa.orm.selectinload(Amendment.rule).selectinload(Rule.version),
    ),
))


# Profiles: hiding keeps the name (posts still need a byline) and hides job title and bio.


def _hide_profile(user: User, reason: str | None) -> None:
    user.profile_hidden_at = utcnow() if reason is not None else None
    user.profile_hidden_reason = reason


def _delete_profile(user: User) -> None:
    """Remove what the member wrote about themselves; the account and their posts remain."""
    user.job_title = ""
    user.bio = ""
    _hide_profile(user, None)


register(ReportableType(
    name="profile",
    label=_l("Profile"),
    model=User,
    title=lambda user: user.name,
    url=lambda user: url_for("accounts.profile", user_id=user.id),
    author=lambda user: user,
    is_hidden=lambda user: user.profile_hidden_at is not None,
    hide=_hide_profile,
    restore=lambda user: _hide_profile(user, None),
    delete=_delete_profile,
    edit_url=lambda user: url_for("accounts.edit_profile", user_id=user.id),
))
