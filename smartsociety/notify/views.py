"""Follow buttons, the notifications page, mail settings and one-click unsubscribe."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.extensions import csrf, db
from smartsociety.models import (
    Case,
    Delivery,
    FollowTarget,
    Notification,
    Organisation,
    Principle,
    Tag,
    Theme,
    User,
)
from smartsociety.notify import services
from smartsociety.notify.forms import SettingsForm
from smartsociety.notify.registry import registered
from smartsociety.pagination import paginate
from smartsociety.permissions import can_view_case
from smartsociety.redirects import safe_next_url

bp = Blueprint("notify", __name__)


def _check_target(target: FollowTarget, key: str) -> None:
    """Only existing things the member may see can be followed."""
    if target is FollowTarget.THEME:
        found = key in {theme.value for theme in Theme}
    elif target is FollowTarget.TAG:
        found = db.session.scalar(sa.select(Tag.id).where(Tag.slug == key)) is not None
    elif not key.isdigit():
        found = False
    elif target is FollowTarget.CASE:
        case = db.session.get(Case, int(key))
        found = case is not None and can_view_case(current_user, case)
    else:
        model = {FollowTarget.PRINCIPLE: Principle, FollowTarget.ORGANISATION: Organisation,
                 FollowTarget.MEMBER: User}[target]
        found = db.session.get(model, int(key)) is not None
    if not found:
        abort(404)


def _target(value: str) -> FollowTarget:
    try:
        return FollowTarget(value)
    except ValueError:
        abort(404)


@bp.post("/volgen/<target>/<key>")
@login_required
def follow(target: str, key: str):
    """Follow a case, theme, tag, principle, organisation or member."""
    kind = _target(target)
    _check_target(kind, key)
    services.follow(current_user, kind, key)
    flash(_("You follow this now."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("notify.index")))


@bp.post("/ontvolgen/<target>/<key>")
@login_required
def unfollow(target: str, key: str):
    """Stop following something."""
    kind = _target(target)
    services.unfollow(current_user, kind, key)
    flash(_("You no longer follow this."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("notify.index")))


@bp.get("/meldingen")
@login_required
def index():
    """A member's notifications, newest first."""
    page = paginate(Notification.for_user(current_user.id))
    return render_template(
        "notify/index.html", page=page, groups=services.grouped(page.items), link=services.link
    )


@bp.post("/meldingen/gelezen")
@login_required
def mark_read():
    """Mark some or all notifications read."""
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit()]
    services.mark_read(current_user, ids if ids else None)
    return redirect(url_for("notify.index"))


@bp.route("/meldingen/instellingen", methods=["GET", "POST"])
@login_required
def settings():
    """Notification settings: what is mailed, and how often."""
    current = services.preferences(current_user)
    form = SettingsForm(
        data={f"mail_{k.value}": d.value for k, d in current.items()}
        | {"follow_joined_threads": services.settings_for(current_user).follow_joined_threads}
    )
    if form.validate_on_submit():
        wanted = {k: Delivery(form[f"mail_{k.value}"].data) for k in registered()}
        services.save_preferences(current_user, wanted, form.follow_joined_threads.data)
        flash(_("Your notification settings have been saved."), "success")
        return redirect(url_for("notify.settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("notify/settings.html", form=form, kinds=registered()), status


@bp.route("/meldingen/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: mail clients POST without a session; the token is the proof
def unsubscribe(token: str):
    """Unsubscribe from mail through the link in a mail (one click, no log-in)."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        abort(400, _("This unsubscribe link is not valid."))
    user, kind = found
    if request.method == "POST":
        services.unsubscribe(user, kind)
        return render_template("notify/unsubscribed.html", kind=kind)
    return render_template("notify/unsubscribe.html", token=token, kind=kind)
