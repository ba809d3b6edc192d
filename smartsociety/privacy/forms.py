"""Input rules for deleting an account and publishing terms."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from smartsociety.formbase import Form
from smartsociety.labels import options
from smartsociety.models import PolicyKind


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(_l("Enter your password."))])
    # Asked (and then required) only when the member has two-factor sign-in on.
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[Length(max=40)])
    confirm = BooleanField(
        _l("I understand that my account and personal data are erased and this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class EraseMemberForm(Form):
    reason = StringField(_l("Request (reference and date)"), validators=[
        DataRequired(_l("Say whose request this is and when it came in.")), Length(max=500)])
    confirm = BooleanField(_l("Erase this account now"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class PublishPolicyForm(Form):
    kind = RadioField(_l("Document"), validators=[InputRequired()], choices=options([
        (PolicyKind.TERMS.value, _l("Terms of use")),
        (PolicyKind.PRIVACY.value, _l("Privacy statement"))]))
    summary = StringField(_l("What changed"), validators=[
        DataRequired(_l("Say in one sentence what changed.")), Length(max=500)])
    body = TextAreaField(_l("Full text"), validators=[
        DataRequired(_l("Write the full text.")), Length(max=100_000)])
