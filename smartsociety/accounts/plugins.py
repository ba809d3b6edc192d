"""What accounts add to other features: profiles as reportable items. Hiding a profile keeps
the name (posts still need a byline) and hides job title and bio."""
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from smartsociety.models import EventKind, User, utcnow
from smartsociety.moderation.registry import ReportableType
from smartsociety.moderation.registry import register as register_reportable
from smartsociety.notify.registry import register_event


def _hide_profile(user: User, reason: str | None) -> None:
    user.profile_hidden_at = utcnow() if reason is not None else None
    user.profile_hidden_reason = reason


def _delete_profile(user: User) -> None:
    """Remove what the member wrote about themselves; the account and their posts remain."""
    user.job_title = ""
    user.bio = ""
    _hide_profile(user, None)


def register(app: Flask) -> None:
    register_event(EventKind.ACCOUNT, _l("About your account"))
    register_reportable(ReportableType(
        name="profile",
        label=_l("Profile"),
        model=User,
        title=lambda user: user.name,
        url=lambda user: url_for("accounts.profile", user_id=user.id),
        author=lambda user: user,
        is_hidden=lambda user: user.profile_hidden_at is not None,
        hide=_hide_profile,
        restore=lambda user: _hide_profile(user, None),
        delete=_delete_profile,
        edit_url=lambda user: url_for("accounts.edit_profile", user_id=user.id),
    ))
