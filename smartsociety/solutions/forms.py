"""Input rules for solution listings, open standards, offers, use reviews and messages."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional

from smartsociety.cases.forms import MultiCheckboxField
from smartsociety.formbase import Form
from smartsociety.labels import choices, options
from smartsociety.models import PriceModel, Theme


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SolutionForm(Form):
    name = StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(_l("Give the solution a name.")), Length(max=160)])
    summary = TextAreaField(_l("Summary"), filters=[_strip],
                            validators=[DataRequired(_l("Summarise the solution.")),
                                        Length(max=600)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=50_000)])
    themes = MultiCheckboxField(_l("Themes"), choices=choices(Theme),
                                validators=[DataRequired(_l("Choose at least one theme."))])
    # Choices (the maintained list of open standards) are given by the view.
    standards = MultiCheckboxField(_l("Open standards supported"), coerce=int,
                                   validators=[Optional()])
    hosting_location = StringField(_l("Where the data is hosted"), filters=[_strip],
                                   validators=[Optional(), Length(max=200)])
    jurisdiction = StringField(_l("Under which jurisdiction"), filters=[_strip],
                               validators=[Optional(), Length(max=200)])
    privacy_by_design = BooleanField(_l("Privacy by design"))
    dpia_available = BooleanField(_l("A DPIA is available"))
    privacy_notes = TextAreaField(_l("How the solution handles privacy"), filters=[_strip],
                                  validators=[Optional(), Length(max=5000)])
    price_model = SelectField(_l("Price model"), choices=choices(PriceModel),
                              validators=[InputRequired()])
    contact = StringField(_l("Contact route"), filters=[_strip],
                          validators=[DataRequired(_l("Say how to get in touch.")),
                                      Length(max=300)])
    # Procurement terms; category and certification choices come from the moderators' lists.
    category_id = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    accepts_gibit = BooleanField(_l("Accepts GIBIT (Gemeentelijke Inkoopvoorwaarden bij IT)"))
    certifications = MultiCheckboxField(_l("Certifications"), coerce=int,
                                        validators=[Optional()])
    exit_plan = TextAreaField(_l("Exit plan: in which formats a gemeente gets its data back"),
                              filters=[_strip], validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save solution"))


class StandardForm(Form):
    name = StringField(_l("Name of the standard"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80)])
    url = StringField(_l("Web address"), filters=[_strip],
                      validators=[Optional(), URL(), Length(max=300)])
    submit = SubmitField(_l("Add standard"))


class OfferForm(Form):
    solution_id = SelectField(_l("Solution"), coerce=int, validators=[InputRequired()])
    explanation = TextAreaField(
        _l("How it helps with this case"), filters=[_strip],
        validators=[DataRequired(_l("Explain briefly how you can help.")), Length(max=1000)],
    )
    submit = SubmitField(_l("We can help with this"))

    def set_solutions(self, solutions) -> None:
        self.solution_id.choices = options([(s.id, s.name) for s in solutions])


RATING_CHOICES = options([(n, str(n)) for n in range(1, 6)])


class UseForm(Form):
    rating = RadioField(_l("Rating (1 poor, 5 excellent)"), coerce=int, choices=RATING_CHOICES,
                        validators=[InputRequired(_l("Choose a rating from 1 to 5."))])
    review = TextAreaField(_l("Your experience"), filters=[_strip],
                           validators=[DataRequired(_l("Describe your experience briefly.")),
                                       Length(max=2000)])
    since = DateField(_l("In use since (optional)"), validators=[Optional()])
    domain = StringField(_l("Domain or process it serves (optional)"), filters=[_strip],
                         validators=[Optional(), Length(max=160)])
    submit = SubmitField(_l("Save"))


class ContactForm(Form):
    subject = StringField(_l("Subject"), filters=[_strip],
                          validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), filters=[_strip],
                         validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Send message"))


class ReplyForm(Form):
    body = TextAreaField(_l("Your reply"), filters=[_strip],
                         validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Send reply"))


class ListFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or summary contains"), filters=[_strip],
                    validators=[Optional(), Length(max=160)])
    # No Optional(): it accepted " " (whitespace counts as empty) and the view built a Theme.
    theme = SelectField(_l("Theme"), default="",
                        choices=[SelectChoice("", _l("All themes")), *choices(Theme)])
