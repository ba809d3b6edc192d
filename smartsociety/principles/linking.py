"""Links between cases and principles (or one of their rules), made by the case's people."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from smartsociety.extensions import db
from smartsociety.models import Case, CasePrincipleLink, Principle, PrincipleVersion, Rule
from smartsociety.permissions import can_link_case_principles, ensure
from smartsociety.principles import services
from smartsociety.principles.blueprint import bp
from smartsociety.principles.forms import LinkForm
from smartsociety.redirects import safe_next_url
from smartsociety.refusals import Refused


def _link_choices(form: LinkForm) -> None:
    principles = db.session.scalars(
        Principle.public().options(
            selectinload(Principle.versions).selectinload(PrincipleVersion.rules)
        )
    ).all()
    form.principle.choices = [SelectChoice(p.id, f"{p.number}. {p.title}") for p in principles]
    rule_choices = [SelectChoice("", _("The principle as a whole"))]
    for principle in principles:
        current = principle.adopted_version or next(
            (v for v in principle.versions if v.in_consultation), None
        )
        for rule in current.rules if current else []:
            text = rule.text if len(rule.text) <= 90 else rule.text[:87] + "…"
            rule_choices.append(SelectChoice(rule.id, f"{principle.number}.{rule.number} {text}"))
    form.rule.choices = rule_choices


@bp.route("/koppelen/<int:case_id>", methods=["GET", "POST"])
@login_required
def link_case(case_id: int):
    """Principles linked to a case: list and link another."""
    case = db.get_or_404(Case, case_id)
    ensure(can_link_case_principles(current_user, case))
    form = LinkForm()
    _link_choices(form)
    status = 200
    if form.validate_on_submit():
        principle = db.session.get(Principle, form.principle.data)
        rule = db.session.get(Rule, form.rule.data) if form.rule.data else None
        try:
            services.link_case(case, principle, rule, form.note.data or "", current_user)
        except Refused as error:
            form.rule.errors = [*form.rule.errors, str(error)]
        else:
            flash(_("The case was linked to the principle."), "success")
            return redirect(url_for(".link_case", case_id=case.id))
    if form.is_submitted():
        status = 422
    links = db.session.scalars(
        sa.select(CasePrincipleLink)
        .where(CasePrincipleLink.case_id == case.id)
        .order_by(CasePrincipleLink.id)
        .options(
            selectinload(CasePrincipleLink.principle),
            selectinload(CasePrincipleLink.rule).selectinload(Rule.version),
        )
    ).all()
    return render_template("principles/link.html", case=case, form=form, links=links), status


@bp.post("/koppelen/<int:case_id>/<int:link_id>/verwijderen")
@login_required
def unlink_case(case_id: int, link_id: int):
    """Remove a link between a case and a principle."""
    case = db.get_or_404(Case, case_id)
    ensure(can_link_case_principles(current_user, case))
    link = db.session.get(CasePrincipleLink, link_id)
    if link is None or link.case_id != case.id:
        abort(404)
    services.unlink_case(link)
    flash(_("The link was removed."), "success")
    return redirect(
        safe_next_url(request.form.get("next"), url_for(".link_case", case_id=case.id))
    )
