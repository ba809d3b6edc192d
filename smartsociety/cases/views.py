"""Cases: the lists, a case's page, its form and history, attachments and editors. The
discussion's routes are in discussion.py, on the same blueprint (blueprint.py): importing it here
registers them with it."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety import concurrency, diffs

# discussion adds its routes to bp: importing it here registers them with it.
from smartsociety.cases import discussion, page, services  # noqa: F401
from smartsociety.cases.blueprint import bp, load_case, posting, render_detail
from smartsociety.cases.cards import NOT_ON_CARDS
from smartsociety.cases.forms import CaseForm, EditorForm, FilterForm
from smartsociety.extensions import db
from smartsociety.fragments import cards_kept
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
    DilemmaStatus,
    OrganisationKind,
    Principle,
    ProjectStatus,
    Tag,
    Theme,
    User,
    shared_by_count,
)
from smartsociety.models.membership import speaks_for
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import CASE_LISTS, case_page_scopes
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_create_case,
    can_edit_case,
    can_manage_editors,
    can_view_case,
    ensure,
)
from smartsociety.viewcounts.services import counts_views

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
    case = load_case(case_id, selectinload(Case.revisions), selectinload(Case.attachments))
    ensure(can_edit_case(current_user, case))
    # From explicit data, never obj=case: with obj, a field left out of the POST (tags) took
    # the relationship itself as its value (a 500). Fields sent in the POST win, as always.
    form = CaseForm(data=_case_data(case))
    return _save_case(form, case)


def _case_data(case: Case) -> dict:
    data = case.snapshot()
    data["themes"] = [t.value for t in case.themes]
    return data


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
    case = load_case(case_id)
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
    case = load_case(case_id)
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
    case = load_case(case_id)
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
    case = load_case(case_id)
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
    case = load_case(case_id)
    ensure(can_manage_editors(current_user, case))
    services.revoke_edit(case, user_id)
    flash(_("Edit rights withdrawn."), "success")
    return redirect(url_for("cases.editors", case_id=case.id))
