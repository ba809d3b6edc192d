"""Partner gemeenten on a case, adoptions of scaling projects, a project's links, and the
adoption feed. The case page shows all this through `partners/_case_section.html`."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from smartsociety.extensions import db
from smartsociety.feeds.views import _feed
from smartsociety.labels import label, options
from smartsociety.models import (
    AdoptionStage,
    Case,
    CaseGemeente,
    Organisation,
    PartnerStatus,
    PrincipleVersion,
    ProjectAdoption,
    Rule,
    Solution,
    VersionStatus,
)
from smartsociety.partners import services
from smartsociety.partners.forms import (
    AdoptionForm,
    DecisionForm,
    HasItTooForm,
    LinkRuleForm,
    LinkSolutionForm,
    PartnerRequestForm,
)
from smartsociety.permissions import (
    can_adopt_project,
    can_decide_partners,
    can_link_project,
    can_share_case,
    can_view_case,
    ensure,
    is_case_partner_member,
    is_member,
    verified_gemeente,
)
from smartsociety.sections import stored_nothing

bp = Blueprint("partners", __name__)


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return case


def _must_share(case: Case) -> None:
    """The checks every gemeente action shares, each with its own clear refusal."""
    if verified_gemeente(current_user) is None:
        abort(403, _("Only verified members of a gemeente can do this. Companies and "
                     "researchers take part through offers and comments."))
    services.check_gemeente(current_user, case)  # refused (409) on the gemeente's own case


def _back(case: Case, anchor: str = "samenwerken"):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=anchor))


@bp.post("/casussen/<int:case_id>/wij-ook")
@login_required
def has_it_too(case_id: int):
    """A gemeente says it has this case too (or no longer)."""
    case = _case(case_id)
    _must_share(case)
    form = HasItTooForm()
    if not form.validate_on_submit():
        abort(400, _("Say whether your gemeente has this too."))
    services.set_has_it_too(current_user, case, form.on.data == "1")
    flash(_("Saved: your gemeente has this too.") if form.on.data == "1"
          else _("Your gemeente no longer says it has this too."), "success")
    return _back(case)


@bp.post("/casussen/<int:case_id>/partners")
@login_required
def request_partnership(case_id: int):
    """A gemeente asks to join a case as a partner."""
    case = _case(case_id)
    _must_share(case)
    form = PartnerRequestForm()
    if not form.validate_on_submit():
        abort(400, _("The request could not be read: use at most 500 characters."))
    services.request_partnership(current_user, case, form.message.data or "")
    flash(_("Your request has been sent to the case's owners."), "success")
    return _back(case)


@bp.post("/casussen/<int:case_id>/partners/<int:link_id>/besluit")
@login_required
def decide(case_id: int, link_id: int):
    """The case's owners accept or decline a partner request."""
    case = _case(case_id)
    ensure(can_decide_partners(current_user, case))
    link = db.session.get(CaseGemeente, link_id)
    if link is None or link.case_id != case.id or link.partner_status is None:
        abort(404, _("This request does not exist."))
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, _("Choose to accept or decline the request."))
    services.decide(current_user, case, link, form.decision.data == "accept")
    flash(_("%(name)s is now a partner in this case.", name=link.organisation.name)
          if form.decision.data == "accept"
          else _("The request of %(name)s has been declined.", name=link.organisation.name),
          "success")
    return _back(case)


# Adoptions


@bp.post("/casussen/<int:case_id>/adopties")
@login_required
def adopt(case_id: int):
    """A gemeente adopts a scaling-up project or standard, at a stage."""
    case = _case(case_id)
    _must_share(case)
    services.ensure_takes_adoptions(case)
    ensure(can_adopt_project(current_user, case))
    form = AdoptionForm()
    if not form.validate_on_submit():
        return render_template("partners/adoption_form.html", case=case, form=form,
                               adoption=None), 422
    services.adopt(current_user, case, AdoptionStage(form.stage.data), form.note.data or "")
    flash(_("Your gemeente's adoption has been saved."), "success")
    return _back(case, "adopties")


@bp.route("/casussen/<int:case_id>/adopties/<int:adoption_id>", methods=["GET", "POST"])
@login_required
def adoption(case_id: int, adoption_id: int):
    """One adoption of a project: its stage and note, changed by the adopting gemeente."""
    case = _case(case_id)
    item = db.session.get(ProjectAdoption, adoption_id)
    if item is None or item.case_id != case.id:
        abort(404, _("This adoption does not exist."))
    gemeente = verified_gemeente(current_user)
    if gemeente is None or gemeente.id != item.organisation_id:
        abort(403, _("Only verified members of the adopting gemeente can do this."))
    form = (AdoptionForm() if request.method == "POST"
            else AdoptionForm(data={"stage": item.stage.value, "note": item.note}))
    if form.validate_on_submit():
        services.change_stage(current_user, item, AdoptionStage(form.stage.data),
                              form.note.data or "")
        flash(_("The stage has been saved."), "success")
        return _back(case, "adopties")
    status = 422 if form.is_submitted() else 200
    return render_template("partners/adoption_form.html", case=case, form=form,
                           adoption=item), status


# What a project uses and follows


def _rule_choices():
    rules = db.session.scalars(
        sa.select(Rule).join(PrincipleVersion, PrincipleVersion.id == Rule.version_id)
        .where(PrincipleVersion.status == VersionStatus.ADOPTED)
        .options(selectinload(Rule.version).selectinload(PrincipleVersion.principle))
        .order_by(PrincipleVersion.principle_id, Rule.number)
    )
    return options([(r.id, f"{r.version.principle.number}.{r.number} {r.text[:90]}")
                    for r in rules])


def _solution_choices():
    listed = db.session.scalars(sa.select(Solution).where(Solution.listed_clause())
                                .order_by(Solution.name))
    return options([(s.id, s.name) for s in listed])


@bp.route("/casussen/<int:case_id>/koppelingen", methods=["GET", "POST"])
@login_required
def links(case_id: int):
    """Solutions and rules a project uses: list and link another."""
    case = _case(case_id)
    ensure(can_link_project(current_user, case))
    solution_form, rule_form = LinkSolutionForm(prefix="s"), LinkRuleForm(prefix="r")
    solution_form.solution_id.choices = _solution_choices()
    rule_form.rule_id.choices = _rule_choices()
    status = 200
    for form, kind in ((solution_form, "solution"), (rule_form, "rule")):
        if not form.submit.data:
            continue
        if not form.validate_on_submit():
            status = 422
            break
        if kind == "solution":
            services.link_solution(case, db.session.get(Solution, form.solution_id.data))
        else:
            services.link_rule(case, db.session.get(Rule, form.rule_id.data))
        flash(_("The link has been saved."), "success")
        return redirect(url_for("partners.links", case_id=case.id))
    return render_template(
        "partners/links.html", case=case, solution_form=solution_form, rule_form=rule_form,
        solutions=services.linked_solutions(case), rules=services.linked_rules(case),
    ), status


@bp.post("/casussen/<int:case_id>/koppelingen/<kind>/<int:item_id>/verwijderen")
@login_required
def unlink(case_id: int, kind: str, item_id: int):
    """Remove a solution or rule linked to a project."""
    case = _case(case_id)
    ensure(can_link_project(current_user, case))
    remove = {"oplossing": services.unlink_solution, "regel": services.unlink_rule}.get(kind)
    if remove is None:
        abort(404)
    try:
        remove(case, item_id)
    except LookupError:
        abort(404, _("This link does not exist."))
    flash(_("The link has been removed."), "success")
    return redirect(url_for("partners.links", case_id=case.id))


# Feed


@bp.get("/feeds/adopties.atom")
def adoption_feed():
    """Adoption steps of all gemeenten as an Atom feed."""
    entries = [
        {
            "id": url_for("cases.detail", case_id=step.adoption.case_id, _external=True,
                          _anchor=f"adoptie-stap-{step.id}"),
            "url": url_for("cases.detail", case_id=step.adoption.case_id, _external=True,
                           _anchor="adopties"),
            "title": f"{step.adoption.organisation.name}: {label(step.stage)} — "
                     f"{step.adoption.case.title}",
            "updated": step.created_at,
            "summary": step.note,
        }
        for step in services.recent_steps()
    ]
    return _feed(url_for("partners.adoption_feed", _external=True),
                 _("Smart Society: projects adopted by gemeenten"),
                 url_for("cases.index", _external=True), entries)


# For the case page and the case list (template globals, so those views stay unchanged)


@bp.app_template_global()
def partner_section(case: Case) -> dict:
    # The user itself, not the proxy: the predicates below look it up a dozen times.
    user = current_user._get_current_object()
    # The case page's query found no links: no query. (An anonymous reader's case is a
    # plain row, cases/caserow.py, which asks the same flag itself.)
    if stored_nothing(case, "partners") and sa.inspect(case, raiseerr=False) is not None:
        set_committed_value(case, "gemeente_links", [])
    links = list(getattr(case, "gemeente_links", []))
    # One query for the gemeenten (kept referenced: the identity map holds them weakly); each
    # link then finds its own there instead of loading it.
    gemeenten = list(db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_({link.organisation_id for link in links})))) if links else []
    links.sort(key=lambda link: link.organisation.name_key)
    del gemeenten
    gemeente = verified_gemeente(user)
    own = next((link for link in links if gemeente and link.organisation_id == gemeente.id), None)
    adoptions = services.adoptions_of(case) if case.kind.value == "project" else []
    own_adoption = next((a for a in adoptions if gemeente and a.organisation_id == gemeente.id),
                        None)
    can_share = can_share_case(user, case)
    return {
        "sharing": services.sharing_gemeenten(case),
        "has_it_too": [link for link in links if link.has_it_too],
        "partners": [link for link in links if link.is_partner],
        "requests": [link for link in links if link.partner_status is PartnerStatus.REQUESTED],
        "own": own,
        "can_share": can_share,
        "can_decide": can_decide_partners(user, case),
        "is_partner": is_case_partner_member(user, case),
        "request_form": PartnerRequestForm() if can_share else None,
        "adoptions": adoptions,
        "own_adoption": own_adoption,
        "adoption_form": (AdoptionForm() if can_adopt_project(user, case)
                          and own_adoption is None else None),
        "timeline": services.timeline(case) if adoptions else [],
        "linked_solutions": services.linked_solutions(case) if case.kind.value == "project"
        else [],
        "linked_rules": services.linked_rules(case) if case.kind.value == "project" else [],
        "can_link": can_link_project(user, case),
        "signed_in": is_member(user),
    }


bp.add_app_template_global(services.sharing_of, "case_sharing_of")
bp.add_app_template_global(services.preload, "preload_case_sharing")
bp.add_app_template_global(services.organisation_cases, "organisation_cases")
