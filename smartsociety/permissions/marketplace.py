"""The marketplace: organisations' solutions, offers on cases, uses and contact."""

from smartsociety.models import (
    PROVIDER_KINDS,
    Case,
    Offer,
    Organisation,
    OrganisationKind,
    Solution,
    takes_offers,
)
from smartsociety.permissions.cases import can_view_case, is_case_author
from smartsociety.permissions.roles import (
    can_contribute,
    is_member,
    is_moderator,
    is_verified_member,
    verified_organisation,
)


def _organisation_kind(user):
    """The kind of organisation the user speaks for (verified), or None."""
    organisation = verified_organisation(user)
    return organisation.kind if organisation is not None else None


def is_organisation_member(user, organisation: Organisation) -> bool:
    return is_member(user) and user.organisation_id == organisation.id


def can_publish_solution(user) -> bool:
    """Only members of companies and research institutions list solutions."""
    return can_contribute(user) and _organisation_kind(user) in PROVIDER_KINDS


def can_edit_solution(user, solution: Solution) -> bool:
    return is_moderator(user) or (
        can_publish_solution(user) and user.organisation_id == solution.organisation_id
    )


def can_manage_standards(user) -> bool:
    return is_moderator(user)


def can_offer_solution(user, case: Case) -> bool:
    """Offer one of the organisation's solutions on an open case (once: checked on save)."""
    return (
        can_publish_solution(user)
        and can_view_case(user, case)
        and takes_offers(case)
        and case.organisation_id != user.organisation_id
    )


def can_set_offer_status(user, offer: Offer) -> bool:
    return is_case_author(user, offer.case)


def can_record_use(user, solution: Solution) -> bool:
    """Gemeente members say their gemeente uses a solution; never about their own solution."""
    return (
        can_contribute(user)
        and _organisation_kind(user) is OrganisationKind.GEMEENTE
        and user.organisation_id != solution.organisation_id
    )


def can_contact_provider(user, solution: Solution) -> bool:
    return (
        can_contribute(user)
        and not solution.is_withdrawn
        and user.organisation_id != solution.organisation_id
    )


def can_read_inbox(user, organisation: Organisation) -> bool:
    return is_verified_member(user, organisation)
