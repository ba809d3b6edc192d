"""Input rules for events, sessions, registration and the report."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp

from smartsociety.cases.forms import MultiCheckboxField
from smartsociety.formbase import Form
from smartsociety.labels import choices, options
from smartsociety.models import Theme

URL_FORMAT = _l("Enter a web address starting with https://.")
ZONES = ("Europe/Amsterdam", "Europe/Brussels", "Europe/London", "UTC")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def when(label, required=True):
    return DateTimeLocalField(label, format=DATETIME_FORMATS,
                              validators=[DataRequired()] if required else [Optional()])


class EventForm(Form):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)])
    starts_at = when(_l("Starts"))
    ends_at = when(_l("Ends"))
    timezone = SelectField(_l("Time zone"), choices=options((z, z) for z in ZONES),
                           default=ZONES[0])
    venue = StringField(_l("Address"), filters=[strip], validators=[Length(max=300)])
    online_url = URLField(_l("Online link"), filters=[strip], validators=[
        Optional(), Length(max=300), Regexp(r"^https?://", flags=re.I, message=URL_FORMAT),
        URL(message=URL_FORMAT)])
    capacity = IntegerField(_l("Places (empty: no limit)"),
                            validators=[Optional(), NumberRange(min=1, max=100_000)])
    registration_opens_at = when(_l("Registration opens"), required=False)
    registration_closes_at = when(_l("Registration closes"), required=False)
    themes = MultiCheckboxField(_l("Themes"), choices=choices(Theme))


class SessionForm(Form):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    track = StringField(_l("Track"), filters=[strip], validators=[Length(max=80)])
    room = StringField(_l("Room"), filters=[strip], validators=[Length(max=120)])
    starts_at = when(_l("Starts"))
    ends_at = when(_l("Ends"))
    speakers = StringField(
        _l("Speakers"), filters=[strip], validators=[Length(max=600)],
        description=_l("Separate with commas. A member's e-mail address links the member; "
                       "other names are shown as typed."))
    capacity = IntegerField(_l("Places (empty: as many as the event)"),
                            validators=[Optional(), NumberRange(min=1, max=100_000)])
    cases = StringField(_l("Cases discussed (numbers, separated by commas)"), filters=[strip],
                        validators=[Optional(), Length(max=200),
                                    Regexp(r"^[\d,\s]*$", message=_l("Use case numbers."))])
    rules = StringField(_l("Rules discussed (e.g. 3.1, 6.2)"), filters=[strip],
                        validators=[Optional(), Length(max=200),
                                    Regexp(r"^[\d.,\s]*$", message=_l("Use rule numbers such as 3.1."))])


class CancelForm(Form):
    reason = TextAreaField(_l("Reason (shown to those registered)"),
                           validators=[DataRequired(), Length(max=500)])


class RegisterForm(Form):
    name_visible = BooleanField(_l("Other attendees may see my name"))


class ReportForm(Form):
    report = TextAreaField(_l("Report"), validators=[Length(max=50_000)])
    upload = FileField(_l("Add slides or another file"))


class OutcomeForm(Form):
    # One per session on the report page, each with its own prefix; CSRFProtect guards the POST.
    class Meta:
        csrf = False

    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=20_000)])


