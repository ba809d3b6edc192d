"""Principles and their consultation, cases, and their discussion."""

from smartsociety.models import (
    Case,
    CaseKind,
    Comment,
)
from smartsociety.permissions.roles import (
    can_contribute,
    is_member,
    is_moderator,
    is_verified_member,
    verified_gemeente,
    verified_organisation,
)


def can_manage_principles(user) -> bool:
    """Write principle versions and move them through their lifecycle."""
    return is_moderator(user)


def can_view_principle_version(user, version) -> bool:
    return version.is_public or can_manage_principles(user)


def can_take_part_in_consultation(user, version) -> bool:
    """Vote, comment, propose and support amendments (the version must also be in consultation)."""
    return can_contribute(user) and can_view_principle_version(user, version)


def can_vote_in_consultation(user, version) -> bool:
    """Votes are counted by organisation kind, so only verified members vote."""
    return can_take_part_in_consultation(user, version) and is_verified_member(user)


def can_support_amendment(user, amendment) -> bool:
    return can_contribute(user) and amendment.author_id != user.id


def can_accept_amendment(user, amendment) -> bool:
    return can_manage_principles(user)


def can_link_case_principles(user, case) -> bool:
    return is_member(user) and (case.author_id == user.id or is_moderator(user))


def can_create_case(user) -> bool:
    return can_contribute(user)


def can_view_case(user, case: Case) -> bool:
    return case.is_public or is_moderator(user) or (
        is_member(user) and user.id == case.author_id
    )


def is_case_author(user, case: Case) -> bool:
    return is_member(user) and case.author_id is not None and user.id == case.author_id


def can_edit_case(user, case: Case) -> bool:
    if is_moderator(user) or is_case_author(user, case):
        return True
    if is_case_partner_member(user, case):
        return True
    # Edit rights given by the author count only while the editor is in the same organisation.
    return (
        is_member(user)
        and user.id in case.editor_ids
        and case.organisation_id is not None
        and getattr(verified_organisation(user), "id", None) == case.organisation_id
    )


def can_manage_editors(user, case: Case) -> bool:
    return is_case_author(user, case) and case.organisation_id is not None


def can_comment(user, case: Case) -> bool:
    return can_contribute(user) and not case.is_locked and can_view_case(user, case)


def can_edit_comment(user, comment: Comment) -> bool:
    return (
        is_member(user)
        and comment.author_id == user.id
        and comment.is_public
        and not comment.case.is_locked
    )


def can_delete_comment(user, comment: Comment) -> bool:
    if comment.is_deleted or not is_member(user):
        return False
    return is_moderator(user) or (comment.author_id == user.id and not comment.case.is_locked)


def can_react(user, comment: Comment) -> bool:
    return (
        can_contribute(user)
        and comment.author_id != user.id
        and comment.is_public
        and not comment.case.is_locked
    )


def can_accept_answer(user, case: Case) -> bool:
    return case.kind is CaseKind.DILEMMA and (is_moderator(user) or is_case_author(user, case))


def can_lock_thread(user, case: Case) -> bool:
    return is_moderator(user)


def is_case_owner(user, case: Case) -> bool:
    """The author, and the verified members of the organisation the case belongs to."""
    return is_case_author(user, case) or (
        case.organisation_id is not None and is_verified_member(user)
        and verified_organisation(user).id == case.organisation_id
    )


def is_case_partner_member(user, case: Case) -> bool:
    """A verified member of a gemeente that the case's owners accepted as a partner."""
    gemeente = verified_gemeente(user)
    return gemeente is not None and any(
        link.organisation_id == gemeente.id and link.is_partner
        for link in getattr(case, "gemeente_links", ())
    )
