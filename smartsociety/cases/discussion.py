"""A case's discussion: comments, replies, edits and their history, helpful marks, the accepted
answer, locking, and the live preview."""

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from smartsociety import concurrency
from smartsociety.cases import services
from smartsociety.cases.blueprint import (
    bp,
    comment_or_none,
    load_case,
    load_comment,
    posting,
    render_detail,
)
from smartsociety.cases.forms import CommentForm, LockForm
from smartsociety.diffs import diff_html
from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import Case
from smartsociety.permissions import (
    can_accept_answer,
    can_comment,
    can_delete_comment,
    can_edit_comment,
    can_lock_thread,
    can_react,
    can_view_case,
    ensure,
    is_member,
)


def _case_to_comment_on(case_id: int) -> Case:
    """The case with what posting a comment reads of it (its own row, its themes and tags for
    the followers to notify) in one query, instead of the page's loader with its author,
    organisations, editors and attachments (five queries): a preview or a form with errors,
    which shows the page again, loads the rest as it needs it."""
    case = db.session.scalars(_COMMENT_CASE, {"case_id": case_id}).unique().one_or_none()
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return case


# Joined: a case has one to three themes and a few tags, fewer rows than a query each costs.
_COMMENT_CASE = (sa.select(Case).where(Case.id == sa.bindparam("case_id"))
                 .options(joinedload(Case.theme_links), joinedload(Case.tags)))


@bp.post("/casussen/<int:case_id>/reacties")
@login_required
@posting
def comment_add(case_id: int):
    """Post a comment or reply on a case (or preview it)."""
    case = _case_to_comment_on(case_id)
    services.ensure_open(case)
    ensure(can_comment(current_user, case))
    form = CommentForm()
    parent = None
    if form.parent_id.data and str(form.parent_id.data).isdigit():
        parent = comment_or_none(form.parent_id.data)
        if parent is None or parent.case_id != case.id or parent.is_deleted:
            form.parent_id.errors = [_("This reply refers to an unknown comment.")]
            return render_detail(case, form, None, status=422)
    if form.preview.data:
        return render_detail(case, form, parent, preview_html=render_markdown(form.body.data))
    if not form.validate_on_submit():
        return render_detail(case, form, parent, status=422)
    comment = services.add_comment(case, current_user, form.body.data, parent)
    flash(_("Your comment has been posted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))


@bp.route("/casussen/<int:case_id>/reacties/<int:comment_id>/bewerken", methods=["GET", "POST"])
@login_required
def comment_edit(case_id: int, comment_id: int):
    """Edit one's own comment."""
    case = load_case(case_id)
    comment = load_comment(case, comment_id)
    ensure(can_edit_comment(current_user, comment))
    form = CommentForm(data={"body": comment.body})
    form.submit.label.text = _("Save")
    preview_html = None
    opened = concurrency.opened_version(comment)
    if form.is_submitted() and form.preview.data:
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        if not concurrency.claim(comment, opened):
            return render_template(
                "cases/comment_edit.html", case=case, comment=comment, form=form,
                edit_version=comment.edit_version,
                edit_conflict=[(_("Your comment"), comment.body)],
            ), 409
        services.edit_comment(comment, current_user, form.body.data)
        flash(_("Your comment has been changed."), "success")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))
    status = 422 if form.is_submitted() and preview_html is None else 200
    return render_template(
        "cases/comment_edit.html", case=case, comment=comment, form=form,
        preview_html=preview_html, edit_version=opened,
    ), status


@bp.get("/casussen/<int:case_id>/reacties/<int:comment_id>/geschiedenis")
def comment_history(case_id: int, comment_id: int):
    """A comment's earlier versions."""
    case = load_case(case_id)
    comment = load_comment(case, comment_id)
    if not comment.is_public:
        abort(404, _("This comment has been removed."))
    versions = [(rev.written_at, rev.body) for rev in comment.revisions]
    versions.append((comment.edited_at or comment.created_at, comment.body))
    changes = [
        (when, diff_html(versions[i - 1][1] if i else "", body))
        for i, (when, body) in enumerate(versions)
    ]
    return render_template(
        "cases/comment_history.html", case=case, comment=comment, changes=list(reversed(changes))
    )


@bp.post("/casussen/<int:case_id>/reacties/<int:comment_id>/verwijderen")
@login_required
def comment_delete(case_id: int, comment_id: int):
    """Remove a comment (a placeholder stays)."""
    case = load_case(case_id)
    comment = load_comment(case, comment_id)
    ensure(can_delete_comment(current_user, comment))
    services.delete_comment(comment, current_user)
    flash(_("The comment has been removed."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))


@bp.post("/casussen/<int:case_id>/reacties/<int:comment_id>/nuttig")
@login_required
def comment_helpful(case_id: int, comment_id: int):
    """Mark or unmark a comment as helpful."""
    case = load_case(case_id)
    comment = load_comment(case, comment_id)
    ensure(can_react(current_user, comment))
    services.toggle_helpful(comment, current_user)
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))


@bp.post("/casussen/<int:case_id>/reacties/<int:comment_id>/accepteren")
@login_required
def accept(case_id: int, comment_id: int):
    """Accept a comment as the answer to a dilemma."""
    case = load_case(case_id)
    comment = load_comment(case, comment_id)
    ensure(can_accept_answer(current_user, case))
    services.accept_answer(case, comment, current_user)
    flash(_("The answer has been accepted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="accepted-answer"))


@bp.post("/casussen/<int:case_id>/antwoord-intrekken")
@login_required
def unaccept(case_id: int):
    """Withdraw the accepted answer of a dilemma."""
    case = load_case(case_id)
    ensure(can_accept_answer(current_user, case))
    services.unaccept_answer(case, current_user)
    flash(_("The answer is no longer marked as accepted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="discussion"))


@bp.post("/casussen/<int:case_id>/vergrendelen")
@login_required
def lock(case_id: int):
    """Lock a case's discussion (moderators), with a reason."""
    case = load_case(case_id, selectinload(Case.attachments))
    ensure(can_lock_thread(current_user, case))
    form = LockForm()
    if not form.validate_on_submit():
        return render_template("cases/lock.html", case=case, lock_form=form), 422
    services.lock_thread(case, current_user, form.reason.data)
    flash(_("The discussion has been locked."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="discussion"))


@bp.post("/casussen/<int:case_id>/ontgrendelen")
@login_required
def unlock(case_id: int):
    """Unlock a case's discussion."""
    case = load_case(case_id)
    ensure(can_lock_thread(current_user, case))
    services.unlock_thread(case, current_user)
    flash(_("The discussion has been unlocked."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="discussion"))


# Live preview


@bp.post("/api/preview")
def preview():
    """Live preview: Markdown in, HTML out (JSON)."""
    if not is_member(current_user):
        abort(401)
    data = request.get_json(silent=True)
    # Any JSON may arrive ([1], "x", deeply nested): only an object has a "text".
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        abort(400, _("Send the text to preview as JSON: {\"text\": \"...\"}."))
    if len(text) > current_app.config["CASE_BODY_MAX_LENGTH"]:
        abort(413)
    return jsonify(html=render_markdown(text))
