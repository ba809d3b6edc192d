"""Input rules for personal access tokens."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from smartsociety.formbase import Form
from smartsociety.labels import options
from smartsociety.models import TokenScope


class TokenForm(Form):
    name = StringField(
        _l("Name"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Give the token a name, e.g. the program that uses it.")),
                    Length(max=80)],
    )
    scope = RadioField(
        _l("Scope"), default=TokenScope.READ.value, validators=[InputRequired()],
        choices=options([
            (TokenScope.READ.value, _l("Read: also what only you may see")),
            (TokenScope.WRITE.value, _l("Read and write: post and edit in your name"))]),
    )
    days = IntegerField(
        _l("Valid for (days)"), default=90,
        validators=[InputRequired(_l("Say how many days the token is valid.")),
                    NumberRange(min=1, max=365, message=_l("Between 1 and 365 days."))],
    )
    submit = SubmitField(_l("Create token"))
