"""Account forms: registration, login, password change and profile."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from smartsociety.accounts.passwords import password_problems
from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import OrganisationKind
from smartsociety.models.organisation import CBS_CODE
from smartsociety.organisations.forms import (
    CBS_CODE_FORMAT,
    CBS_CODE_REQUIRED,
    URL_FORMAT,
    WEB_ADDRESS,
    missing_cbs_code,
    strip,
    upper,
)

# Hashing is deliberately slow; a cap keeps a megabyte "password" from tying up a worker.
PASSWORD_MAX_LENGTH = 256
BIO_MAX_LENGTH = 5000
NEW_ORGANISATION = "new"


class PasswordPolicy:
    """Validator applying the site's password policy (length from the form's min_length)."""

    def __call__(self, form, field):
        problems = password_problems(
            field.data or "",
            form.min_length,
            email=form.identity_email(),
            name=form.identity_name(),
            words=form.identity_words() if hasattr(form, "identity_words") else (),
        )
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class RegisterForm(Form):
    name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH), PasswordPolicy()],
    )
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    new_organisation_name = StringField(
        _l("Name of the organisation"), filters=[strip], validators=[Optional(), Length(max=160)]
    )
    new_organisation_kind = SelectField(
        _l("Kind of organisation"), choices=choices(OrganisationKind), validators=[Optional()]
    )
    new_organisation_website = URLField(
        _l("Website"),
        filters=[strip],
        validators=[Optional(), Length(max=300), WEB_ADDRESS, URL(message=URL_FORMAT)],
    )
    new_organisation_cbs_code = StringField(
        _l("CBS municipality code"),
        filters=[upper],
        validators=[
            Optional(),
            Regexp(CBS_CODE, message=CBS_CODE_FORMAT),
        ],
    )

    def __init__(self, *args, organisation_choices=(), min_length: int = 12, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_length = min_length
        self.organisation.choices = [
            SelectChoice("", _l("Choose your organisation")),
            *(SelectChoice(value, text) for value, text in organisation_choices),
            SelectChoice(NEW_ORGANISATION, _l("My organisation is not listed: propose it")),
        ]

    def identity_email(self) -> str:
        return self.email.data or ""

    def identity_name(self) -> str:
        return self.name.data or ""

    def identity_words(self) -> list[str]:
        chosen = dict((str(c.value), str(c.label)) for c in self.organisation.choices
                      if c.value not in ("", NEW_ORGANISATION))
        return [word for word in (chosen.get(self.organisation.data or ""),
                                  self.new_organisation_name.data) if word]

    @property
    def proposes_organisation(self) -> bool:
        return self.organisation.data == NEW_ORGANISATION

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.proposes_organisation:
            if not self.new_organisation_name.data:
                self.new_organisation_name.errors.append(_l("Enter the name of your organisation."))
                valid = False
            kind, code = self.new_organisation_kind.data, self.new_organisation_cbs_code.data
            if missing_cbs_code(kind, code):
                self.new_organisation_cbs_code.errors.append(CBS_CODE_REQUIRED)
                valid = False
        return valid


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"), filters=[strip], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField(validators=[Optional(), Length(max=2000)])


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH), PasswordPolicy()],
    )
    password_confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def __init__(self, *args, email: str = "", name: str = "", min_length: int = 12, **kwargs):
        super().__init__(*args, **kwargs)
        self._email, self._name, self.min_length = email, name, min_length

    def identity_email(self) -> str:
        return self._email

    def identity_name(self) -> str:
        return self._name


class ProfileForm(Form):
    name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=120)]
    )
    job_title = StringField(_l("Job title"), filters=[strip], validators=[Length(max=120)])
    bio = TextAreaField(_l("About you"), validators=[Length(max=BIO_MAX_LENGTH)])
    locale = SelectField(
        _l("Preferred language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
        validators=[InputRequired()],
    )
