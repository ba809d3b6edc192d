"""Offers of solutions on cases, and the case page's marketplace section."""
import functools

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from smartsociety.extensions import db
from smartsociety.labels import label
from smartsociety.models import Case, Offer, OfferStatus, Solution, User
from smartsociety.permissions import (
    can_offer_solution,
    can_publish_solution,
    can_set_offer_status,
    can_view_case,
    ensure,
)
from smartsociety.sections import stored_nothing
from smartsociety.solutions import services
from smartsociety.solutions.blueprint import bp
from smartsociety.solutions.forms import OfferForm


def case_section(case: Case, user) -> dict:
    """What the case page's marketplace section needs (cases' render_detail calls this)."""
    offers = ([] if stored_nothing(case, "offers")
              else list(db.session.scalars(_offers_of_case(), {"case_id": case.id}).unique()))
    form = None
    if can_offer_solution(user, case):
        mine = db.session.execute(_offerable(), {"organisation_id": user.organisation_id}).all()
        if mine and not any(o.organisation_id == user.organisation_id for o in offers):
            form = OfferForm()
            form.set_solutions(mine)
    offered = {offer.solution_id for offer in offers}
    return {"offers": offers, "offer_form": form,
            "suggested_solutions": services.suggestions(case, exclude=offered)}


@functools.cache
def _offers_of_case() -> sa.Select:
    """A case's offers with what the section shows of them (solution, organisation, author
    and their organisation) in one joined query instead of four; built once per process."""
    return (sa.select(Offer).where(Offer.case_id == sa.bindparam("case_id"))
            # Of the solution only its name is shown: its text and themes are left unloaded.
            .options(joinedload(Offer.solution).load_only(Solution.name)
                     .lazyload(Solution.theme_links),
                     joinedload(Offer.organisation),
                     joinedload(Offer.author).joinedload(User.organisation))
            .order_by(Offer.created_at, Offer.id))


@functools.cache
def _offerable() -> sa.Select:
    """The listings a provider's organisation can offer (services.offerable_solutions), as
    the (id, name) rows the section's form lists."""
    return (sa.select(Solution.id, Solution.name)
            .where(Solution.organisation_id == sa.bindparam("organisation_id"),
                   Solution.listed_clause())
            .order_by(Solution.name))


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404, _("This case does not exist or has been removed."))
    return case


@bp.route("/casussen/<int:case_id>/aanbod", methods=["GET", "POST"])
@login_required
def offer(case_id: int):
    """Offer a solution on a case."""
    case = _case(case_id)
    ensure(can_publish_solution(current_user))
    services.ensure_takes_offers(case)
    ensure(can_offer_solution(current_user, case))
    form = OfferForm()
    form.set_solutions(services.offerable_solutions(current_user))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("solutions/offer.html", case=case, form=form), status
    services.make_offer(current_user, case, db.session.get(Solution, form.solution_id.data),
                        form.explanation.data)
    flash(_("Your offer has been added to the case."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="offers"))


@bp.post("/casussen/<int:case_id>/aanbod/<int:offer_id>/status")
@login_required
def offer_status(case_id: int, offer_id: int):
    """Move an offer on: in conversation, then chosen."""
    case = _case(case_id)
    item = db.session.get(Offer, offer_id)
    if item is None or item.case_id != case.id:
        abort(404)
    ensure(can_set_offer_status(current_user, item))
    try:
        status = OfferStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    services.set_offer_status(item, status, current_user)
    flash(_("The offer is now marked “%(status)s”.", status=label(status)), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=f"offer-{item.id}"))
