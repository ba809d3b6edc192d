"""Input rules for the moderators' lists, a gemeente's size, comparisons and requirements."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import RequirementKind


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CategoryForm(Form):
    name = StringField(_l("Name of the category"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80)])
    description = StringField(_l("Description (optional)"), filters=[_strip],
                              validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Add category"))


class CertificationForm(Form):
    name = StringField(_l("Name of the certification"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add certification"))


class InhabitantsForm(Form):
    inhabitants = IntegerField(
        _l("Number of inhabitants"),
        validators=[InputRequired(_l("Give the number of inhabitants.")),
                    NumberRange(min=1, max=2_000_000)],
    )
    submit = SubmitField(_l("Save"))


class RequirementForm(Form):
    kind = SelectField(_l("Requirement"), choices=choices(RequirementKind),
                       validators=[InputRequired()])
    # Choices (standards and certifications, "standard:<id>" / "certification:<id>") come
    # from the view; only needed for those two kinds.
    target = SelectField(_l("Which standard or certification"), validators=[Optional()])
    submit = SubmitField(_l("Add requirement"))
