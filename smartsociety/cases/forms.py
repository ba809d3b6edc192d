"""Input rules for cases, comments, thread moderation and case list filters."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from smartsociety.formbase import Form
from smartsociety.labels import LANGUAGE_LABELS, choices, options
from smartsociety.models import CaseKind, DilemmaStatus, OrganisationKind, ProjectStatus, Theme


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfigLength:
    """Length limit read from the configuration, so deployments (and tests) can change it."""

    def __init__(self, setting: str):
        self.setting = setting

    def __call__(self, form, field):
        limit = current_app.config[self.setting]
        if field.data and len(field.data) > limit:
            raise ValidationError(
                _l("This text is too long: at most %(max)d characters.", max=limit)
            )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


LANGUAGE_CHOICES = list(LANGUAGE_LABELS.items())
# The empty first option stands outside the groups: a required <select>'s first option must be
# a placeholder directly in the select (HTML), not inside an <optgroup>.
STATUS_CHOICES = (
    options([("", _l("Choose a status"))])
    + choices(ProjectStatus, _l("Project")) + choices(DilemmaStatus, _l("Dilemma"))
)


class CaseForm(Form):
    kind = RadioField(_l("Kind"), choices=choices(CaseKind), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, render_kw={"required": True})
    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[DataRequired(_l("Give the case a title.")), Length(max=200)],
    )
    summary = TextAreaField(
        _l("Summary"), filters=[_strip], validators=[Optional(), Length(max=600)]
    )
    body = TextAreaField(_l("Description"), validators=[ConfigLength("CASE_BODY_MAX_LENGTH")])
    question = TextAreaField(
        _l("The question"), filters=[_strip], validators=[Length(max=5000)],
    )
    values_at_stake = TextAreaField(
        _l("Interests or values that clash"), filters=[_strip],
        validators=[Optional(), Length(max=5000)],
    )
    tried = TextAreaField(
        _l("What has been tried"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    legal_frame = TextAreaField(
        _l("Legal frame, if known"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    language = RadioField(
        _l("Language"), choices=options(LANGUAGE_CHOICES), default="nl",
        validators=[InputRequired()],
    )
    themes = MultiCheckboxField(
        _l("Themes"), choices=choices(Theme),
        validators=[DataRequired(_l("Choose at least one theme."))],
    )
    tags = StringField(_l("Tags"), filters=[_strip], validators=[Optional(), Length(max=500)])
    attachment = FileField(_l("Attachment"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def validate_status(self, field):
        statuses = DilemmaStatus if self.kind.data == CaseKind.DILEMMA.value else ProjectStatus
        if field.data not in {s.value for s in statuses}:
            # Without JavaScript the list shows every status: choosing "Dilemma" left "Idea"
            # selected and saving failed. The kind decides; its first status is the default.
            field.data = next(iter(statuses)).value

    def validate_question(self, field):
        if self.kind.data == CaseKind.DILEMMA.value and not field.data:
            raise ValidationError(_l("A dilemma needs its question."))


class CommentForm(Form):
    body = TextAreaField(
        _l("Your comment"), validators=[
            DataRequired(_l("Write a comment first.")), ConfigLength("COMMENT_BODY_MAX_LENGTH")
        ],
    )
    parent_id = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post comment"))

    def validate_parent_id(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("This reply refers to an unknown comment."))


class LockForm(Form):
    reason = StringField(
        _l("Reason for locking"), filters=[_strip],
        validators=[DataRequired(_l("Give a reason.")), Length(max=500)],
    )
    submit = SubmitField(_l("Lock thread"))


class EditorForm(Form):
    user_id = SelectField(_l("Colleague"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Give edit rights"))


def _optional(enum_cls):
    return options([("", _l("Any"))] + choices(enum_cls))


SORT_CHOICES = options([
    ("newest", _l("Newest")),
    ("active", _l("Recently active")),
    ("discussed", _l("Most discussed")),
    ("shared", _l("Shared by most gemeenten")),
])
SHARED_CHOICES = options([
    ("", _l("Any")),
    ("2", _l("2 or more gemeenten")),
    ("3", _l("3 or more gemeenten")),
    ("5", _l("5 or more gemeenten")),
])


class FilterForm(Form):
    """The list filters, read from the query string (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=_optional(CaseKind), default="")
    theme = SelectField(_l("Theme"), choices=_optional(Theme), default="")
    status = SelectField(
        _l("Status"),
        choices=options([("", _l("Any"))] + choices(ProjectStatus) + choices(DilemmaStatus)),
        default="",
    )
    organisation_kind = SelectField(
        _l("Organisation kind"), choices=_optional(OrganisationKind), default=""
    )
    language = SelectField(
        _l("Language"), choices=options([("", _l("Any"))] + LANGUAGE_CHOICES), default=""
    )
    tag = StringField(_l("Tag"), filters=[_strip], validators=[Optional(), Length(max=60)])
    # Choices (the public principles) are given by the view.
    principle = SelectField(_l("Principle"), choices=[], default="")
    shared = SelectField(_l("Shared by"), choices=SHARED_CHOICES, default="")
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="newest")
