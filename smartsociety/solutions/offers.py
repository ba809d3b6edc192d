"""Offers of solutions on cases, and the case page's marketplace section."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.labels import label
from smartsociety.models import Case, Offer, OfferStatus, Solution
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
              else list(db.session.scalars(Offer.for_case(case.id))))
    form = None
    if can_offer_solution(user, case):
        mine = services.offerable_solutions(user)
        if mine and not any(o.organisation_id == user.organisation_id for o in offers):
            form = OfferForm()
            form.set_solutions(mine)
    offered = {offer.solution_id for offer in offers}
    return {"offers": offers, "offer_form": form,
            "suggested_solutions": services.suggestions(case, exclude=offered)}


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
