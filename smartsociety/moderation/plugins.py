"""What moderation adds to other features: the notification kind of its decisions."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from smartsociety.models import EventKind
from smartsociety.notify.registry import register_event


def register(app: Flask) -> None:
    register_event(EventKind.MODERATION, _l("A moderation decision about your content"))
