"""Member administration: the member list and role changes (administrators only)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety.admin import services
from smartsociety.admin.forms import MemberSearchForm, RoleForm
from smartsociety.extensions import db
from smartsociety.labels import label
from smartsociety.models import Role, User
from smartsociety.pagination import paginate
from smartsociety.permissions import can_change_roles, ensure
from smartsociety.redirects import safe_next_url

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.get("/leden")
@login_required
def users():
    """Administration: members, searchable, with their roles."""
    ensure(can_change_roles(current_user))
    form = MemberSearchForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    page = paginate(User.search(query).options(selectinload(User.organisation)))
    return render_template("admin/users.html", form=form, page=page, roles=list(Role))


@bp.post("/leden/<int:user_id>/rol")
@login_required
def change_role(user_id: int):
    """Change a member's site role (the last administrator stays)."""
    ensure(can_change_roles(current_user))
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.change_role(user, Role(form.role.data), actor=current_user)
    flash(
        _("%(name)s is now: %(role)s.", name=user.name, role=label(user.role)), "success"
    )
    fallback = url_for("admin.users")
    return redirect(safe_next_url(request.form.get("next"), fallback))
