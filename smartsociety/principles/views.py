"""Principles library: reading versions and their lifecycle (draft, consultation, adoption).
The consultation's routes are in consultation.py, links to cases in linking.py: all on one
blueprint (blueprint.py), imported here so that registering `bp` registers them."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety import concurrency
from smartsociety.diffs import diff_fields
from smartsociety.extensions import db
from smartsociety.ids import db_id
from smartsociety.models import Principle, PrincipleVersion
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import PRINCIPLES
from smartsociety.permissions import can_manage_principles, can_view_principle_version, ensure

# consultation and linking add their routes to bp: importing them here registers them with it.
from smartsociety.principles import consultation, linking, services  # noqa: F401
from smartsociety.principles.blueprint import (
    bp,
    display_version,
    principle_or_404,
    render_version,
    version_or_404,
)
from smartsociety.principles.forms import AdoptForm, PrincipleForm
from smartsociety.refusals import Refused


@bp.get("/")
@cached_page(scope=PRINCIPLES)
def index():
    """The principles library: every public principle with its current version."""
    select = Principle.by_number() if can_manage_principles(current_user) else Principle.public()
    principles = db.session.scalars(select.options(selectinload(Principle.versions))).all()
    return render_template("principles/index.html", principles=principles)


@bp.get("/afdrukken")
def print_view():
    """All principles on one printable page."""
    versions = db.session.scalars(
        PrincipleVersion.adopted().options(
            selectinload(PrincipleVersion.rules), selectinload(PrincipleVersion.principle)
        )
    ).all()
    return render_template("principles/print.html", versions=versions)


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """A new principle (moderators): form and first draft."""
    ensure(can_manage_principles(current_user))
    form = PrincipleForm()
    if form.validate_on_submit():
        principle = services.create_principle(
            current_user,
            title=form.title.data,
            statement=form.statement.data,
            explanation=form.explanation.data or "",
            rules=form.rule_texts,
        )
        flash(_("The principle was created as a draft."), "success")
        return redirect(url_for(".detail", slug=principle.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, version=None), status


@bp.get("/<slug>")
@cached_page(scope=PRINCIPLES)
def detail(slug: str):
    """A principle's page, showing its current version."""
    principle = principle_or_404(slug)
    return render_version(display_version(principle))


@bp.get("/<slug>/versie/<int:number>")
@cached_page(scope=PRINCIPLES)
def version(slug: str, number: int):
    """One version of a principle, with its rules, votes and amendments."""
    return render_version(version_or_404(principle_or_404(slug), number))


@bp.get("/<slug>/vergelijken")
def compare(slug: str):
    """Two versions of a principle side by side, with what changed."""
    principle = principle_or_404(slug)
    visible = [v for v in principle.versions if can_view_principle_version(current_user, v)]
    if not visible:
        abort(404)
    new = version_or_404(principle, request.args.get("naar", visible[-1].number, type=db_id))
    default_old = next((v.number for v in reversed(visible) if v.number < new.number), new.number)
    old = version_or_404(principle, request.args.get("van", default_old, type=db_id))
    labels = {
        "title": _("Title"),
        "statement": _("Statement"),
        "explanation": _("Explanation"),
        "rules": _("Rules"),
    }
    return render_template(
        "principles/diff.html",
        principle=principle,
        versions=visible,
        old=old,
        new=new,
        diffs=diff_fields(old.snapshot(), new.snapshot(), labels),
    )


@bp.route("/<slug>/versie/<int:number>/bewerken", methods=["GET", "POST"])
@login_required
def edit(slug: str, number: int):
    """Edit a draft version of a principle."""
    ensure(can_manage_principles(current_user))
    version = version_or_404(principle_or_404(slug), number)
    # Explicit data, never obj= as well: WTForms lets obj= win over keywords, which filled the
    # rules box with the Rule objects' reprs and saving that replaced every rule with one line.
    form = PrincipleForm(data={
        "title": version.title,
        "statement": version.statement,
        "explanation": version.explanation,
        "rules": "\n".join(rule.text for rule in version.rules),
    })
    if not form.is_submitted() and not version.is_draft:
        raise Refused(_("Only a draft can be edited; adopted text is frozen."))
    opened = concurrency.opened_version(version)
    if form.validate_on_submit():
        if not concurrency.claim(version, opened):
            return _draft_conflict(form, version)
        try:
            services.update_draft(
                version,
                title=form.title.data,
                statement=form.statement.data,
                explanation=form.explanation.data or "",
                rules=form.rule_texts,
                actor=current_user,
            )
        except Refused as error:
            # E.g. consultation was opened meanwhile: show the refusal with their text intact.
            return _form_conflict("principles/form.html", form, version, error)
        flash(_("The draft was saved."), "success")
        return redirect(url_for(".version", slug=slug, number=number))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, version=version,
                           edit_version=opened), status


def _draft_conflict(form, version):
    """Someone saved the draft since this form was opened (concurrency.py)."""
    saved = [(_("Title"), version.title), (_("Statement"), version.statement),
             (_("Explanation"), version.explanation),
             (_("Rules"), "\n".join(rule.text for rule in version.rules))]
    return render_template("principles/form.html", form=form, version=version,
                           edit_version=version.edit_version,
                           edit_conflict=[f for f in saved if f[1]]), 409


def _form_conflict(template: str, form, version, error: Refused):
    return render_template(template, form=form, version=version, conflict=str(error)), 409


@bp.post("/<slug>/versie/<int:number>/verwijderen")
@login_required
def delete_draft(slug: str, number: int):
    """Discard a draft version (and the principle, if it was its only version)."""
    ensure(can_manage_principles(current_user))
    principle = services.delete_draft(version_or_404(principle_or_404(slug), number), actor=current_user)
    flash(_("The draft was deleted."), "success")
    if principle is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", slug=slug))


@bp.post("/<slug>/nieuwe-versie")
@login_required
def new_version(slug: str):
    """Start a new draft version as a copy of the latest one."""
    ensure(can_manage_principles(current_user))
    version = services.new_version(principle_or_404(slug), current_user)
    flash(_("Version %(n)d was started as a draft copy.", n=version.number), "success")
    return redirect(url_for(".edit", slug=slug, number=version.number))


@bp.post("/<slug>/versie/<int:number>/consultatie")
@login_required
def open_consultation(slug: str, number: int):
    """Open a draft version for consultation."""
    ensure(can_manage_principles(current_user))
    version = version_or_404(principle_or_404(slug), number)
    services.open_consultation(version, actor=current_user)
    flash(_("The version is open for consultation."), "success")
    return redirect(url_for(".version", slug=slug, number=number))


@bp.route("/<slug>/versie/<int:number>/vaststellen", methods=["GET", "POST"])
@login_required
def adopt(slug: str, number: int):
    """Adopt a version that has been in consultation: decision and date."""
    ensure(can_manage_principles(current_user))
    version = version_or_404(principle_or_404(slug), number)
    form = AdoptForm(adopted_on=date.today())
    if not form.is_submitted() and not version.in_consultation:
        raise Refused(_("Only a version that has been in consultation can be adopted."))
    if form.validate_on_submit():
        try:
            services.adopt(
                version, decision=form.decision.data, adopted_on=form.adopted_on.data,
                actor=current_user,
            )
        except Refused as error:
            return _form_conflict("principles/adopt.html", form, version, error)
        flash(_("Version %(n)d was adopted.", n=version.number), "success")
        return redirect(url_for(".version", slug=slug, number=number))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/adopt.html", form=form, version=version), status
