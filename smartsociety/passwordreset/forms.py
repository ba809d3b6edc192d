"""Asking for a reset link and choosing the new password."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from smartsociety.accounts.forms import PASSWORD_MAX_LENGTH, PasswordPolicy
from smartsociety.formbase import Form
from smartsociety.organisations.forms import strip


class ForgotForm(Form):
    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )


class ResetForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH), PasswordPolicy()],
    )
    password_confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def __init__(self, *args, user=None, min_length: int = 12, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.min_length = user, min_length

    def identity_email(self) -> str:
        return self.user.email if self.user else ""

    def identity_name(self) -> str:
        return self.user.name if self.user else ""

    def identity_words(self) -> list[str]:
        organisation = getattr(self.user, "organisation", None)
        return [organisation.name] if organisation else []
