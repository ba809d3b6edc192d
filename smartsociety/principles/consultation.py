"""The consultation on a version's rules: votes, comments, amendments and their support."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.models import Amendment, Rule, VoteChoice
from smartsociety.permissions import (
    can_accept_amendment,
    can_support_amendment,
    can_take_part_in_consultation,
    can_view_principle_version,
    can_vote_in_consultation,
    ensure,
)
from smartsociety.principles import services
from smartsociety.principles.blueprint import bp, render_version, rule_or_404
from smartsociety.principles.forms import AmendmentForm, CommentForm, VoteForm
from smartsociety.ratelimits import consultation


def _participate(rule: Rule) -> None:
    ensure(can_take_part_in_consultation(current_user, rule.version))


def _back_to(rule: Rule, anchor: str):
    version = rule.version
    return redirect(
        url_for(".version", slug=version.principle.slug, number=version.number, _anchor=anchor)
    )


@bp.post("/regels/<int:rule_id>/stem")
@login_required
def vote(rule_id: int):
    """Vote on a rule during the consultation."""
    rule = rule_or_404(rule_id)
    ensure(can_vote_in_consultation(current_user, rule.version))
    form = VoteForm(prefix=f"vote-{rule.id}")
    if not form.validate_on_submit():
        return render_version(rule.version, {("vote", rule.id): form}, 422)
    services.vote(rule, current_user, VoteChoice(form.choice.data))
    flash(_("Your vote on rule %(n)d was saved.", n=rule.number), "success")
    return _back_to(rule, f"rule-{rule.number}")


@bp.post("/regels/<int:rule_id>/reactie")
@login_required
@consultation
def comment(rule_id: int):
    """Comment on a rule during the consultation."""
    rule = rule_or_404(rule_id)
    _participate(rule)
    form = CommentForm(prefix=f"comment-{rule.id}")
    if not form.validate_on_submit():
        return render_version(rule.version, {("comment", rule.id): form}, 422)
    item = services.comment(rule, current_user, form.body.data)
    return _back_to(rule, f"rule-comment-{item.id}")


@bp.post("/regels/<int:rule_id>/amendement")
@login_required
@consultation
def propose_amendment(rule_id: int):
    """Propose an amendment to a rule during the consultation."""
    rule = rule_or_404(rule_id)
    _participate(rule)
    form = AmendmentForm(prefix=f"amend-{rule.id}")
    if not form.validate_on_submit():
        return render_version(rule.version, {("amend", rule.id): form}, 422)
    amendment = services.propose_amendment(
        rule, current_user, text=" ".join(form.text.data.split()), reason=form.reason.data
    )
    flash(_("Your amendment was proposed."), "success")
    return _back_to(rule, f"amendment-{amendment.id}")


def _amendment(amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or not can_view_principle_version(current_user, amendment.rule.version):
        abort(404)
    return amendment


@bp.post("/amendementen/<int:amendment_id>/steunen")
@login_required
def support_amendment(amendment_id: int):
    """Support an amendment during the consultation."""
    amendment = _amendment(amendment_id)
    ensure(can_support_amendment(current_user, amendment))
    services.support_amendment(amendment, current_user)
    flash(_("You support this amendment."), "success")
    return _back_to(amendment.rule, f"amendment-{amendment.id}")


@bp.post("/amendementen/<int:amendment_id>/overnemen")
@login_required
def accept_amendment(amendment_id: int):
    """Accept an amendment into its rule (moderators)."""
    amendment = _amendment(amendment_id)
    ensure(can_accept_amendment(current_user, amendment))
    rule = services.accept_amendment(amendment, actor=current_user)
    flash(_("The amendment was taken into rule %(n)d.", n=rule.number), "success")
    return _back_to(rule, f"rule-{rule.number}")
