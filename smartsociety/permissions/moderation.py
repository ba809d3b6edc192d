"""Moderation, privacy and the API."""

from smartsociety.models import (
    Role,
    User,
)
from smartsociety.moderation import registry
from smartsociety.permissions.roles import can_contribute, is_admin, is_member, is_moderator

# Moderation


def can_moderate(user) -> bool:
    return is_moderator(user)


def can_delete_permanently(user) -> bool:
    return is_admin(user)


def can_report(user, item) -> bool:
    """Members report what they can see and did not write themselves."""
    kind = registry.type_of(item)
    if kind is None or not can_contribute(user):
        return False
    author = kind.author(item)
    return author is None or author.id != user.id


def can_view_hidden(user, item) -> bool:
    """Hidden items stay visible to their author and to moderators."""
    kind = registry.type_of(item)
    if kind is None:
        return False
    if not kind.is_hidden(item) or is_moderator(user):
        return True
    author = kind.author(item)
    return is_member(user) and author is not None and author.id == user.id


def can_sanction(user, member: User) -> bool:
    return is_moderator(user) and member.id != user.id and (
        member.role is Role.MEMBER or is_admin(user)
    )


# Privacy and the API (issue 21)


def can_manage_policies(user) -> bool:
    """Publish a new version of the terms or the privacy statement."""
    return is_moderator(user)


def can_erase_account(user, member: User) -> bool:
    """Administrators erase an account on the member's request (never their own here)."""
    return is_admin(user) and member.id != user.id and member.role is not Role.ADMIN
