"""Codes from the authenticator app (or a recovery code), and the password to change settings."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from smartsociety.accounts.forms import PASSWORD_MAX_LENGTH
from smartsociety.formbase import Form


class CodeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class ConfirmForm(CodeForm):
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
