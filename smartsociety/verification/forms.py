"""The form to change one's e-mail address."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from smartsociety.accounts.forms import PASSWORD_MAX_LENGTH
from smartsociety.formbase import Form
from smartsociety.organisations.forms import strip


class ChangeEmailForm(Form):
    email = EmailField(
        _l("New e-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
