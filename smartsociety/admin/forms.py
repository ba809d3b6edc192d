"""Administration forms."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from smartsociety.formbase import Form
from smartsociety.labels import choices
from smartsociety.models import Role


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=choices(Role), validators=[DataRequired()])


class MemberSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail address"), validators=[Optional(), Length(max=254)])
