"""Solution listings, open standards, contact, use reviews and organisation inboxes. Offers on
cases are in offers.py, on the same blueprint (blueprint.py): importing it here registers them."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety import concurrency, diffs
from smartsociety.extensions import db, limiter
from smartsociety.labels import label, options
from smartsociety.models import (
    Certification,
    ContactMessage,
    Offer,
    OpenStandard,
    Organisation,
    Solution,
    SolutionCategory,
    SolutionRevision,
    SolutionUse,
    Theme,
    User,
)
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import SOLUTIONS
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_contact_provider,
    can_edit_solution,
    can_manage_standards,
    can_publish_solution,
    can_read_inbox,
    can_record_use,
    ensure,
)

# offers adds its routes to bp: importing it here registers them with it.
from smartsociety.solutions import offers as offer_routes  # noqa: F401
from smartsociety.solutions import services
from smartsociety.solutions.blueprint import account_key, bp, contact_limit, load_solution
from smartsociety.solutions.forms import (
    ContactForm,
    ListFilterForm,
    SolutionForm,
    StandardForm,
    UseForm,
)
from smartsociety.solutions.sections import SOLUTION_FACTS

REVISION_LABELS = {
    "name": _l("Name"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "themes": _l("Themes"),
    "standards": _l("Open standards supported"),
    "hosting_location": _l("Where the data is hosted"),
    "jurisdiction": _l("Under which jurisdiction"),
    "privacy_by_design": _l("Privacy by design"),
    "dpia_available": _l("A DPIA is available"),
    "privacy_notes": _l("How the solution handles privacy"),
    "price_model": _l("Price model"),
    "contact": _l("Contact route"),
    "category": _l("Category"),
    "accepts_gibit": _l("Accepts GIBIT"),
    "certifications": _l("Certifications"),
    "exit_plan": _l("Exit plan"),
}


@bp.get("/oplossingen")
@cached_page(scope=SOLUTIONS)
def index():
    """The marketplace: solutions, filtered and sorted."""
    form = ListFilterForm(request.args)
    valid = form.validate()
    theme = Theme(form.theme.data) if valid and form.theme.data else None
    page = paginate(Solution.listed(form.q.data or "" if valid else "", theme))
    return render_template("solutions/index.html", form=form, page=page), (200 if valid else 400)


def _solution_form(solution: Solution | None) -> SolutionForm:
    # From explicit data, never obj=: a field left out of the POST took the relationship.
    form = SolutionForm(data=_solution_data(solution) if solution is not None else None)
    form.standards.choices = options(
        [(s.id, s.name) for s in db.session.scalars(OpenStandard.by_name())]
    )
    form.category_id.choices = options(
        [(0, _("No category"))]
        + [(c.id, c.name) for c in db.session.scalars(SolutionCategory.by_name())])
    form.certifications.choices = options(
        [(c.id, c.name) for c in db.session.scalars(Certification.by_name())])
    return form


def _solution_data(solution: Solution) -> dict:
    return {
        "name": solution.name, "summary": solution.summary, "description": solution.description,
        "themes": [t.value for t in solution.themes],
        "standards": [s.id for s in solution.standards],
        "hosting_location": solution.hosting_location, "jurisdiction": solution.jurisdiction,
        "privacy_by_design": solution.privacy_by_design,
        "dpia_available": solution.dpia_available, "privacy_notes": solution.privacy_notes,
        "price_model": solution.price_model.value, "contact": solution.contact,
        "category_id": solution.category_id or 0,
        "certifications": [c.id for c in solution.certifications],
        "accepts_gibit": solution.accepts_gibit, "exit_plan": solution.exit_plan,
    }


def _input(form: SolutionForm) -> services.SolutionInput:
    return services.SolutionInput(
        name=form.name.data, summary=form.summary.data, description=form.description.data or "",
        themes=form.themes.data, standard_ids=form.standards.data or [],
        hosting_location=form.hosting_location.data or "",
        jurisdiction=form.jurisdiction.data or "",
        privacy_by_design=form.privacy_by_design.data, dpia_available=form.dpia_available.data,
        privacy_notes=form.privacy_notes.data or "", price_model=form.price_model.data,
        contact=form.contact.data, category_id=form.category_id.data or None,
        accepts_gibit=form.accepts_gibit.data, certification_ids=form.certifications.data or [],
        exit_plan=form.exit_plan.data or "",
    )


@bp.route("/oplossingen/nieuw", methods=["GET", "POST"])
@login_required
def new():
    """List a new solution of one's organisation."""
    ensure(can_publish_solution(current_user))
    form = _solution_form(None)
    if form.validate_on_submit():
        solution = services.create_solution(current_user, _input(form))
        flash(_("Your solution has been published."), "success")
        return redirect(url_for("solutions.detail", solution_id=solution.id))
    status = 422 if form.is_submitted() else 200
    return render_template("solutions/form.html", form=form, solution=None), status


@bp.route("/oplossingen/<int:solution_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(solution_id: int):
    """Edit a solution's listing."""
    solution = load_solution(solution_id)
    ensure(can_edit_solution(current_user, solution))
    form = _solution_form(solution)
    opened = concurrency.opened_version(solution)
    if form.validate_on_submit():
        if not concurrency.claim(solution, opened):
            saved = [(_("Name"), solution.name), (_("Summary"), solution.summary),
                     (_("Description"), solution.description)]
            return render_template("solutions/form.html", form=form, solution=solution,
                                   edit_version=solution.edit_version,
                                   edit_conflict=[f for f in saved if f[1]]), 409
        services.edit_solution(solution, current_user, _input(form))
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("solutions.detail", solution_id=solution.id))
    status = 422 if form.is_submitted() else 200
    return render_template("solutions/form.html", form=form, solution=solution,
                           edit_version=opened), status


def render_detail(solution: Solution, use_form=None, contact_form=None, status=200):
    if use_form is None:
        own = None
        if can_record_use(current_user, solution):
            own = db.session.scalar(
                sa.select(SolutionUse).where(
                    SolutionUse.solution_id == solution.id,
                    SolutionUse.organisation_id == current_user.organisation_id)
            )
        use_form = UseForm(obj=own)
    average, count = services.rating_summary(solution)
    return render_template(
        "solutions/detail.html",
        solution=solution,
        uses=services.uses_of(solution),
        average=format_decimal(average, format="0.0") if average is not None else None,
        use_count=count,
        use_form=use_form,
        contact_form=contact_form or ContactForm(),
        **SOLUTION_FACTS.context(solution, current_user),
    ), status


@bp.get("/oplossingen/<int:solution_id>")
@cached_page(scope=SOLUTIONS)
def detail(solution_id: int):
    """A solution's page: listing, offers, reviews of use and contact."""
    return render_detail(load_solution(solution_id))


@bp.post("/oplossingen/<int:solution_id>/intrekken")
@login_required
def withdraw(solution_id: int):
    """Withdraw a solution from the marketplace, or bring it back."""
    solution = load_solution(solution_id)
    ensure(can_edit_solution(current_user, solution))
    choice = request.form.get("withdrawn")
    if choice not in ("0", "1"):
        abort(400)
    services.set_withdrawn(solution, choice == "1", current_user)
    flash(_("The solution has been withdrawn.") if choice == "1"
          else _("The solution is listed again."), "success")
    return redirect(url_for("solutions.detail", solution_id=solution.id))


@bp.get("/oplossingen/<int:solution_id>/geschiedenis")
def history(solution_id: int):
    """A solution listing's revisions, with what changed."""
    solution = load_solution(solution_id)
    revisions = list(
        db.session.scalars(
            sa.select(SolutionRevision)
            .where(SolutionRevision.solution_id == solution.id)
            .options(selectinload(SolutionRevision.editor).selectinload(User.organisation))
            .order_by(SolutionRevision.id.desc())
        )
    )
    labels = {key: str(text) for key, text in REVISION_LABELS.items()}

    def readable(data: dict) -> dict:
        shown = {key: value for key, value in data.items()}
        for key in ("privacy_by_design", "dpia_available", "accepts_gibit"):
            if key in shown:
                shown[key] = _("Yes") if shown[key] else _("No")
        if shown.get("price_model"):
            shown["price_model"] = label(shown["price_model"])
        if shown.get("themes"):
            shown["themes"] = ", ".join(label(v.strip()) for v in shown["themes"].split(","))
        return shown

    entries = diffs.history(revisions, labels, readable)
    return render_template("solutions/history.html", solution=solution, entries=entries)


@bp.post("/oplossingen/<int:solution_id>/gebruik")
@login_required
def record_use(solution_id: int):
    """A gemeente records (and reviews) its use of a solution."""
    solution = load_solution(solution_id)
    ensure(can_record_use(current_user, solution))
    form = UseForm()
    if not form.validate_on_submit():
        return render_detail(solution, use_form=form, status=422)
    services.record_use(current_user, solution, form.rating.data, form.review.data,
                        form.since.data, form.domain.data or "")
    flash(_("Your municipality's experience has been saved."), "success")
    return redirect(url_for("solutions.detail", solution_id=solution.id, _anchor="in-use"))


@bp.post("/oplossingen/<int:solution_id>/contact")
@login_required
@limiter.limit(contact_limit, key_func=account_key, scope="contact")
def contact(solution_id: int):
    """Send a message to the organisation behind a solution."""
    solution = load_solution(solution_id)
    ensure(can_contact_provider(current_user, solution))
    form = ContactForm()
    if not form.validate_on_submit():
        return render_detail(solution, contact_form=form, status=422)
    message = services.send_contact(current_user, solution, form.subject.data, form.body.data)
    # Says what happened: stored in their inbox and notified; mail follows through the outbox
    # (it said "sent" while the mail server refused the connection).
    flash(_("Your message is in the inbox of %(name)s and its members have been notified. "
            "Their reply appears here.", name=solution.organisation.name), "success")
    return redirect(url_for("contact.conversation", message_id=message.id))


@bp.route("/open-standaarden", methods=["GET", "POST"])
def standards():
    """The list of open standards; moderators add one."""
    form = StandardForm()
    if form.is_submitted():
        if not current_user.is_authenticated:
            abort(401)
        ensure(can_manage_standards(current_user))
        if form.validate():
            try:
                services.add_standard(form.name.data, form.url.data, current_user)
            except services.Refused as refusal:
                form.name.errors.append(str(refusal))
            else:
                flash(_("The standard has been added."), "success")
                return redirect(url_for("solutions.standards"))
    items = list(db.session.scalars(OpenStandard.by_name()))
    status = 422 if form.is_submitted() else 200
    return render_template("solutions/standards.html", form=form, standards=items), status


# Organisations


@bp.get("/organisaties/nr/<int:organisation_id>")
def organisation_by_id(organisation_id: int):
    """Search hits know an organisation's id, not its slug: one lookup on click, not per hit."""
    slug = db.session.scalar(sa.select(Organisation.slug).where(Organisation.id == organisation_id))
    if slug is None:
        abort(404)
    return redirect(url_for("organisations.detail", slug=slug), 301)


@bp.get("/organisaties/<slug>/berichten")
@login_required
def inbox(slug: str):
    """An organisation's inbox: contact messages and its offers."""
    organisation = db.first_or_404(sa.select(Organisation).where(Organisation.slug == slug))
    ensure(can_read_inbox(current_user, organisation))
    page = paginate(ContactMessage.inbox(organisation.id))
    offers = list(
        db.session.scalars(
            sa.select(Offer).where(Offer.organisation_id == organisation.id)
            .options(selectinload(Offer.case), selectinload(Offer.solution))
            .order_by(Offer.created_at.desc())
        )
    )
    return render_template("solutions/inbox.html", organisation=organisation, page=page,
                           offers=offers)
