"""Organisation forms and the input rules shared with the proposal made at registration."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp

from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import OrganisationKind
from smartsociety.models.organisation import CBS_CODE

CBS_CODE_REQUIRED = _l("A municipality needs its CBS code, for example GM0363.")
CBS_CODE_FORMAT = _l("Use the form GM followed by four digits, for example GM0363.")
URL_FORMAT = _l("Enter a web address starting with https://.")
DESCRIPTION_MAX_LENGTH = 5000
# WTForms' URL validator accepts any scheme ("javascript://..."); websites are shown as links.
WEB_ADDRESS = Regexp(r"^https?://", flags=re.IGNORECASE, message=URL_FORMAT)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def missing_cbs_code(kind: str | None, cbs_code: str | None) -> bool:
    return kind == OrganisationKind.GEMEENTE.value and not cbs_code


class OrganisationForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind of organisation"), choices=choices(OrganisationKind))
    website = URLField(
        _l("Website"),
        filters=[strip],
        validators=[Optional(), Length(max=300), WEB_ADDRESS, URL(message=URL_FORMAT)],
    )
    cbs_code = StringField(
        _l("CBS municipality code"),
        filters=[upper],
        validators=[Optional(), Regexp(CBS_CODE, message=CBS_CODE_FORMAT)],
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=DESCRIPTION_MAX_LENGTH)]
    )
    inhabitants = IntegerField(
        _l("Number of inhabitants"),
        validators=[Optional(), NumberRange(min=1, max=20_000_000)],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if missing_cbs_code(self.kind.data, self.cbs_code.data):
            self.cbs_code.errors.append(CBS_CODE_REQUIRED)
            valid = False
        return valid


class SearchForm(Form):
    """The directory's filter (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), filters=[strip], validators=[Optional(), Length(max=160)])
    # No Optional(): it accepted " " and the view built an OrganisationKind from it.
    kind = SelectField(_l("Kind"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("All kinds")), *choices(OrganisationKind)]


class OrganisationProfileForm(Form):
    """What an organisation's administrators keep: name, kind and CBS code stay with the
    moderators, because votes and reviews are counted by them."""

    website = OrganisationForm.website
    description = OrganisationForm.description
    inhabitants = OrganisationForm.inhabitants
