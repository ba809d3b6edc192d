"""Input rules for questionnaires (moderators) and evaluations (gemeenten)."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from smartsociety.evaluation.questionnaires import OutlineError, parse_outline
from smartsociety.evaluation.services import FIRST_ROUND, LAST_ROUND, NOTE_MAX_LENGTH
from smartsociety.formbase import Form
from smartsociety.labels import options
from smartsociety.models import SCALE_LEVELS

DEFAULT_LEVELS = (
    _l("Ad hoc: it depends on individuals and is not planned."),
    _l("Repeatable: it is done in places, in the same way each time."),
    _l("Defined: the gemeente has a policy and applies it everywhere."),
    _l("Managed: results are measured and steered on."),
    _l("Leading: the gemeente improves continuously and helps others."),
)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class QuestionnaireForm(Form):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[DataRequired(), Length(max=200)])
    introduction = TextAreaField(_l("Introduction"), validators=[Length(max=5000)])
    level_1 = StringField(_l("Level 1"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    level_2 = StringField(_l("Level 2"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    level_3 = StringField(_l("Level 3"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    level_4 = StringField(_l("Level 4"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    level_5 = StringField(_l("Level 5"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    outline = TextAreaField(_l("Themes and statements"),
                            validators=[DataRequired(), Length(max=30_000)])

    @property
    def levels(self) -> list[str]:
        return [getattr(self, f"level_{n}").data for n in SCALE_LEVELS]

    def validate_outline(self, field):
        try:
            parse_outline(field.data or "")
        except OutlineError as error:
            raise ValidationError(str(error)) from None


class StartForm(Form):
    version = SelectField(_l("Questionnaire"), coerce=int, validate_choice=True)
    round = IntegerField(_l("Round (year)"), default=lambda: date.today().year,
                         validators=[DataRequired(), NumberRange(FIRST_ROUND, LAST_ROUND)])


class AnswerForm(Form):
    # One form per statement on a page, each with its own prefix; the site-wide CSRF check
    # (CSRFProtect) guards the POST, so the prefixed copy of the token is not needed.
    class Meta:
        csrf = False

    level = RadioField(
        _l("Level"), coerce=int,
        choices=options((n, str(n)) for n in SCALE_LEVELS),
        validators=[DataRequired(message=_l("Choose a level from 1 to 5."))],
    )
    note = TextAreaField(_l("Note (optional)"),
                         validators=[Optional(), Length(max=NOTE_MAX_LENGTH)])


class SharingForm(Form):
    shared = BooleanField(_l("Other gemeenten may see our scores (never our notes)"))
    contactable = BooleanField(
        _l("Gemeenten that score low where we score high may be pointed to us")
    )
