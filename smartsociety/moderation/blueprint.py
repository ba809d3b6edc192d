"""The moderation blueprint and what its routes share: the reported item by type and id, who
may see it, and the way back. Routes: views.py (reports, the queue, decisions), sanctions.py,
audit_views.py."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from smartsociety.moderation import registry
from smartsociety.permissions import can_view_case, can_view_hidden
from smartsociety.redirects import safe_next_url

bp = Blueprint("moderation", __name__)


def item_or_404(target_type: str, target_id: int):
    kind = registry.get(target_type)
    item = kind.load(target_id) if kind else None
    if item is None:
        abort(404, _("This item does not exist or has been removed."))
    return kind, item


def visible(kind, item) -> bool:
    if not can_view_hidden(current_user, item):
        return False
    if kind.name == "case":
        return can_view_case(current_user, item)
    if kind.name == "comment":
        return item.deleted_at is None and can_view_case(current_user, item.case)
    return True


def back(fallback: str | None = None):
    fallback = fallback or url_for("moderation.queue")
    return redirect(safe_next_url(request.form.get("next"), fallback))
