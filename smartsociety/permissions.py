"""Who may do what: every permission rule is a named predicate here, applied through `ensure`."""
from flask import abort, current_app

from smartsociety.models import (
    PROVIDER_KINDS,
    Case,
    CaseKind,
    Comment,
    Offer,
    Organisation,
    OrganisationKind,
    Role,
    Solution,
    User,
    takes_adoptions,
    takes_offers,
)
from smartsociety.moderation import registry


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


# Events


def can_propose_event(user) -> bool:
    """Verified members of any organisation propose events in its name."""
    return can_contribute(user) and verified_organisation(user) is not None


def can_publish_event(user) -> bool:
    return is_moderator(user)


def can_manage_event(user, event) -> bool:
    """Edit, programme, attendees, report: moderators, the proposer and the organiser's
    verified members."""
    if is_moderator(user):
        return True
    if not can_contribute(user):
        return False
    return event.proposer_id == user.id or (
        event.organiser_id is not None and is_verified_member(user, event.organiser)
    )


def can_view_event(user, event) -> bool:
    return event.is_published or can_manage_event(user, event)


def can_register_for_event(user) -> bool:
    return can_contribute(user)


# Self-evaluation


def can_manage_questionnaires(user) -> bool:
    return is_moderator(user)


def can_fill_evaluation(user, organisation: Organisation) -> bool:
    """Verified members of a gemeente answer, submit and share its self-evaluation."""
    return (
        can_contribute(user)
        and organisation.is_gemeente
        and is_verified_member(user, organisation)
    )


def can_view_evaluation(user, evaluation) -> bool:
    """Its own gemeente always; other gemeenten's verified members only once it is submitted
    and the gemeente chose to share its scores."""
    if is_verified_member(user, evaluation.organisation):
        return True
    speaks_for = verified_organisation(user)
    return (
        evaluation.is_submitted
        and evaluation.shared_with_gemeenten
        and speaks_for is not None
        and speaks_for.is_gemeente
    )
# The sensor register


def can_register_sensor(user) -> bool:
    """Any verified member registers sensors in the name of their organisation."""
    return is_verified_member(user)


def can_edit_sensor(user, sensor) -> bool:
    return is_moderator(user) or is_verified_member(user, sensor.owner)


def can_review_sensor(user, sensor) -> bool:
    """The gemeente where the sensor stands reviews it (or a moderator)."""
    return is_moderator(user) or is_verified_member(user, sensor.gemeente)


def can_see_sensor_review_queue(user) -> bool:
    organisation = verified_organisation(user)
    return is_moderator(user) or (organisation is not None and organisation.is_gemeente)


def can_view_sensor(user, sensor) -> bool:
    """The public register shows accepted registrations; owner and gemeente see theirs."""
    return sensor.is_public or can_edit_sensor(user, sensor) or can_review_sensor(user, sensor)


def can_discuss_sensor_review(user, sensor) -> bool:
    return can_contribute(user) and (can_edit_sensor(user, sensor)
                                     or can_review_sensor(user, sensor))


def can_ask_sensor_owner(user, sensor) -> bool:
    return (can_contribute(user) and sensor.is_public
            and getattr(user, "organisation_id", None) != sensor.owner_id)


def can_handle_missing_sensors(user, gemeente) -> bool:
    return is_moderator(user) or is_verified_member(user, gemeente)


def can_take_part_in_conversation(user, message) -> bool:
    """A contact message's conversation: its sender and whoever reads the receiving inbox."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.id == message.sender_id or can_read_inbox(user, message.organisation)
    )


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
# Working together (partner gemeenten, adoptions, landscape, procurement)


def verified_gemeente(user) -> Organisation | None:
    """The gemeente `user` speaks for as a verified member, or None."""
    organisation = verified_organisation(user)
    return organisation if organisation is not None and organisation.is_gemeente else None


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


# Exposed to templates by name, so pages ask the same questions as views.
PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("is_", "can_")) and callable(value)
}
