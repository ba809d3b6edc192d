"""Working together: partner gemeenten, adoptions, the landscape and procurement lists."""

from smartsociety.models import (
    Case,
    CaseKind,
    Organisation,
    takes_adoptions,
)
from smartsociety.permissions.cases import can_edit_case, is_case_owner
from smartsociety.permissions.roles import (
    is_moderator,
    is_verified_member,
    verified_gemeente,
)

# Working together (partner gemeenten, adoptions, landscape, procurement)


def can_share_case(user, case: Case) -> bool:
    """Say "we have this too" or ask to join: another gemeente's verified member."""
    gemeente = verified_gemeente(user)
    return (
        gemeente is not None and case.is_public and gemeente.id != case.organisation_id
    )


def can_decide_partners(user, case: Case) -> bool:
    return is_case_owner(user, case)


def can_adopt_project(user, case: Case) -> bool:
    gemeente = verified_gemeente(user)
    return gemeente is not None and takes_adoptions(case) and gemeente.id != case.organisation_id


def can_link_project(user, case: Case) -> bool:
    return case.kind is CaseKind.PROJECT and can_edit_case(user, case)


def can_edit_requirements(user, case: Case) -> bool:
    return can_edit_case(user, case)


def can_manage_procurement_lists(user) -> bool:
    """Solution categories and certifications are lists moderators keep."""
    return is_moderator(user)


def can_set_gemeente_size(user, organisation: Organisation) -> bool:
    return organisation.is_gemeente and (
        is_moderator(user) or is_verified_member(user, organisation)
    )
