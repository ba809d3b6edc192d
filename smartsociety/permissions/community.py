"""Events, the self-evaluation and the sensor register."""

from smartsociety.models import (
    Organisation,
)
from smartsociety.permissions.marketplace import can_read_inbox
from smartsociety.permissions.roles import (
    can_contribute,
    is_moderator,
    is_verified_member,
    verified_organisation,
)

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
