"""Solution categories and certifications (lists moderators keep), the application landscape
of a gemeente, the side-by-side comparison and the requirements of a case."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.labels import LABELS, options
from smartsociety.landscape import facets, services
from smartsociety.landscape.forms import (
    CategoryForm,
    CertificationForm,
    InhabitantsForm,
    RequirementForm,
)
from smartsociety.models import (
    Case,
    Certification,
    OpenStandard,
    Organisation,
    RequirementKind,
    SizeClass,
    SolutionCategory,
)
from smartsociety.pagecache import cached_page
from smartsociety.permissions import (
    can_edit_requirements,
    can_manage_procurement_lists,
    can_set_gemeente_size,
    can_view_case,
    ensure,
)

bp = Blueprint("landscape", __name__)

# The self-evaluation's peer groups (Organisation.size_class), and None for "not known".
SIZE_ORDER = (*SizeClass, None)
SIZE_LABELS = {**{size: LABELS[size] for size in SizeClass}, None: _l("size not known")}


def _list_page(model, form, add, template: str, endpoint: str, added: str):
    if form.is_submitted():
        if not current_user.is_authenticated:
            abort(401)
        ensure(can_manage_procurement_lists(current_user))
        if form.validate():
            try:
                add(form)
            except services.Refused as refusal:  # the 422 keeps nothing of it
                form.name.errors.append(str(refusal))
            else:
                flash(added, "success")
                return redirect(url_for(endpoint))
    items = list(db.session.scalars(model.by_name()))
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, items=items), status


@bp.route("/oplossingen/categorieen", methods=["GET", "POST"])
def categories():
    """Solution categories: the list; moderators add one."""
    return _list_page(
        SolutionCategory, CategoryForm(),
        lambda f: services.add_category(f.name.data, f.description.data or "", current_user),
        "landscape/categories.html", "landscape.categories", _("The category has been added."))


@bp.route("/certificeringen", methods=["GET", "POST"])
def certifications():
    """Certifications: the list; moderators add one."""
    return _list_page(
        Certification, CertificationForm(),
        lambda f: services.add_certification(f.name.data, current_user),
        "landscape/certifications.html", "landscape.certifications",
        _("The certification has been added."))


@bp.get("/oplossingen/categorieen/<slug>")
@cached_page
def category(slug: str):
    """One solution category: its solutions and which gemeenten use them."""
    found = db.session.scalar(sa.select(SolutionCategory).where(SolutionCategory.slug == slug))
    if found is None:
        abort(404, _("There is no solution category with this name."))
    return render_template("landscape/category.html", category=found,
                           solutions=services.category_solutions(found))


def _organisation(slug: str) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if found is None:
        abort(404, _("This organisation does not exist."))
    return found


@bp.get("/organisaties/<slug>/applicatielandschap")
def landscape(slug: str):
    """A gemeente's application landscape: the solutions it uses, by category."""
    organisation = _organisation(slug)
    if not organisation.is_gemeente:
        abort(404, _("Only gemeenten have an application landscape."))
    return _landscape_page(organisation, None)


def _landscape_page(organisation, form, status=200):
    number = organisation.inhabitants
    if form is None and can_set_gemeente_size(current_user, organisation):
        form = InhabitantsForm(data={"inhabitants": number})
    return render_template(
        "landscape/landscape.html", organisation=organisation,
        groups=services.landscape(organisation), inhabitants=number,
        size=organisation.size_class, form=form, size_labels=SIZE_LABELS,
    ), status


@bp.post("/organisaties/<slug>/inwoners")
@login_required
def set_inhabitants(slug: str):
    """Set a gemeente's number of inhabitants."""
    organisation = _organisation(slug)
    if not organisation.is_gemeente:
        abort(404, _("Only gemeenten have an application landscape."))
    ensure(can_set_gemeente_size(current_user, organisation))
    form = InhabitantsForm()
    if not form.validate_on_submit():
        return _landscape_page(organisation, form, 422)
    services.set_inhabitants(organisation, form.inhabitants.data)
    flash(_("The number of inhabitants has been saved."), "success")
    return redirect(url_for("landscape.landscape", slug=organisation.slug))


@bp.get("/oplossingen/vergelijken")
def compare():
    """Two to four solutions side by side (also printable)."""
    raw = request.args.getlist("id")[:10]
    if not all(value.isdigit() and len(value) < 10 for value in raw):
        abort(400, _("The solutions to compare could not be read."))
    rows = services.comparison([int(value) for value in raw])
    template = "landscape/compare_print.html" if request.args.get("afdruk") else \
        "landscape/compare.html"
    return render_template(template, rows=rows, sizes=SIZE_ORDER, size_labels=SIZE_LABELS,
                           ids=raw)


# Case requirements


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return case


def _requirement_form() -> RequirementForm:
    form = RequirementForm()
    form.target.choices = options(
        [("", "—")]
        + [(f"standard:{s.id}", s.name) for s in db.session.scalars(OpenStandard.by_name())]
        + [(f"certification:{c.id}", c.name) for c in db.session.scalars(Certification.by_name())]
    )
    return form


@bp.route("/casussen/<int:case_id>/eisen", methods=["GET", "POST"])
@login_required
def requirements(case_id: int):
    """A case's requirements (standards, certifications): list and add."""
    case = _case(case_id)
    ensure(can_edit_requirements(current_user, case))
    form = _requirement_form()
    status = 200
    if form.validate_on_submit():
        kind = RequirementKind(form.kind.data)
        prefix, _sep, target = (form.target.data or "").partition(":")
        wanted = {RequirementKind.STANDARD: "standard",
                  RequirementKind.CERTIFICATION: "certification"}.get(kind)
        target_id = int(target) if wanted and prefix == wanted and target.isdigit() else None
        try:
            services.add_requirement(case, kind, target_id, current_user)
        except services.Refused as refusal:  # the form again, with what was chosen
            form.target.errors = [str(refusal)]
            status = refusal.status if refusal.status != 409 else 409
        else:
            flash(_("The requirement has been added."), "success")
            return redirect(url_for("landscape.requirements", case_id=case.id))
    elif form.is_submitted():
        status = 422
    return render_template("landscape/requirements.html", case=case, form=form,
                           items=services.requirements_of(case)), status


@bp.post("/casussen/<int:case_id>/eisen/<int:requirement_id>/verwijderen")
@login_required
def requirement_remove(case_id: int, requirement_id: int):
    """Remove a requirement from a case."""
    case = _case(case_id)
    ensure(can_edit_requirements(current_user, case))
    try:
        services.remove_requirement(case, requirement_id)
    except LookupError:
        abort(404, _("This requirement does not exist."))
    flash(_("The requirement has been removed."), "success")
    return redirect(url_for("landscape.requirements", case_id=case.id))


@bp.app_template_global()
def requirement_section(case: Case, offers, suggested) -> dict:
    # Offered solutions as ORM objects, suggested ones as rows: both have an id and a name.
    solutions = [offer.solution for offer in offers] + list(suggested)
    return services.requirement_matches(case, solutions)


@bp.app_template_filter("decimal1")
def decimal1(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value, format="0.0") if value is not None else ""


@bp.app_template_filter("grouped_number")
def grouped_number(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value) if value is not None else ""


bp.add_app_template_global(services.landscape, "gemeente_landscape")
bp.add_app_template_global(facets.facet_groups, "facet_groups")
bp.add_app_template_global(facets.facet_label, "facet_label")
bp.add_app_template_global(facets.names_version, "facet_names_version")
