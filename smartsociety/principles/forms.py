"""Input rules for principle texts, consultation and case links; choices come from the views."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from smartsociety.formbase import Form
from smartsociety.ids import db_id
from smartsociety.labels import choices
from smartsociety.models import VoteChoice

MAX_RULES = 20
RULE_LENGTH = 1000


def _optional_int(value):
    return db_id(value) if value not in (None, "", "None") else None


class PrincipleForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    statement = TextAreaField(
        _l("Statement"), validators=[DataRequired(), Length(max=600)], render_kw={"rows": 2}
    )
    explanation = TextAreaField(_l("Explanation"), validators=[Length(max=20_000)])
    rules = TextAreaField(
        _l("Rules"), validators=[DataRequired(), Length(max=MAX_RULES * (RULE_LENGTH + 2))]
    )

    @property
    def rule_texts(self) -> list[str]:
        return [" ".join(line.split()) for line in (self.rules.data or "").splitlines()
                if line.strip()]

    def validate_rules(self, field) -> None:
        texts = self.rule_texts
        if not texts:
            raise ValidationError(_l("Give at least one rule."))
        if len(texts) > MAX_RULES:
            raise ValidationError(_l("At most %(n)d rules.", n=MAX_RULES))
        if any(len(text) > RULE_LENGTH for text in texts):
            raise ValidationError(_l("Each rule can be at most %(n)d characters.", n=RULE_LENGTH))


class AdoptForm(Form):
    decision = StringField(
        _l("Decision"),
        validators=[DataRequired(), Length(max=200)],
        description=_l('For example "ALV 2019-11-29, agendapunt 7".'),
    )
    adopted_on = DateField(_l("Date of adoption"), validators=[InputRequired()])


class VoteForm(Form):
    choice = RadioField(
        _l("Your opinion on this rule"),
        choices=choices(VoteChoice),
        validators=[InputRequired()],
    )


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3}
    )


class AmendmentForm(Form):
    text = TextAreaField(
        _l("Proposed wording"),
        validators=[DataRequired(), Length(max=RULE_LENGTH)],
        render_kw={"rows": 2},
    )
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3}
    )


class LinkForm(Form):
    principle = SelectField(_l("Principle"), coerce=int, validators=[InputRequired()])
    rule = SelectField(_l("Rule (optional)"), coerce=_optional_int, validators=[Optional()])
    note = StringField(_l("Why does this case touch it?"), validators=[Length(max=300)])
