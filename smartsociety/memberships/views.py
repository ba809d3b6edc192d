"""Members of an organisation: claims approved or refused, members removed, administrators
appointed and e-mail domains kept (organisation administrators and moderators); a member's
own membership page to leave or move to another organisation."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.memberships import services
from smartsociety.memberships.forms import DecisionForm, DomainForm, LeaveForm, MoveForm
from smartsociety.models import (
    Membership,
    MembershipState,
    Organisation,
    OrganisationDomain,
    VerificationMethod,
)
from smartsociety.moderation.auditlog import AUDIT_ACTIONS
from smartsociety.organisations.views import render_detail
from smartsociety.permissions import (
    can_leave_organisation,
    can_manage_members,
    ensure,
    is_moderator,
    is_organisation_admin,
)
from smartsociety.signals import email_verified

bp = Blueprint("memberships", __name__)

# The domain check runs for every verified address, wherever the verification happens.
email_verified.connect(services.on_email_verified, weak=False)

AUDIT_ACTIONS.update({
    "membership_verify_domain": _l("Membership verified by e-mail domain"),
    "membership_verify_organisation_admin": _l("Membership approved by an organisation administrator"),
    "membership_verify_moderator": _l("Membership approved by a moderator"),
    "membership_refuse": _l("Membership claim refused"),
    "membership_remove": _l("Member removed from organisation"),
    "membership_end": _l("Membership ended by the member"),
    "membership_admin_appoint": _l("Organisation administrator appointed"),
    "membership_admin_withdraw": _l("Organisation administrator withdrawn"),
    "organisation_domain_add": _l("Organisation e-mail domain added"),
    "organisation_domain_remove": _l("Organisation e-mail domain removed"),
})

STATE_LABELS = {
    MembershipState.CLAIMED: _l("Not yet confirmed"),
    MembershipState.VERIFIED: _l("Confirmed"),
    MembershipState.REFUSED: _l("Refused"),
    MembershipState.ENDED: _l("Ended"),
}
METHOD_LABELS = {
    VerificationMethod.DOMAIN: _l("by the e-mail domain"),
    VerificationMethod.ORGANISATION_ADMIN: _l("by an administrator of the organisation"),
    VerificationMethod.MODERATOR: _l("by a moderator"),
    VerificationMethod.MIGRATION: _l("when memberships were introduced"),
}


@bp.app_template_global()
def membership_label(value) -> str:
    """Display name of a membership state or verification method."""
    return str(STATE_LABELS.get(value) or METHOD_LABELS.get(value) or "")


def organisation_page(organisation: Organisation) -> dict:
    """What the organisation page shows about its members, per reader."""
    manages = can_manage_members(current_user, organisation)
    return {
        "memberships": services.verified_members(organisation),
        "claims": services.pending_claims(organisation) if manages else [],
        "domains": services.domains(organisation),
        "manages_members": manages,
        "domain_form": DomainForm(formdata=None) if manages else None,
    }


def _organisation(slug: str) -> Organisation:
    return db.first_or_404(sa.select(Organisation).where(Organisation.slug == slug))


def _back(organisation: Organisation, anchor: str = "members-heading"):
    return redirect(url_for("organisations.detail", slug=organisation.slug, _anchor=anchor))


@bp.post("/organisaties/<slug>/leden/<int:membership_id>")
@login_required
def decide(slug: str, membership_id: int):
    """Decide on a membership: approve or refuse a claim, remove, appoint or unappoint."""
    organisation = _organisation(slug)
    ensure(can_manage_members(current_user, organisation))
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    decision = form.decision.data
    method = (VerificationMethod.MODERATOR if is_moderator(current_user)
              and not is_organisation_admin(current_user, organisation)
              else VerificationMethod.ORGANISATION_ADMIN)
    name = membership.user.name
    if decision == "approve":
        services.verify(membership, current_user, method)
        message = _("%(name)s is now a confirmed member.", name=name)
    elif decision == "refuse":
        services.refuse(membership, current_user)
        message = _("The claim of %(name)s was refused.", name=name)
    elif decision == "remove":
        if membership.user_id == current_user.id and not is_moderator(current_user):
            abort(400)  # an administrator leaves through their own membership page
        services.remove(membership, current_user)
        message = _("%(name)s is no longer a member.", name=name)
    else:
        services.set_admin(membership, decision == "appoint", current_user)
        message = (_("%(name)s is now an administrator of this organisation.", name=name)
                   if decision == "appoint"
                   else _("%(name)s is no longer an administrator of this organisation.",
                          name=name))
    flash(message, "success")
    return _back(organisation)


@bp.post("/organisaties/<slug>/domeinen")
@login_required
def add_domain(slug: str):
    """Add an e-mail domain that verifies an organisation's members automatically."""
    organisation = _organisation(slug)
    ensure(can_manage_members(current_user, organisation))
    form = DomainForm()
    if form.validate_on_submit():
        try:
            services.add_domain(organisation, form.domain.data, current_user)
        except services.MembershipError as error:
            form.domain.errors.append(str(error))  # the 422 below keeps nothing of it
        else:
            flash(_("Members with a confirmed address at %(domain)s are now verified "
                    "automatically.", domain=form.domain.data), "success")
            return _back(organisation, "domains-heading")
    return render_detail(organisation, domain_form=form, status=422)


@bp.post("/organisaties/<slug>/domeinen/<int:domain_id>/verwijderen")
@login_required
def remove_domain(slug: str, domain_id: int):
    """Remove an organisation's e-mail domain."""
    organisation = _organisation(slug)
    ensure(can_manage_members(current_user, organisation))
    entry = db.session.get(OrganisationDomain, domain_id)
    if entry is None or entry.organisation_id != organisation.id:
        abort(404)
    if not LeaveForm().validate_on_submit():
        abort(400)
    domain = entry.domain
    services.remove_domain(entry, current_user)
    flash(_("%(domain)s no longer verifies members.", domain=domain), "success")
    return _back(organisation, "domains-heading")


# The member's own membership


def _move_choices() -> list[tuple[str, str]]:
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name_key)
    ).all()
    return [("", _("Choose an organisation"))] + [
        (str(org_id), name) for org_id, name in organisations
        if org_id != current_user.organisation_id
    ]


def _render_mine(move_form: MoveForm | None = None, status: int = 200):
    move_form = move_form or MoveForm(formdata=None, organisation_choices=_move_choices())
    return render_template(
        "memberships/mine.html", current=services.current(current_user),
        history=services.history(current_user), move_form=move_form,
        leave_form=LeaveForm(formdata=None),
    ), status


@bp.get("/lidmaatschap")
@login_required
def mine():
    """One's own membership: current organisation and history."""
    return _render_mine()


@bp.post("/lidmaatschap/verlaten")
@login_required
def leave():
    """Leave one's organisation."""
    ensure(can_leave_organisation(current_user))
    if not LeaveForm().validate_on_submit():
        abort(400)
    name = current_user.organisation.name
    services.leave(current_user)
    flash(_("You are no longer a member of %(name)s.", name=name), "success")
    return redirect(url_for("memberships.mine"))


@bp.post("/lidmaatschap/overstappen")
@login_required
def move():
    """Move to another organisation (a new claim)."""
    form = MoveForm(organisation_choices=_move_choices())
    organisation = None
    if form.validate_on_submit() and form.organisation.data.isdigit():
        organisation = db.session.get(Organisation, int(form.organisation.data))
    if organisation is None or organisation.id == current_user.organisation_id:
        form.organisation.errors = [_("Choose the organisation you now belong to.")]
        return _render_mine(form, 422)
    membership = services.claim(current_user, organisation)
    if membership.is_verified:
        flash(_("You are now a confirmed member of %(name)s.", name=organisation.name),
              "success")
    else:
        flash(_("You asked to join %(name)s. Its administrators or a moderator will confirm "
                "your membership.", name=organisation.name), "info")
    return redirect(url_for("memberships.mine"))
