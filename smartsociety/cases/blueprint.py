"""The cases blueprint and what its routes share: the posting limit, loading a case or comment the
reader may see (404 otherwise), and rendering a case's page (its own route and a thread form
with errors). Routes: views.py (lists, a case, attachments, editors), discussion.py (the thread)."""
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from smartsociety import memberpage
from smartsociety.cases import fragments, sections
from smartsociety.cases.caserow import CaseRow
from smartsociety.cases.forms import CommentForm, LockForm
from smartsociety.cases.thread import Reader, build_thread, load_comments
from smartsociety.extensions import db, limiter
from smartsociety.ids import db_id
from smartsociety.models import Case, Comment, FollowTarget, User, utcnow
from smartsociety.permissions import can_accept_answer, can_comment, can_lock_thread, can_view_case

bp = Blueprint("cases", __name__)

def posting_limit() -> str:
    """Tighter for accounts younger than a day: new accounts are where spam comes from."""
    created = getattr(current_user, "created_at", None)
    young = created is None or created > utcnow() - timedelta(days=1)
    return current_app.config["POSTING_LIMIT_NEW_ACCOUNT" if young else "POSTING_LIMIT"]


def account_key() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{request.remote_addr}"


posting = limiter.shared_limit(
    posting_limit,
    scope="posting",
    key_func=account_key,
    methods=["POST"],
    # A preview stores nothing, so it does not use up the allowance.
    exempt_when=lambda: "preview" in request.form,
)


# Loading


def load_case(case_id: int, *extra) -> Case:
    case = db.session.scalar(
        sa.select(Case)
        .where(Case.id == case_id)
        .options(
            # One row each: joined into the case's own query instead of a query each.
            joinedload(Case.author).joinedload(User.organisation),
            joinedload(Case.organisation),
            selectinload(Case.tags),
            selectinload(Case.editor_links),
            *extra,
        )
    )
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return case


def comment_or_none(value) -> Comment | None:
    try:
        return db.session.get(Comment, db_id(value))
    except ValueError:
        return None


def load_comment(case: Case, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.case_id != case.id:
        abort(404, _("This comment does not exist."))
    return comment


def _comment_form_for_get(comments: list[Comment]) -> tuple[CommentForm, Comment | None]:
    """The reply form, prefilled from ?reply_to=<id> and &quote=1 (works without JavaScript);
    without those, the plain form's stand-in (fragments.PlainCommentForm)."""
    reply_to = request.args.get("reply_to", type=db_id)
    if not reply_to:
        return fragments.PlainCommentForm(CommentForm), None
    form = CommentForm()
    parent = next((c for c in comments if c.id == reply_to and not c.is_deleted), None)
    if parent is not None:
        form.parent_id.data = str(parent.id)
        if request.args.get("quote"):
            quoted = "\n".join("> " + line for line in parent.body.splitlines())
            form.body.data = quoted + "\n\n"
    return form, parent


@bp.url_value_preprocessor
def _declare_follow(endpoint, values):
    """The case page's follow button, declared before anything (the page cache, a hook, the
    view) loads the member: their follow of the case then comes with their row (memberpage)."""
    if endpoint == "cases.detail" and values:
        memberpage.want_follow(FollowTarget.CASE, values["case_id"])


def render_detail(case: Case, form=None, parent=None, preview_html=None, status=200):
    # The user itself, not the proxy: each predicate below would look it up again.
    user = current_user._get_current_object()
    member = user.is_authenticated
    # A CaseRow's author is a row (cases/caserow.py): the thread's authors then are rows too.
    comments, helpful = load_comments(case, user.id if member else None,
                                      plain=isinstance(case, CaseRow))
    # Forms only for who may use them: a form gives the reader a CSRF token and so a session,
    # and an anonymous reader's page without one can come from the page cache.
    if form is None and can_comment(user, case):
        form, parent = _comment_form_for_get(comments)
    accepted = next((c for c in comments if c.accepted_at and c.is_public), None)
    if member:
        memberpage.want_follow(FollowTarget.CASE, case.id)  # with the member's own rows
    reader = Reader(
        user=user if member else None,
        comment=can_comment(user, case), accept=can_accept_answer(user, case),
        detail_url=url_for("cases.detail", case_id=case.id), case_id=case.id)
    return render_template(
        "cases/detail.html",
        case=case,
        attachments=case.attachments,
        thread=build_thread(comments, current_app.config["COMMENT_MAX_DEPTH"]),
        accepted=accepted,
        helpful=helpful,
        reader=reader,
        comment_thread=fragments.comment_thread,
        thread_texts=fragments.thread_texts,
        comment_form=fragments.comment_form,
        form=form,
        parent=parent,
        preview_html=preview_html,
        lock_form=LockForm() if can_lock_thread(user, case) else None,
        **sections.CASE_PAGE.context(case, user),
    ), status
