"""What cases add to other features: search document types, reportable types and the home
page's recently active cases."""
import functools

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from smartsociety.cases import documents
from smartsociety.cases.cards import CARD_FLAGS, NOT_ON_CARDS, load_case_cards
from smartsociety.cases.homecards import card_rows, card_select, kept_cards
from smartsociety.cases.services import recount_comments
from smartsociety.extensions import db
from smartsociety.fragments import cached_cards, cached_fragment, cards_kept
from smartsociety.main.sections import HOME_PAGE
from smartsociety.models import Case, CaseFilter, Comment, EventKind
from smartsociety.moderation.registry import ReportableType
from smartsociety.moderation.registry import register as register_reportable
from smartsociety.notify.registry import register_event
from smartsociety.sections import Section


def _hide_comment(comment: Comment, reason: str) -> None:
    comment.hide(reason)
    recount_comments(comment.case)


def _restore_comment(comment: Comment) -> None:
    comment.unhide()
    recount_comments(comment.case)


def _delete_comment(comment: Comment) -> None:
    case = comment.case
    db.session.delete(comment)
    db.session.flush()
    recount_comments(case)


def _home(_subject, _user) -> dict:
    if cards_kept():  # most cards come from the store: loaded only for the others
        return {"recent_cases": db.session.scalars(_recent().options(NOT_ON_CARDS)).all()}
    flags = tuple(CARD_FLAGS.items())
    return {"recent_cases": card_rows(_recent_cards(flags), tuple(dict(flags))),
            "recent_cards_plain": True}


@functools.cache
def _recent() -> sa.Select:
    # Home asks the same on every page: built once per process.
    return Case.filtered(CaseFilter(sort="active"), shown=False).limit(5)


@functools.cache
def _recent_cards(flags: tuple) -> sa.Select:
    # Per set of flags features registered: the columns the cards show, as plain rows.
    return card_select(_recent(), dict(flags))


def register(app: Flask) -> None:
    register_event(EventKind.REPLY, _l("A reply to you"))
    register_event(EventKind.COMMENT, _l("A comment on something you follow"))
    register_event(EventKind.NEW_CASE, _l("A new case in something you follow"))
    register_event(EventKind.ANSWER_ACCEPTED, _l("An accepted answer"))
    register_event(EventKind.MENTION, _l("A mention of you"))
    documents.register()
    HOME_PAGE.register(Section("cases", "cases/_home_section.html", 20, context=_home))
    for helper in (cached_cards, cached_fragment, load_case_cards, kept_cards):  # the case lists' cards
        app.add_template_global(helper)
    register_reportable(ReportableType(
        name="case",
        label=_l("Case"),
        model=Case,
        title=lambda case: case.title,
        url=lambda case: url_for("cases.detail", case_id=case.id),
        author=lambda case: case.author,
        edit_url=lambda case: url_for("cases.edit", case_id=case.id),
        lockable=True,
        load_options=(sa.orm.selectinload(Case.author),),
    ))
    register_reportable(ReportableType(
        name="comment",
        label=_l("Comment"),
        model=Comment,
        title=lambda comment: (comment.body or "").strip().splitlines()[0][:120] if comment.body
        else "",
        url=lambda comment: url_for(
            "cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}"
        ),
        author=lambda comment: comment.author,
        hide=_hide_comment,
        restore=_restore_comment,
        delete=_delete_comment,
        edit_url=lambda comment: url_for(
            "cases.comment_edit", case_id=comment.case_id, comment_id=comment.id
        ),
        load_options=(sa.orm.selectinload(Comment.author), sa.orm.selectinload(Comment.case)),
    ))
