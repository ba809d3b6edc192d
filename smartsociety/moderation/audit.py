"""The one way a moderator or administrator action is recorded: call `record` before the commit."""
from smartsociety.extensions import db
from smartsociety.models import AuditEntry
from smartsociety.moderation.registry import describe
from smartsociety.permissions import is_moderator


def record(actor, action: str, target=None, *, target_type: str = "", target_id=None,
           label: str = "", reason: str = "") -> AuditEntry:
    """Add an audit entry to the current transaction; the caller's commit writes both together.

    `target` may be any registered reportable item (its type, id and title are looked up) or an
    object with an `id`; pass target_type/label for others.
    """
    if target is not None:
        target_type, target_id, label = describe(target, target_type, label)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type or "",
        target_id=target_id,
        target_label=(label or "")[:200],
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


def record_if_moderating(actor, action: str, target=None, *, own: bool = False, **details):
    """Record `action` when a moderator does it by virtue of the role (not on their own
    content): members acting on what is theirs leave no audit entry."""
    if actor is not None and is_moderator(actor) and not own:
        return record(actor, action, target, **details)
    return None
