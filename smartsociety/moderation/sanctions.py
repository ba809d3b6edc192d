"""Sanctions: warnings a member must acknowledge, suspensions that refuse every write, and
the moderators' pages to give and lift them."""
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety import memberpage
from smartsociety.dates import format_datetime
from smartsociety.extensions import db
from smartsociety.models import Sanction, SanctionKind, User, utcnow
from smartsociety.moderation import services
from smartsociety.moderation.blueprint import bp
from smartsociety.moderation.forms import SuspendForm, WarnForm
from smartsociety.permissions import can_moderate, can_sanction, ensure
from smartsociety.redirects import safe_next_url

# Write requests a suspended member may still make: leaving, and reading the warning.
SUSPENSION_ALLOWED = {"accounts.logout", "accounts.logout_everywhere", "moderation.acknowledge",
                      "main.set_language", "static"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@bp.before_app_request
def refuse_writes_while_suspended():
    """The one suspension check: every write route, present and future, passes through here."""
    if request.method not in WRITE_METHODS or request.endpoint in SUSPENSION_ALLOWED:
        return None
    if not current_user.is_authenticated:
        return None
    suspension = db.session.scalar(Sanction.active_suspension(current_user.id))
    if suspension is not None:
        abort(403, _(
            "Your account is suspended until %(end)s, so you cannot post or change anything. "
            "Reason: %(reason)s",
            end=format_datetime(suspension.ends_at), reason=suspension.reason,
        ))
    return None


# Predicates that only let a member read stay as they are while the member is suspended.
_READING_PREDICATES = ("can_view", "can_read", "can_take_part_in_conversation")


def _refused(*_args, **_kwargs) -> bool:
    return False


@bp.app_context_processor
def moderation_banner():
    """Warnings the member must still acknowledge are shown on every page; a suspension is
    shown too, and the pages offer no form the member cannot use (every write predicate is
    False in templates), instead of a form whose text a 403 would throw away."""
    if not current_user.is_authenticated:
        return {"pending_warnings": [], "active_suspension": None}
    if "pending_warnings" not in g and not memberpage.state()["sanctions"]:
        # Asked with the member's other rows first: most members have no sanction at all.
        g.pending_warnings, g.active_suspension = [], None
    if "pending_warnings" not in g:
        # One query for both: the warnings to acknowledge and a suspension still running.
        warnings = Sanction.unacknowledged_warnings(current_user.id).whereclause
        suspension = Sanction.active_suspension(current_user.id).whereclause
        sanctions = list(db.session.scalars(
            sa.select(Sanction).where(sa.or_(warnings, suspension)).order_by(Sanction.created_at)
        ))
        g.pending_warnings = [s for s in sanctions if s.kind is SanctionKind.WARNING]
        g.active_suspension = max(
            (s for s in sanctions if s.kind is SanctionKind.SUSPENSION),
            key=lambda s: s.ends_at, default=None,
        )
    context = {"pending_warnings": g.pending_warnings, "active_suspension": g.active_suspension}
    if g.active_suspension is not None:
        from smartsociety.permissions import PREDICATES

        context.update({
            name: _refused for name in PREDICATES
            if name.startswith("can_") and not name.startswith(_READING_PREDICATES)
        })
    return context


# Sanctions


@bp.get("/moderatie/leden/<int:user_id>")
@login_required
def member(user_id: int):
    """A member's sanctions, with the forms to warn or suspend them."""
    ensure(can_moderate(current_user))
    user = db.get_or_404(User, user_id)
    return _member_page(user)


def _member_page(user, warn_form=None, suspend_form=None, status=200):
    sanctions = db.session.scalars(
        sa.select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.created_at.desc())
    ).all()
    return render_template(
        "moderation/member.html", user=user, sanctions=sanctions,
        warn_form=warn_form or WarnForm(formdata=None),
        suspend_form=suspend_form or SuspendForm(formdata=None),
    ), status


@bp.post("/moderatie/leden/<int:user_id>/waarschuwen")
@login_required
def warn(user_id: int):
    """Warn a member."""
    user = db.get_or_404(User, user_id)
    ensure(can_sanction(current_user, user))
    form = WarnForm()
    if not form.validate_on_submit():
        return _member_page(user, warn_form=form, status=422)
    services.warn(current_user, user, form.reason.data)
    flash(_("%(name)s has been warned.", name=user.name), "success")
    return redirect(url_for("moderation.member", user_id=user.id))


@bp.post("/moderatie/leden/<int:user_id>/schorsen")
@login_required
def suspend(user_id: int):
    """Suspend a member for a number of days."""
    user = db.get_or_404(User, user_id)
    ensure(can_sanction(current_user, user))
    form = SuspendForm()
    if not form.validate_on_submit():
        return _member_page(user, suspend_form=form, status=422)
    services.suspend(current_user, user, utcnow() + timedelta(days=form.days.data),
                     form.reason.data)
    flash(_("%(name)s has been suspended.", name=user.name), "success")
    return redirect(url_for("moderation.member", user_id=user.id))


@bp.post("/moderatie/sancties/<int:sanction_id>/opheffen")
@login_required
def lift(sanction_id: int):
    """Lift a warning or suspension."""
    sanction = db.get_or_404(Sanction, sanction_id)
    ensure(can_sanction(current_user, sanction.user))
    services.lift(current_user, sanction, request.form.get("reason", "")[:500])
    flash(_("The sanction has been lifted."), "success")
    return redirect(url_for("moderation.member", user_id=sanction.user_id))


@bp.post("/waarschuwingen/<int:sanction_id>/gelezen")
@login_required
def acknowledge(sanction_id: int):
    """The member confirms having read a warning."""
    sanction = db.get_or_404(Sanction, sanction_id)
    if sanction.user_id != current_user.id:
        abort(404)
    services.acknowledge(sanction)
    flash(_("Thank you for reading the warning."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("main.home")))
