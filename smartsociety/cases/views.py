"""Cases and their discussion threads: lists, pages, forms, history and thread actions."""
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from smartsociety import concurrency, diffs
from smartsociety.cases import page, sections, services
from smartsociety.cases.cards import NOT_ON_CARDS
from smartsociety.cases.forms import (
    CaseForm,
    CommentForm,
    EditorForm,
    FilterForm,
    LockForm,
)
from smartsociety.cases.thread import Reader, build_thread
from smartsociety.diffs import diff_html
from smartsociety.extensions import db, limiter
from smartsociety.fragments import cards_kept
from smartsociety.ids import db_id
from smartsociety.inputs import one_line
from smartsociety.labels import label, options
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Attachment,
    Case,
    CaseFilter,
    CaseKind,
    CasePrincipleLink,
    CaseRevision,
    Comment,
    DilemmaStatus,
    OrganisationKind,
    Principle,
    ProjectStatus,
    Tag,
    Theme,
    User,
    shared_by_count,
    utcnow,
)
from smartsociety.models.membership import speaks_for
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import CASE_LISTS, case_page_scopes
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_accept_answer,
    can_comment,
    can_create_case,
    can_delete_comment,
    can_edit_case,
    can_edit_comment,
    can_lock_thread,
    can_manage_editors,
    can_react,
    can_view_case,
    ensure,
    is_member,
)
from smartsociety.viewcounts.services import counts_views

bp = Blueprint("cases", __name__)

REVISION_LABELS = {
    "kind": _l("Kind"),
    "title": _l("Title"),
    "status": _l("Status"),
    "summary": _l("Summary"),
    "body": _l("Description"),
    "question": _l("The question"),
    "values_at_stake": _l("Interests or values that clash"),
    "tried": _l("What has been tried"),
    "legal_frame": _l("Legal frame, if known"),
    "themes": _l("Themes"),
    "tags": _l("Tags"),
    "language": _l("Language"),
}


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


def _load_case(case_id: int, *extra) -> Case:
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


def _comment_or_none(value) -> Comment | None:
    try:
        return db.session.get(Comment, db_id(value))
    except ValueError:
        return None


def _load_comment(case: Case, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.case_id != case.id:
        abort(404, _("This comment does not exist."))
    return comment


# Lists


def _list_page(filters_form: FilterForm, filters: CaseFilter, heading: str, **context):
    status = 200
    if not filters_form.validate():
        status = 400
        filters = CaseFilter()
    page = paginate(Case.filtered(filters, shown=not cards_kept()).options(NOT_ON_CARDS))
    return render_template(
        "cases/index.html", page=page, form=filters_form, heading=heading, **context
    ), status


def _filters_from(form: FilterForm, **fixed) -> CaseFilter:
    data = {
        "kind": CaseKind(form.kind.data) if form.kind.data else None,
        "theme": Theme(form.theme.data) if form.theme.data else None,
        "status": form.status.data or None,
        "organisation_kind": (
            OrganisationKind(form.organisation_kind.data) if form.organisation_kind.data else None
        ),
        "tag": form.tag.data or None,
        "language": form.language.data or None,
        "sort": form.sort.data or "newest",
        "extra": (
            [CasePrincipleLink.linked_to_principle_slug(form.principle.data)]
            if form.principle.data else []
        ) + ([shared_by_count() >= int(form.shared.data)] if form.shared.data else []),
    }
    data.update(fixed)
    return CaseFilter(**data)


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    form.principle.choices = options(
        [("", _("Any"))]
        + [(p.slug, f"{p.number}. {p.title}") for p in db.session.scalars(Principle.public())]
    )
    return form


def _safe_filters(form: FilterForm, **fixed) -> CaseFilter:
    try:
        return _filters_from(form, **fixed)
    except ValueError:
        return CaseFilter(**fixed)


@bp.get("/casussen")
@cached_page(scope=CASE_LISTS)
def index():
    """Cases: the list, filtered and sorted."""
    form = _filter_form()
    return _list_page(form, _safe_filters(form), _("Cases"))


@bp.get("/themas/<slug>")
@cached_page(scope=CASE_LISTS)
def theme(slug: str):
    """Cases of one theme."""
    try:
        chosen = Theme(slug)
    except ValueError:
        abort(404, _("There is no theme with this name."))
    form = _filter_form()
    return _list_page(form, _safe_filters(form, theme=chosen), None, theme=chosen)


@bp.get("/tags/<slug>")
@cached_page(scope=CASE_LISTS)
def tag(slug: str):
    """Cases with one tag."""
    chosen = db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
    if chosen is None:
        abort(404, _("There is no tag with this name."))
    form = _filter_form()
    return _list_page(form, _safe_filters(form, tag=chosen.slug), None, tag=chosen)


# One case


def _case_input(form: CaseForm) -> services.CaseInput:
    return services.CaseInput(
        kind=CaseKind(form.kind.data),
        status=form.status.data,
        title=form.title.data,
        summary=form.summary.data or "",
        body=form.body.data or "",
        language=form.language.data,
        themes=form.themes.data,
        tags=services.parse_tags(form.tags.data),
        question=form.question.data or "",
        values_at_stake=form.values_at_stake.data or "",
        tried=form.tried.data or "",
        legal_frame=form.legal_frame.data or "",
    )


def _upload(form: CaseForm):
    data = form.attachment.data
    return data if data and getattr(data, "filename", "") else None


KIND_STATUSES = {
    CaseKind.PROJECT.value: [s.value for s in ProjectStatus],
    CaseKind.DILEMMA.value: [s.value for s in DilemmaStatus],
}


def _form_page(form: CaseForm, case: Case | None, status: int = 200, **extra):
    """The case form again; a chosen file cannot come back, so the page names it instead."""
    upload = _upload(form) if form.is_submitted() else None
    return render_template(
        "cases/form.html", form=form, case=case, kind_statuses=KIND_STATUSES,
        attachment_to_choose_again=upload.filename if upload is not None else None, **extra,
    ), status


def _save_case(form: CaseForm, case: Case | None):
    """Shared by create and edit: preview, validate, store; returns a response."""
    opened = concurrency.opened_version(case) if case is not None else None
    if form.is_submitted() and form.preview.data:
        return _form_page(form, case, preview_html=render_markdown(form.body.data or ""),
                          edit_version=opened)
    if not form.validate_on_submit():
        return _form_page(form, case, 422 if form.is_submitted() else 200, edit_version=opened)
    if case is not None and not concurrency.claim(case, opened):
        return _case_conflict(form, case)
    try:
        if case is None:
            case = services.create_case(current_user, _case_input(form), _upload(form))
            flash(_("Your case has been published."), "success")
        else:
            services.edit_case(case, current_user, _case_input(form), _upload(form))
            flash(_("Your changes have been saved."), "success")
    except services.AttachmentRefused as refused:
        # The form again with what was typed (the 422 rolls the request back).
        form.attachment.errors = [str(refused)]
        return _form_page(form, case, 422, edit_version=opened)
    return redirect(url_for("cases.detail", case_id=case.id))


def _case_conflict(form: CaseForm, case: Case):
    """Someone saved the case since this form was opened: their version above, the typed
    text kept in the form."""
    saved = case.snapshot()
    fields = [(REVISION_LABELS[key], saved[key]) for key in
              ("title", "summary", "body", "question", "tags") if saved.get(key)]
    return _form_page(form, case, 409, edit_version=case.edit_version, edit_conflict=fields)


@bp.route("/casussen/nieuw", methods=["GET", "POST"])
@login_required
@posting
def new():
    """A new case (project or dilemma): form, preview and publish."""
    ensure(can_create_case(current_user))
    form = CaseForm()
    if not form.is_submitted():
        form.kind.data = request.args.get("soort") if request.args.get("soort") in (
            CaseKind.PROJECT.value, CaseKind.DILEMMA.value) else CaseKind.PROJECT.value
        form.status.data = "open" if form.kind.data == CaseKind.DILEMMA.value else "idea"
        form.language.data = "nl"
    return _save_case(form, None)


@bp.route("/casussen/<int:case_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    """Edit a case: form, preview and save."""
    case = _load_case(case_id, selectinload(Case.revisions), selectinload(Case.attachments))
    ensure(can_edit_case(current_user, case))
    # From explicit data, never obj=case: with obj, a field left out of the POST (tags) took
    # the relationship itself as its value (a 500). Fields sent in the POST win, as always.
    form = CaseForm(data=_case_data(case))
    return _save_case(form, case)


def _case_data(case: Case) -> dict:
    data = case.snapshot()
    data["themes"] = [t.value for t in case.themes]
    return data


def _comment_form_for_get(comments: list[Comment]) -> tuple[CommentForm, Comment | None]:
    """The reply form, prefilled from ?reply_to=<id> and &quote=1 (works without JavaScript)."""
    form = CommentForm()
    parent = None
    reply_to = request.args.get("reply_to", type=db_id)
    if reply_to:
        parent = next((c for c in comments if c.id == reply_to and not c.is_deleted), None)
    if parent is not None:
        form.parent_id.data = str(parent.id)
        if request.args.get("quote"):
            quoted = "\n".join("> " + line for line in parent.body.splitlines())
            form.body.data = quoted + "\n\n"
    return form, parent


def render_detail(case: Case, form=None, parent=None, preview_html=None, status=200):
    comments = list(db.session.scalars(Comment.for_thread(case.id)))
    # Forms only for who may use them: a form gives the reader a CSRF token and so a session,
    # and an anonymous reader's page without one can come from the page cache.
    if form is None and can_comment(current_user, case):
        form, parent = _comment_form_for_get(comments)
    accepted = next((c for c in comments if c.accepted_at and c.is_public), None)
    reader = Reader(
        user=current_user._get_current_object() if current_user.is_authenticated else None,
        comment=can_comment(current_user, case), accept=can_accept_answer(current_user, case),
        detail_url=url_for("cases.detail", case_id=case.id), case_id=case.id)
    return render_template(
        "cases/detail.html",
        case=case,
        attachments=case.attachments,
        thread=build_thread(comments, current_app.config["COMMENT_MAX_DEPTH"]),
        accepted=accepted,
        helpful=services.helpful_ids(current_user, case),
        reader=reader,
        form=form,
        parent=parent,
        preview_html=preview_html,
        lock_form=LockForm() if can_lock_thread(current_user, case) else None,
        **sections.CASE_PAGE.context(case, current_user),
    ), status


@bp.get("/casussen/<int:case_id>")
@counts_views("case", "case_id")
@cached_page(scope=lambda case_id: case_page_scopes(case_id))
def detail(case_id: int):
    """A case's page with its discussion."""
    case = page.load_case(case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return render_detail(case)


def _readable(data: dict) -> dict:
    """Stored codes (kind, status, language, themes) as the reader's display names."""
    shown = dict(data)
    for key in ("kind", "status", "language"):
        if shown.get(key):
            shown[key] = label(shown[key])
    if shown.get("themes"):
        shown["themes"] = ", ".join(label(v.strip()) for v in shown["themes"].split(","))
    return shown


@bp.get("/casussen/<int:case_id>/geschiedenis")
def history(case_id: int):
    """A case's revisions, with what changed."""
    case = _load_case(case_id)
    revisions = list(
        db.session.scalars(
            sa.select(CaseRevision)
            .where(CaseRevision.case_id == case.id)
            .options(selectinload(CaseRevision.editor).selectinload(User.organisation))
            .order_by(CaseRevision.id.desc())
        )
    )
    labels = {key: str(text) for key, text in REVISION_LABELS.items()}
    entries = diffs.history(revisions, labels, _readable)
    return render_template("cases/history.html", case=case, entries=entries)


# Attachments


@bp.get("/casussen/<int:case_id>/bijlagen/<int:attachment_id>")
def attachment(case_id: int, attachment_id: int):
    """Download an attachment of a case."""
    case = _load_case(case_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    path = services.attachment_path(item)
    if not path.is_file():
        abort(404)
    # Names stored before control characters were removed at input must not reach the header.
    return send_file(
        path, mimetype=item.content_type, as_attachment=True,
        download_name=one_line(item.filename) or "bijlage",
    )


@bp.post("/casussen/<int:case_id>/bijlagen/<int:attachment_id>/verwijderen")
@login_required
def attachment_delete(case_id: int, attachment_id: int):
    """Remove an attachment from a case."""
    case = _load_case(case_id)
    ensure(can_edit_case(current_user, case))
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    services.remove_attachment(item)
    flash(_("The attachment has been removed."), "success")
    return redirect(url_for("cases.edit", case_id=case.id))


# Editors


@bp.route("/casussen/<int:case_id>/bewerkers", methods=["GET", "POST"])
@login_required
def editors(case_id: int):
    """Editors of a case: list, invite and remove."""
    case = _load_case(case_id)
    ensure(can_manage_editors(current_user, case))
    colleagues = list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == case.organisation_id, User.id != case.author_id,
                   speaks_for(User.id, User.organisation_id))  # verified colleagues only
            .order_by(User.name)
        )
    )
    form = EditorForm()
    form.user_id.choices = options(
        [(u.id, u.name) for u in colleagues if u.id not in case.editor_ids]
    )
    if form.validate_on_submit():
        services.grant_edit(case, db.session.get(User, form.user_id.data), current_user)
        flash(_("Edit rights given."), "success")
        return redirect(url_for("cases.editors", case_id=case.id))
    status = 422 if form.is_submitted() else 200
    current = [u for u in colleagues if u.id in case.editor_ids]
    return render_template("cases/editors.html", case=case, form=form, editors=current), status


@bp.post("/casussen/<int:case_id>/bewerkers/<int:user_id>/verwijderen")
@login_required
def editor_remove(case_id: int, user_id: int):
    """Withdraw a colleague's edit rights on a case."""
    case = _load_case(case_id)
    ensure(can_manage_editors(current_user, case))
    services.revoke_edit(case, user_id)
    flash(_("Edit rights withdrawn."), "success")
    return redirect(url_for("cases.editors", case_id=case.id))


# Thread


@bp.post("/casussen/<int:case_id>/reacties")
@login_required
@posting
def comment_add(case_id: int):
    """Post a comment or reply on a case (or preview it)."""
    case = _load_case(case_id, selectinload(Case.attachments))
    services.ensure_open(case)
    ensure(can_comment(current_user, case))
    form = CommentForm()
    parent = None
    if form.parent_id.data and str(form.parent_id.data).isdigit():
        parent = _comment_or_none(form.parent_id.data)
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
    case = _load_case(case_id)
    comment = _load_comment(case, comment_id)
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
    case = _load_case(case_id)
    comment = _load_comment(case, comment_id)
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
    case = _load_case(case_id)
    comment = _load_comment(case, comment_id)
    ensure(can_delete_comment(current_user, comment))
    services.delete_comment(comment, current_user)
    flash(_("The comment has been removed."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))


@bp.post("/casussen/<int:case_id>/reacties/<int:comment_id>/nuttig")
@login_required
def comment_helpful(case_id: int, comment_id: int):
    """Mark or unmark a comment as helpful."""
    case = _load_case(case_id)
    comment = _load_comment(case, comment_id)
    ensure(can_react(current_user, comment))
    services.toggle_helpful(comment, current_user)
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}"))


@bp.post("/casussen/<int:case_id>/reacties/<int:comment_id>/accepteren")
@login_required
def accept(case_id: int, comment_id: int):
    """Accept a comment as the answer to a dilemma."""
    case = _load_case(case_id)
    comment = _load_comment(case, comment_id)
    ensure(can_accept_answer(current_user, case))
    services.accept_answer(case, comment, current_user)
    flash(_("The answer has been accepted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="accepted-answer"))


@bp.post("/casussen/<int:case_id>/antwoord-intrekken")
@login_required
def unaccept(case_id: int):
    """Withdraw the accepted answer of a dilemma."""
    case = _load_case(case_id)
    ensure(can_accept_answer(current_user, case))
    services.unaccept_answer(case, current_user)
    flash(_("The answer is no longer marked as accepted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="discussion"))


@bp.post("/casussen/<int:case_id>/vergrendelen")
@login_required
def lock(case_id: int):
    """Lock a case's discussion (moderators), with a reason."""
    case = _load_case(case_id, selectinload(Case.attachments))
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
    case = _load_case(case_id)
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
