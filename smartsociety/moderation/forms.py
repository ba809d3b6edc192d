"""Input rules for reports, moderator decisions, sanctions and the audit log filters."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import ReportReason


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReportForm(Form):
    reason = RadioField(
        _l("Why are you reporting this?"), choices=choices(ReportReason),
        validators=[InputRequired(_l("Choose a reason."))],
    )
    text = TextAreaField(
        _l("Explanation"), filters=[_strip], validators=[Length(max=1000)],
    )
    submit = SubmitField(_l("Send report"))

    def validate_text(self, field):
        if self.reason.data == ReportReason.OTHER.value and not field.data:
            raise ValidationError(_l("Explain what is wrong when you choose “other”."))


class DecisionForm(Form):
    """A decision on one reported item; hiding and deleting need a reason."""

    reason = StringField(_l("Reason"), filters=[_strip], validators=[Length(max=500)])


class DeleteForm(Form):
    reason = StringField(
        _l("Reason"), filters=[_strip],
        validators=[DataRequired(_l("Give a reason.")), Length(max=500)],
    )
    submit = SubmitField(_l("Delete permanently"))


class WarnForm(Form):
    reason = TextAreaField(
        _l("Message to the member"), filters=[_strip],
        validators=[DataRequired(_l("Give a reason.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Send warning"))


class SuspendForm(Form):
    days = IntegerField(
        _l("Number of days"), default=7,
        validators=[InputRequired(_l("Give a number of days.")), NumberRange(min=1, max=3650)],
    )
    reason = TextAreaField(
        _l("Reason"), filters=[_strip],
        validators=[DataRequired(_l("Give a reason.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Suspend"))


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), default="")
    target_type = SelectField(_l("Type"), default="")
    submit = SubmitField(_l("Filter"))
