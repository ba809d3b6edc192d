"""Role changes, keeping at least one administrator."""
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import Role, User
from smartsociety.moderation.audit import record
from smartsociety.refusals import Refused


class LastAdminError(Refused):
    """Taking the role away would leave the site without an administrator."""

    def __init__(self):
        super().__init__(_l("The site needs at least one administrator. Make someone else an "
                            "administrator first."))


def change_role(user: User, role: Role, actor: User | None = None) -> None:
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        # Lock the administrators' rows so two demotions at once cannot both pass the check.
        if len(db.session.scalars(User.admins().with_for_update()).all()) <= 1:
            raise LastAdminError
    record(actor, "role_change", user, reason=f"{user.role.value} → {role.value}")
    user.role = role
