"""What the API returns and accepts (marshmallow schemas; the OpenAPI document is made from these)."""
import marshmallow as ma
from flask import url_for

from smartsociety.models import (
    CaseKind,
    DilemmaStatus,
    OrganisationKind,
    ProjectStatus,
    SensorStatus,
    SensorType,
    Theme,
)

F = ma.fields
FORMER_MEMBER = "voormalig lid"


def _value(item):
    return item.value if hasattr(item, "value") else item


def person(user) -> dict | None:
    """A contribution's author as the pages show it; an erased account is a former member."""
    if user is None or user.erased_at is not None:
        return {"id": None, "name": FORMER_MEMBER}
    return {"id": user.id, "name": user.name}


class PersonSchema(ma.Schema):
    id = F.Integer(allow_none=True, required=True)
    name = F.String(required=True)


class OrganisationRefSchema(ma.Schema):
    id = F.Integer(required=True)
    slug = F.String(required=True)
    name = F.String(required=True)
    kind = F.Function(lambda o: o.kind.value, required=True,
                      metadata={"enum": [k.value for k in OrganisationKind], "type": "string"})
    verified = F.Function(lambda o: o.is_verified, required=True, metadata={"type": "boolean"})


class OrganisationSchema(OrganisationRefSchema):
    website = F.String(allow_none=True, required=True)
    description = F.String(required=True)
    cbs_code = F.String(allow_none=True, required=True)
    created_at = F.DateTime(required=True)
    url = F.Function(lambda o: url_for("organisations.detail", slug=o.slug, _external=True),
                     required=True, metadata={"type": "string"})


class CaseSummarySchema(ma.Schema):
    id = F.Integer(required=True)
    kind = F.Function(lambda c: c.kind.value, required=True,
                      metadata={"type": "string", "enum": [k.value for k in CaseKind]})
    status = F.String(required=True)
    title = F.String(required=True)
    summary = F.String(required=True)
    language = F.String(required=True)
    themes = F.Function(lambda c: sorted(_value(t) for t in c.themes), required=True,
                        metadata={"type": "array", "items": {"type": "string"}})
    tags = F.Function(lambda c: [t.slug for t in c.tags], required=True,
                      metadata={"type": "array", "items": {"type": "string"}})
    organisation = F.Nested(OrganisationRefSchema, allow_none=True, required=True)
    author = F.Function(lambda c: person(c.author), required=True,
                        metadata={"allOf": [{"$ref": "#/components/schemas/Person"}]})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)
    last_activity_at = F.DateTime(required=True)
    comment_count = F.Integer(required=True)
    locked = F.Function(lambda c: c.is_locked, required=True, metadata={"type": "boolean"})
    hidden = F.Function(lambda c: not c.is_public, required=True, metadata={
        "type": "boolean",
        "description": "Only the author (and moderators) see a hidden case, marked so"})
    url = F.Function(lambda c: url_for("cases.detail", case_id=c.id, _external=True),
                     required=True, metadata={"type": "string"})


class CommentSchema(ma.Schema):
    id = F.Integer(required=True)
    parent_id = F.Integer(allow_none=True, required=True)
    author = F.Function(lambda c: person(c.author), required=True,
                        metadata={"allOf": [{"$ref": "#/components/schemas/Person"}]})
    body = F.String(required=True, metadata={"description": "Markdown as written"})
    body_html = F.String(required=True, metadata={"description": "Sanitised HTML"})
    created_at = F.DateTime(required=True)
    edited_at = F.DateTime(allow_none=True, required=True)
    accepted = F.Function(lambda c: c.accepted_at is not None, required=True,
                          metadata={"type": "boolean"})
    helpful_count = F.Integer(required=True)


class CaseSchema(CaseSummarySchema):
    body = F.String(required=True)
    body_html = F.String(required=True)
    question = F.String(required=True)
    values_at_stake = F.String(required=True)
    tried = F.String(required=True)
    legal_frame = F.String(required=True)
    comments = F.List(F.Nested(CommentSchema), required=True, attribute="api_comments",
                      metadata={"description": "Shown comments, oldest first (hidden and "
                                "removed ones are left out)"})


class CaseFilterArgs(ma.Schema):
    kind = F.String(validate=ma.validate.OneOf([k.value for k in CaseKind]))
    theme = F.String(validate=ma.validate.OneOf([t.value for t in Theme]))
    status = F.String(validate=ma.validate.OneOf(
        [s.value for s in ProjectStatus] + [s.value for s in DilemmaStatus]))
    organisation_kind = F.String(validate=ma.validate.OneOf([k.value for k in OrganisationKind]))
    tag = F.String(validate=ma.validate.Length(max=60), metadata={"description": "A tag slug"})
    language = F.String(validate=ma.validate.OneOf(["nl", "en"]))
    principle = F.String(validate=ma.validate.Length(max=120),
                         metadata={"description": "Cases linked to this principle (slug)"})
    sort = F.String(load_default="newest",
                    validate=ma.validate.OneOf(["newest", "active", "discussed"]))


class OfferSchema(ma.Schema):
    id = F.Integer(required=True)
    case_id = F.Integer(required=True)
    solution_id = F.Integer(required=True)
    organisation = F.Nested(OrganisationRefSchema, required=True)
    status = F.Function(lambda o: o.status.value, required=True, metadata={"type": "string"})
    explanation = F.String(required=True)
    created_at = F.DateTime(required=True)


class ReviewSchema(ma.Schema):
    id = F.Integer(required=True)
    organisation = F.Nested(OrganisationRefSchema, required=True)
    rating = F.Integer(required=True)
    review = F.String(required=True)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class SolutionSummarySchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    summary = F.String(required=True)
    organisation = F.Nested(OrganisationRefSchema, required=True)
    themes = F.Function(lambda s: sorted(_value(t) for t in s.themes), required=True,
                        metadata={"type": "array", "items": {"type": "string"}})
    standards = F.Function(lambda s: [x.name for x in s.standards], required=True,
                           metadata={"type": "array", "items": {"type": "string"}})
    price_model = F.Function(lambda s: s.price_model.value, required=True,
                             metadata={"type": "string"})
    withdrawn = F.Function(lambda s: s.is_withdrawn, required=True, metadata={"type": "boolean"})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)
    url = F.Function(lambda s: url_for("solutions.detail", solution_id=s.id, _external=True),
                     required=True, metadata={"type": "string"})


class SolutionSchema(SolutionSummarySchema):
    description = F.String(required=True)
    description_html = F.String(required=True)
    hosting_location = F.String(required=True)
    jurisdiction = F.String(required=True)
    privacy_by_design = F.Boolean(required=True)
    dpia_available = F.Boolean(required=True)
    privacy_notes = F.String(required=True)
    contact = F.String(required=True)
    offers = F.List(F.Nested(OfferSchema), required=True, attribute="api_offers")
    reviews = F.List(F.Nested(ReviewSchema), required=True, attribute="api_reviews")


class SolutionFilterArgs(ma.Schema):
    q = F.String(validate=ma.validate.Length(max=200))
    theme = F.String(validate=ma.validate.OneOf([t.value for t in Theme]))


class OrganisationFilterArgs(ma.Schema):
    kind = F.String(validate=ma.validate.OneOf([k.value for k in OrganisationKind]))


class VoteCountSchema(ma.Schema):
    agree = F.Integer(required=True)
    disagree = F.Integer(required=True)
    no_opinion = F.Integer(required=True)


class RuleResultSchema(ma.Schema):
    total = F.Nested(VoteCountSchema, required=True)
    by_group = F.Dict(keys=F.String(), values=F.Nested(VoteCountSchema), required=True)


class RuleSchema(ma.Schema):
    number = F.Integer(required=True)
    text = F.String(required=True)
    results = F.Nested(RuleResultSchema, allow_none=True, required=True, metadata={
        "description": "Consultation votes, once the consultation is closed (else null)"})


class VersionSchema(ma.Schema):
    number = F.Integer(required=True)
    status = F.Function(lambda v: v.status.value, required=True, metadata={"type": "string"})
    title = F.String(required=True)
    statement = F.String(required=True)
    explanation = F.String(required=True)
    explanation_html = F.String(required=True)
    decision = F.String(allow_none=True, required=True)
    adopted_on = F.Date(allow_none=True, required=True)
    consultation_opened_at = F.DateTime(allow_none=True, required=True)
    rules = F.List(F.Nested(RuleSchema), required=True, attribute="api_rules")


class PrincipleSummarySchema(ma.Schema):
    id = F.Integer(required=True)
    number = F.Integer(required=True)
    slug = F.String(required=True)
    title = F.String(required=True)
    url = F.Function(lambda p: url_for("principles.detail", slug=p.slug, _external=True),
                     required=True, metadata={"type": "string"})


class PrincipleSchema(PrincipleSummarySchema):
    versions = F.List(F.Nested(VersionSchema), required=True, attribute="api_versions", metadata={
        "description": "Versions anyone may read (drafts are left out), oldest first"})


class SearchArgs(ma.Schema):
    q = F.String(load_default="", validate=ma.validate.Length(max=500),
                 metadata={"description": 'Words, "a phrase", -exclude, a OR b, prefix*'})
    sort = F.String(load_default="relevance", validate=ma.validate.OneOf(["relevance", "date"]))
    doc_type = F.List(F.String(validate=ma.validate.Length(max=100)),
                      validate=ma.validate.Length(max=5))
    kind = F.List(F.String(validate=ma.validate.Length(max=100)), validate=ma.validate.Length(max=5))
    theme = F.List(F.String(validate=ma.validate.Length(max=100)), validate=ma.validate.Length(max=5))
    status = F.List(F.String(validate=ma.validate.Length(max=100)),
                    validate=ma.validate.Length(max=5))
    org_kind = F.List(F.String(validate=ma.validate.Length(max=100)),
                      validate=ma.validate.Length(max=5))
    language = F.List(F.String(validate=ma.validate.Length(max=100)),
                      validate=ma.validate.Length(max=5))
    year = F.List(F.String(validate=ma.validate.Length(max=100)), validate=ma.validate.Length(max=5))
    cursor = F.String(load_default=None, validate=ma.validate.Length(max=2000))


class FacetValueSchema(ma.Schema):
    value = F.String(required=True)
    count = F.Integer(required=True)


class HitSchema(ma.Schema):
    type = F.String(required=True)
    id = F.Integer(required=True)
    case_id = F.Integer(allow_none=True, required=True)
    title = F.String(required=True)
    snippet = F.String(required=True, metadata={"description": "Plain text around the match"})
    kind = F.String(required=True)
    status = F.String(required=True)
    organisation = F.String(required=True)
    language = F.String(required=True)
    date = F.DateTime(allow_none=True, required=True)
    url = F.String(allow_none=True, required=True)


class SearchResultSchema(ma.Schema):
    total = F.Integer(required=True)
    items = F.List(F.Nested(HitSchema), required=True)
    facets = F.Dict(keys=F.String(), values=F.List(F.Nested(FacetValueSchema)), required=True)
    suggestion = F.String(allow_none=True, required=True)
    next_cursor = F.String(allow_none=True, required=True)


# The sensor register (issue 20)

SENSOR_STATUS_FILTERS = ["planned", "active", "removed", "expired", "all"]
GEOMETRY_DOC = {
    "type": "object", "required": ["type", "coordinates"],
    "description": "RFC 7946 geometry in WGS84 (longitude, latitude): a Point for a fixed "
                   "sensor, a Polygon (counterclockwise ring) for an area of mobile sensors",
    "properties": {"type": {"type": "string", "enum": ["Point", "Polygon"]},
                   "coordinates": {"type": "array"}},
}


def _bbox(text: str) -> None:
    from smartsociety.sensors.geometry import parse_bbox

    if parse_bbox(text) is None:
        raise ma.ValidationError("Give four numbers: west,south,east,north.")


def _sensor_status(sensor) -> str:
    return "expired" if sensor.expired_at is not None else sensor.status.value


class SensorFilterArgs(ma.Schema):
    q = F.String(validate=ma.validate.Length(max=100),
                 metadata={"description": "Text in the name, purpose or what is measured"})
    type = F.String(validate=ma.validate.OneOf([t.value for t in SensorType]))
    personal = F.String(validate=ma.validate.OneOf(["yes", "no"]),
                        metadata={"description": "Whether the sensor collects personal data"})
    gemeente = F.String(validate=ma.validate.Length(max=180),
                        metadata={"description": "Slug of the gemeente where it stands"})
    owner = F.String(validate=ma.validate.Length(max=180),
                     metadata={"description": "Slug of the owner organisation"})
    status = F.String(validate=ma.validate.OneOf(SENSOR_STATUS_FILTERS), metadata={
        "description": "Without it: current sensors (planned or active, not expired)"})
    bbox = F.String(validate=[ma.validate.Length(max=120), _bbox], metadata={
        "description": "west,south,east,north in WGS84: sensors whose location overlaps it"})


class SensorSummarySchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    type = F.Function(lambda s: s.sensor_type.value, required=True,
                      metadata={"type": "string", "enum": [t.value for t in SensorType]})
    status = F.Function(_sensor_status, required=True, metadata={
        "type": "string", "enum": [s.value for s in SensorStatus] + ["expired"]})
    personal_data = F.Boolean(required=True)
    geometry = F.Dict(required=True, metadata=GEOMETRY_DOC)
    latitude = F.Float(required=True, attribute="lat",
                       metadata={"description": "The marker: the point, or inside the area"})
    longitude = F.Float(required=True, attribute="lon")
    gemeente = F.Nested(OrganisationRefSchema, required=True)
    owner = F.Nested(OrganisationRefSchema, required=True)
    placed_on = F.Date(required=True)
    ends_on = F.Date(required=True, metadata={"description": "The planned end date"})
    late = F.Boolean(required=True, metadata={
        "description": "Registered less than five days before its placement date"})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)
    url = F.Function(lambda s: url_for("sensors.detail", sensor_id=s.id, _external=True),
                     required=True, metadata={"type": "string"})


class SensorLinkSchema(ma.Schema):
    id = F.Integer(required=True)
    title = F.String(required=True)
    url = F.String(required=True)


class SensorSchema(SensorSummarySchema):
    contact = F.String(required=True, metadata={"description": "The public contact route"})
    purpose = F.String(required=True)
    measures = F.String(required=True)
    stored = F.String(required=True)
    legal_basis = F.Function(lambda s: s.legal_basis.value if s.legal_basis else None,
                             required=True, metadata={"type": ["string", "null"]})
    dpia_done = F.Boolean(required=True)
    retention = F.String(required=True)
    access = F.String(required=True, metadata={"description": "Who gets access to the data"})
    open_data = F.Boolean(required=True)
    open_data_url = F.String(allow_none=True, required=True)
    accepted = F.Function(lambda s: s.is_public, required=True, metadata={
        "type": "boolean",
        "description": "Accepted by the gemeente; only the owner side and the gemeente's "
                       "reviewers see a registration awaiting review, marked so"})
    cases = F.List(F.Nested(SensorLinkSchema), required=True, attribute="api_cases")
    rules = F.List(F.Nested(SensorLinkSchema), required=True, attribute="api_rules")


class FeaturePropertiesSchema(ma.Schema):
    name = F.String(required=True)
    type = F.String(required=True)
    type_label = F.String(required=True, metadata={"description": "The type in the site's words"})
    status = F.String(required=True)
    personal_data = F.Boolean(required=True)
    gemeente = F.String(required=True)
    owner = F.String(required=True)
    ends_on = F.String(required=True)
    url = F.String(required=True, metadata={"description": "Path of the sensor's page"})


class FeatureSchema(ma.Schema):
    type = F.String(required=True, metadata={"enum": ["Feature"]})
    id = F.Integer(required=True)
    geometry = F.Dict(required=True, metadata=GEOMETRY_DOC)
    properties = F.Nested(FeaturePropertiesSchema, required=True)


class FeatureCollectionSchema(ma.Schema):
    type = F.String(required=True, metadata={"enum": ["FeatureCollection"]})
    features = F.List(F.Nested(FeatureSchema), required=True)
