"""Mail settings per kind of event."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import Delivery, EventKind


class SettingsForm(Form):
    follow_joined_threads = BooleanField(_l("Follow discussions I take part in"))


# One select per kind of event, named after the kind.
for _kind in EventKind:
    setattr(SettingsForm, f"mail_{_kind.value}",
            SelectField(_l("Mail"), choices=choices(Delivery), default="daily"))
