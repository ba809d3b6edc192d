"""The organisation directory, detail pages, and verification and editing by moderators."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.models import Organisation, OrganisationKind
from smartsociety.organisations import services
from smartsociety.organisations.forms import OrganisationForm, OrganisationProfileForm, SearchForm
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.pagecache import cached_page
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_edit_organisation,
    can_edit_organisation_identity,
    can_verify_organisation,
    ensure,
)

bp = Blueprint("organisations", __name__)


def _get(slug: str) -> Organisation:
    return db.first_or_404(Organisation.by_name().where(Organisation.slug == slug))


@bp.get("/organisaties")
@cached_page
def index():
    """Organisations: the list, by kind."""
    form = SearchForm(request.args)
    valid = form.validate()
    kind = OrganisationKind(form.kind.data) if valid and form.kind.data else None
    query = form.q.data if valid else ""
    page = paginate(Organisation.directory(kind, query or ""))
    return render_template("organisations/index.html", form=form, page=page)


@bp.get("/organisaties/<slug>")
@cached_page
def detail(slug: str):
    """An organisation's page: members, cases, solutions and e-mail domains."""
    return render_detail(_get(slug))


def render_detail(organisation: Organisation, domain_form=None, status: int = 200):
    """The organisation page; `domain_form` brings back a refused domain with its error."""
    sections = ORGANISATION_PAGE.context(organisation, current_user)
    if domain_form is not None:
        sections["domain_form"] = domain_form
    return render_template("organisations/detail.html", organisation=organisation,
                           **sections), status


@bp.post("/organisaties/<slug>/verificatie")
@login_required
def set_verified(slug: str):
    """Verify an organisation, or withdraw its verification (moderators)."""
    organisation = _get(slug)
    ensure(can_verify_organisation(current_user, organisation))
    choice = request.form.get("verified")
    if choice not in ("0", "1"):
        abort(400)
    services.set_verified(organisation, choice == "1", actor=current_user)
    if organisation.is_verified:
        flash(_("%(name)s is now verified.", name=organisation.name), "success")
    else:
        flash(_("%(name)s is no longer verified.", name=organisation.name), "info")
    return redirect(url_for("organisations.detail", slug=organisation.slug))


@bp.route("/organisaties/<slug>/bewerken", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit an organisation's details."""
    organisation = _get(slug)
    ensure(can_edit_organisation(current_user, organisation))
    # Organisation administrators keep the profile; name, kind and CBS code stay with moderators.
    identity = can_edit_organisation_identity(current_user, organisation)
    form = (OrganisationForm if identity else OrganisationProfileForm)(obj=organisation)
    if request.method == "GET" and identity:
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        problems = services.conflicts(
            form.name.data, form.cbs_code.data, exclude=organisation
        ) if identity else {}
        for field, message in problems.items():
            getattr(form, field).errors.append(message)
        if not problems:
            services.update(
                organisation,
                name=form.name.data if identity else organisation.name,
                kind=form.kind.data if identity else organisation.kind.value,
                website=form.website.data,
                cbs_code=form.cbs_code.data if identity else organisation.cbs_code,
                description=form.description.data,
                actor=current_user,
                inhabitants=form.inhabitants.data,
            )
            flash(_("The organisation has been saved."), "success")
            return redirect(url_for("organisations.detail", slug=organisation.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/edit.html", form=form, organisation=organisation), status
