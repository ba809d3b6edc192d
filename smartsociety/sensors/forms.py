"""Input rules for registrations, the review thread, questions to owners and missing sensors."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
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
from smartsociety.models import LegalBasis, SensorStatus, SensorType
from smartsociety.sensors import geometry


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _Coordinate(FloatField):
    """Accepts a decimal comma, as Dutch keyboards type it."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)


GEOMETRY_KINDS = options([("point", _l("A fixed place (a point)")),
                          ("area", _l("An area, for mobile sensors"))])
CASE_NUMBERS = re.compile(r"^[\d,;\s#]*$")


class SensorForm(Form):
    name = StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(_l("Give the sensor a name people recognise.")),
                                   Length(max=160)])
    sensor_type = SelectField(_l("Type of sensor"), choices=choices(SensorType),
                              validators=[InputRequired()])
    geometry_kind = RadioField(_l("Where"), choices=GEOMETRY_KINDS, default="point",
                               validators=[InputRequired()])
    latitude = _Coordinate(_l("Latitude"), validators=[Optional()])
    longitude = _Coordinate(_l("Longitude"), validators=[Optional()])
    area = TextAreaField(_l("Corners of the area"), validators=[Optional(), Length(max=20_000)])
    # Choices are given by the view: verified gemeenten; the member's own organisation.
    gemeente_id = SelectField(_l("Municipality where the sensor stands"), coerce=int,
                              validators=[InputRequired()])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired()])
    contact = StringField(_l("Public contact route"), filters=[_strip],
                          validators=[DataRequired(_l("Say how residents can reach the owner.")),
                                      Length(max=300)])
    purpose = TextAreaField(_l("Purpose"), filters=[_strip],
                            validators=[DataRequired(_l("Say why the sensor is there.")),
                                        Length(max=2000)])
    measures = TextAreaField(_l("What is measured"), filters=[_strip],
                             validators=[DataRequired(_l("Say what the sensor measures.")),
                                         Length(max=2000)])
    stored = TextAreaField(_l("What is stored"), filters=[_strip],
                           validators=[Optional(), Length(max=2000)])
    personal_data = BooleanField(_l("The sensor collects personal data"))
    legal_basis = SelectField(_l("Legal basis under the AVG (GDPR)"), validators=[Optional()],
                              choices=[SelectChoice("", _l("Choose…")), *choices(LegalBasis)])
    dpia_done = BooleanField(_l("A DPIA has been done"))
    retention = StringField(_l("Retention period"), filters=[_strip],
                            validators=[Optional(), Length(max=200)])
    access = StringField(_l("Who gets access to the data"), filters=[_strip],
                         validators=[Optional(), Length(max=500)])
    open_data = BooleanField(_l("The data is open data"))
    open_data_url = StringField(_l("Link to the open data"), filters=[_strip],
                                validators=[Optional(), URL(), Length(max=300)])
    placed_on = DateField(_l("Placement date"),
                          validators=[InputRequired(_l("Give the placement date."))])
    ends_on = DateField(_l("Planned end date"),
                        validators=[InputRequired(_l("Give the planned end date."))])
    status = SelectField(_l("Status"), choices=choices(SensorStatus), validators=[InputRequired()])
    cases = StringField(_l("Related cases"), filters=[_strip],
                        validators=[Optional(), Length(max=300)])
    rules = MultiCheckboxField(_l("Principle rules this sensor concerns"), coerce=int,
                               validators=[Optional()])
    submit = SubmitField(_l("Save registration"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.geometry = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        try:
            if self.geometry_kind.data == "area":
                self.geometry = geometry.area(self.area.data or "")
            else:
                self.geometry = geometry.point(self.latitude.data, self.longitude.data)
        except geometry.GeometryError as problem:
            target = self.area if self.geometry_kind.data == "area" else self.latitude
            target.errors = [*target.errors, str(problem)]
            valid = False
        if self.placed_on.data and self.ends_on.data and self.ends_on.data < self.placed_on.data:
            self.ends_on.errors = [*self.ends_on.errors,
                                   _l("The end date comes before the placement date.")]
            valid = False
        if self.personal_data.data:
            for field, message in (
                (self.legal_basis, _l("With personal data, give the legal basis.")),
                (self.retention, _l("With personal data, say how long it is kept.")),
                (self.access, _l("With personal data, say who gets access.")),
            ):
                if not field.data:
                    field.errors = [*field.errors, message]
                    valid = False
        if self.open_data.data and not self.open_data_url.data:
            self.open_data_url.errors = [*self.open_data_url.errors,
                                         _l("Give the link to the open data.")]
            valid = False
        if self.cases.data and not CASE_NUMBERS.match(self.cases.data):
            self.cases.errors = [*self.cases.errors,
                                 _l("Give case numbers separated by commas, e.g. “12, 31”.")]
            valid = False
        return valid

    def case_ids(self) -> list[int]:
        return sorted({int(n) for n in re.findall(r"\d+", self.cases.data or "")})[:20]


class MessageForm(Form):
    body = TextAreaField(_l("Your question or answer"), filters=[_strip],
                         validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Add to the review thread"))


class StillThereForm(Form):
    answer = RadioField(_l("Is the sensor still there?"), validators=[InputRequired()],
                        choices=options([("yes", _l("Yes, until the new end date below")),
                                         ("removed", _l("No, it has been removed"))]))
    ends_on = DateField(_l("New planned end date"), validators=[Optional()])
    submit = SubmitField(_l("Send answer"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.answer.data == "yes" and not self.ends_on.data:
            self.ends_on.errors = [*self.ends_on.errors, _l("Give the new planned end date.")]
            valid = False
        return valid


class MissingSensorForm(Form):
    gemeente_id = SelectField(_l("Municipality"), coerce=int, validators=[InputRequired()])
    latitude = _Coordinate(_l("Latitude"), validators=[InputRequired(_l("Give the latitude."))])
    longitude = _Coordinate(_l("Longitude"),
                            validators=[InputRequired(_l("Give the longitude."))])
    description = TextAreaField(_l("What did you see?"), filters=[_strip],
                                validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Report the sensor"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            try:
                geometry.point(self.latitude.data, self.longitude.data)
            except geometry.GeometryError as problem:
                self.latitude.errors = [*self.latitude.errors, str(problem)]
                valid = False
        return valid


PERSONAL_CHOICES = options([("", _l("All")), ("yes", _l("Personal data")),
                            ("no", _l("No personal data"))])
STATUS_FILTERS = options([("", _l("Current (planned or active)")), *(
    (s.value, s.label) for s in choices(SensorStatus)), ("expired", _l("Expired")),
    ("all", _l("All"))])


class FilterForm(Form):
    """The register's filters, in the URL (the page, the GeoJSON and the CSV share them)."""

    class Meta:
        csrf = False

    q = StringField(_l("Text contains"), filters=[_strip], validators=[Optional(), Length(max=100)])
    type = SelectField(_l("Type"), validators=[Optional()],
                       choices=[SelectChoice("", _l("All types")), *choices(SensorType)])
    personal = SelectField(_l("Personal data"), choices=PERSONAL_CHOICES, validators=[Optional()])
    gemeente = StringField(_l("Municipality"), filters=[_strip],
                           validators=[Optional(), Length(max=180)])
    owner = StringField(_l("Owner"), filters=[_strip], validators=[Optional(), Length(max=180)])
    status = SelectField(_l("Status"), choices=STATUS_FILTERS, validators=[Optional()])
    bbox = StringField(_l("Map area (west,south,east,north)"), filters=[_strip],
                       validators=[Optional(), Length(max=120)])

    def validate_bbox(self, field):
        if field.data and geometry.parse_bbox(field.data) is None:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Give four numbers: west,south,east,north."))
