"""Who may do what: every permission rule is a named predicate, applied through `ensure`, kept in
this package by area (roles.py: who someone is; cases.py, marketplace.py, community.py,
moderation.py, together.py) and imported from here: `from smartsociety.permissions import ...`."""
from smartsociety.permissions.cases import (  # noqa: F401
    can_accept_amendment,
    can_accept_answer,
    can_comment,
    can_create_case,
    can_delete_comment,
    can_edit_case,
    can_edit_comment,
    can_link_case_principles,
    can_lock_thread,
    can_manage_editors,
    can_manage_principles,
    can_react,
    can_support_amendment,
    can_take_part_in_consultation,
    can_view_case,
    can_view_principle_version,
    can_vote_in_consultation,
    is_case_author,
    is_case_owner,
    is_case_partner_member,
)
from smartsociety.permissions.community import (  # noqa: F401
    can_ask_sensor_owner,
    can_discuss_sensor_review,
    can_edit_sensor,
    can_fill_evaluation,
    can_handle_missing_sensors,
    can_manage_event,
    can_manage_questionnaires,
    can_propose_event,
    can_publish_event,
    can_register_for_event,
    can_register_sensor,
    can_review_sensor,
    can_see_sensor_review_queue,
    can_take_part_in_conversation,
    can_view_evaluation,
    can_view_event,
    can_view_sensor,
)
from smartsociety.permissions.marketplace import (  # noqa: F401
    _organisation_kind,
    can_contact_provider,
    can_edit_solution,
    can_manage_standards,
    can_offer_solution,
    can_publish_solution,
    can_read_inbox,
    can_record_use,
    can_set_offer_status,
    is_organisation_member,
)
from smartsociety.permissions.moderation import (  # noqa: F401
    can_delete_permanently,
    can_erase_account,
    can_manage_policies,
    can_moderate,
    can_report,
    can_sanction,
    can_view_hidden,
)
from smartsociety.permissions.roles import (  # noqa: F401
    can_change_roles,
    can_contribute,
    can_edit_organisation,
    can_edit_organisation_identity,
    can_edit_profile,
    can_leave_organisation,
    can_manage_members,
    can_verify_organisation,
    ensure,
    is_admin,
    is_member,
    is_moderator,
    is_organisation_admin,
    is_verified_member,
    staff_may_act,
    verified_gemeente,
    verified_organisation,
)
from smartsociety.permissions.together import (  # noqa: F401
    can_adopt_project,
    can_decide_partners,
    can_edit_requirements,
    can_link_project,
    can_manage_procurement_lists,
    can_set_gemeente_size,
    can_share_case,
)

# Exposed to templates by name, so pages ask the same questions as views.
PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("is_", "can_")) and callable(value)
}
