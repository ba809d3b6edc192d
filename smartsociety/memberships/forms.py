"""Membership forms: decisions on a claim, e-mail domains, moving to another organisation."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from smartsociety.formbase import Form
from smartsociety.labels import options

DECISIONS = ("approve", "refuse", "remove", "appoint", "withdraw_admin")
# A host name with at least one dot: labels of letters, digits and hyphens.
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Addresses anyone can get: a domain like these proves nothing about an organisation.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl",
    "live.com", "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com",
    "proton.me", "protonmail.com", "gmx.net", "gmx.com", "ziggo.nl", "kpnmail.nl", "kpnplanet.nl",
    "planet.nl", "home.nl", "xs4all.nl", "telfort.nl", "hetnet.nl", "casema.nl", "chello.nl",
    "zonnet.nl", "online.nl", "tele2.nl", "upcmail.nl", "mail.com", "aol.com", "example.com",
})


def lower(value):
    return value.strip().lower().removeprefix("@") if isinstance(value, str) else value


class DecisionForm(Form):
    """The button pressed on a claim or member: approve, refuse, remove, (withdraw) admin."""

    decision = SelectField(choices=options((d, d) for d in DECISIONS),
                           validators=[DataRequired()])


class DomainForm(Form):
    domain = StringField(
        _l("E-mail domain"), filters=[lower],
        validators=[DataRequired(), Length(max=253),
                    Regexp(DOMAIN, message=_l("Enter a domain such as turfbrug.nl, without @."))],
    )

    def validate_domain(self, field):
        if field.data in PUBLIC_MAIL_DOMAINS:
            raise ValidationError(_l(
                "Anyone can have an address at %(domain)s, so it cannot verify members.",
                domain=field.data,
            ))


class LeaveForm(Form):
    """Only the CSRF token: leaving needs no input."""


class MoveForm(Form):
    organisation = SelectField(_l("New organisation"), validators=[DataRequired()])

    def __init__(self, *args, organisation_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = options(organisation_choices)
