"""Who may do what: every permission rule is a named predicate here, applied through `ensure`."""
from flask import abort

from smartsociety.models import Organisation, Role, User


def ensure(allowed: bool) -> None:
    """Abort with 403 unless the predicate held."""
    if not allowed:
        abort(403)


def is_member(user) -> bool:
    return bool(user and user.is_authenticated)


def is_moderator(user) -> bool:
    return is_member(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def is_admin(user) -> bool:
    return is_member(user) and user.role is Role.ADMIN


def can_edit_profile(user, profile: User) -> bool:
    return is_member(user) and (user.id == profile.id or is_admin(user))


def can_verify_organisation(user, organisation: Organisation) -> bool:
    return is_moderator(user)


def can_edit_organisation(user, organisation: Organisation) -> bool:
    return is_moderator(user)


def can_change_roles(user) -> bool:
    return is_admin(user)


# Exposed to templates by name, so pages ask the same questions as views.
PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("is_", "can_")) and callable(value)
}
