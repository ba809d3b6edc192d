"""Input rules for partner requests and decisions, adoptions and a project's links."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from smartsociety.formbase import Form
from smartsociety.labels import choices, options
from smartsociety.models import AdoptionStage


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class HasItTooForm(Form):
    on = RadioField(choices=options([("1", "1"), ("0", "0")]), validators=[InputRequired()])


class PartnerRequestForm(Form):
    message = TextAreaField(_l("Why your gemeente wants to join (optional)"), filters=[_strip],
                            validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Ask to join as partner"))


class DecisionForm(Form):
    decision = RadioField(choices=options([("accept", "accept"), ("decline", "decline")]),
                          validators=[InputRequired(), AnyOf(["accept", "decline"])])


class AdoptionForm(Form):
    stage = RadioField(_l("Stage in your gemeente"), choices=choices(AdoptionStage),
                       validators=[InputRequired(_l("Choose a stage."))])
    note = TextAreaField(_l("Short note"), filters=[_strip],
                         validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))


class LinkSolutionForm(Form):
    solution_id = SelectField(_l("Solution used"), coerce=int,
                              validators=[InputRequired(_l("Choose a solution."))])
    submit = SubmitField(_l("Link solution"))


class LinkRuleForm(Form):
    rule_id = SelectField(_l("Rule the project follows"), coerce=int,
                          validators=[InputRequired(_l("Choose a rule."))])
    submit = SubmitField(_l("Link rule"))
