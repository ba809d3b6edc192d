"""Who someone is: a member, staff, someone who may contribute, a verified member of an
organisation; and `ensure`, which turns a refused predicate into a 403."""
from flask import abort, current_app

from smartsociety.models import (
    Organisation,
    Role,
    User,
)


def ensure(allowed: bool) -> None:
    """Abort with 403 unless the predicate held."""
    if not allowed:
        abort(403)


def is_member(user) -> bool:
    return bool(user and user.is_authenticated)


def is_moderator(user) -> bool:
    return is_member(user) and user.role in (Role.MODERATOR, Role.ADMIN) and staff_may_act(user)


def is_admin(user) -> bool:
    return is_member(user) and user.role is Role.ADMIN and staff_may_act(user)


def staff_may_act(user) -> bool:
    """Moderator and administrator rights need two-factor sign-in (issue 15); until it is on,
    staff act as members (TWO_FACTOR_REQUIRED_FOR_STAFF, off only in the testing config)."""
    return getattr(user, "has_two_factor", False) or not current_app.config.get(
        "TWO_FACTOR_REQUIRED_FOR_STAFF", True
    )


def can_contribute(user) -> bool:
    """Post, comment, vote, review, offer or send messages at all (identity rules of issue 15:
    a verified e-mail address; suspension is checked where the action is). Every predicate for
    posting, commenting, voting, reviewing, offering, messaging and reporting asks this."""
    return is_member(user) and getattr(user, "email_verified_at", None) is not None


def verified_organisation(user) -> Organisation | None:
    """The organisation `user` speaks for, or None: every right that acts in an organisation's
    name (badge, votes by kind, reviews as a gemeente, offers, inbox, editing) asks this.
    Strict (issue 15): a verified e-mail address, a verified membership (not a claim) and a
    verified organisation."""
    if not is_member(user) or getattr(user, "email_verified_at", None) is None:
        return None
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_verified:
        return None
    organisation = getattr(user, "organisation", None)
    if organisation is None or not organisation.is_verified:
        return None
    return organisation


def is_verified_member(user, organisation: Organisation | None = None) -> bool:
    """`user` speaks for a verified organisation (for `organisation`, when given)."""
    speaks_for = verified_organisation(user)
    return speaks_for is not None and (organisation is None or speaks_for.id == organisation.id)


def can_edit_profile(user, profile: User) -> bool:
    return is_member(user) and (user.id == profile.id or is_admin(user))


def can_verify_organisation(user, organisation: Organisation) -> bool:
    return is_moderator(user)


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """Its profile (website, description): moderators and the organisation's administrators."""
    return is_moderator(user) or is_organisation_admin(user, organisation)


def can_edit_organisation_identity(user, organisation: Organisation) -> bool:
    """Name, kind and CBS code decide how votes and reviews count: moderators only."""
    return is_moderator(user)


def is_organisation_admin(user, organisation: Organisation) -> bool:
    """A verified member of `organisation` whom a moderator (or another of its administrators)
    made its administrator."""
    return is_verified_member(user, organisation) and bool(user.membership.is_admin)


def can_manage_members(user, organisation: Organisation) -> bool:
    """Approve, refuse and remove members, keep the e-mail domains, appoint administrators."""
    return is_moderator(user) or is_organisation_admin(user, organisation)


def can_leave_organisation(user) -> bool:
    return is_member(user) and user.organisation_id is not None


def can_change_roles(user) -> bool:
    return is_admin(user)


def verified_gemeente(user) -> Organisation | None:
    """The gemeente `user` speaks for as a verified member, or None."""
    organisation = verified_organisation(user)
    return organisation if organisation is not None and organisation.is_gemeente else None
