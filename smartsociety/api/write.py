"""Writes with a personal access token (write scope): create and edit a case, comment, follow.
The same permission predicates, input rules (the page forms) and posting limits as the pages."""
import marshmallow as ma
from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from smartsociety.api import schemas as s
from smartsociety.api.core import PREFIX, require_token
from smartsociety.api.read import load_case
from smartsociety.cases import services as case_services
from smartsociety.cases.blueprint import posting
from smartsociety.cases.forms import CaseForm, CommentForm
from smartsociety.extensions import db
from smartsociety.models import CaseKind, Comment, DilemmaStatus, FollowTarget, ProjectStatus, Theme
from smartsociety.notify import services as notify_services
from smartsociety.permissions import (
    can_comment,
    can_contribute,
    can_create_case,
    can_edit_case,
    ensure,
)

blp = Blueprint("api-write", __name__, url_prefix=PREFIX,
                description="Writing in a member's name, with a token of the write scope")
F = ma.fields
TEXT = ma.validate.Length(max=50_000)
WRITE = {"security": [{"token": []}]}


class CaseInputSchema(ma.Schema):
    kind = F.String(required=True, validate=ma.validate.OneOf([k.value for k in CaseKind]))
    status = F.String(required=True, validate=ma.validate.OneOf(
        [x.value for x in ProjectStatus] + [x.value for x in DilemmaStatus]))
    title = F.String(required=True, validate=ma.validate.Length(min=1, max=200))
    summary = F.String(validate=ma.validate.Length(max=600))
    body = F.String(validate=TEXT)
    language = F.String(load_default="nl", validate=ma.validate.OneOf(["nl", "en"]))
    themes = F.List(F.String(validate=ma.validate.OneOf([t.value for t in Theme])), required=True,
                    validate=ma.validate.Length(min=1, max=6))
    tags = F.List(F.String(validate=ma.validate.Length(max=60)),
                  validate=ma.validate.Length(max=20))
    question = F.String(validate=ma.validate.Length(max=5000))
    values_at_stake = F.String(validate=ma.validate.Length(max=5000))
    tried = F.String(validate=ma.validate.Length(max=5000))
    legal_frame = F.String(validate=ma.validate.Length(max=5000))


class CaseEditSchema(CaseInputSchema):
    """The same fields, each optional: only the fields sent are changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "partial": True})


class CommentInputSchema(ma.Schema):
    body = F.String(required=True, validate=ma.validate.Length(min=1, max=50_000))
    parent_id = F.Integer(allow_none=True, load_default=None, strict=True)


class FollowSchema(ma.Schema):
    following = F.Boolean(required=True)


def _validate(form_class, data: dict):
    """Run the page's form over the input: the API accepts exactly what the page accepts."""
    formdata = MultiDict()
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                formdata.add(key, item)
        else:
            formdata.add(key, "" if value is None else value)
    form = form_class(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        _fail(fields)
    # The page's form quietly gives a kind its first status (a browser without JavaScript shows
    # every status); a program that sends a status of the other kind is told instead.
    if "status" in data and getattr(form, "status", None) is not None \
            and form.status.data != data["status"]:
        _fail({"status": [str(_l("Choose a status that fits the kind of case."))]})
    return form


def _fail(fields: dict):
    from flask_smorest import abort as smorest_abort

    smorest_abort(422, messages={"json": fields})


def _case_input(data: dict) -> case_services.CaseInput:
    return case_services.CaseInput(
        kind=CaseKind(data["kind"]), status=data["status"], title=data["title"].strip(),
        summary=(data.get("summary") or "").strip(), body=data.get("body") or "",
        language=data.get("language") or "nl", themes=list(data["themes"]),
        tags=case_services.parse_tags(", ".join(data.get("tags") or [])),
        question=(data.get("question") or "").strip(),
        values_at_stake=(data.get("values_at_stake") or "").strip(),
        tried=(data.get("tried") or "").strip(), legal_frame=(data.get("legal_frame") or "").strip(),
    )


def _form_data(data: dict) -> dict:
    form = dict(data)
    form["tags"] = ", ".join(data.get("tags") or [])
    return form


@blp.route("/cases", methods=["POST"])
@posting
@blp.arguments(CaseInputSchema)
@blp.response(201, s.CaseSchema)
@blp.doc(**WRITE)
def create_case(data):
    """Create a case (write scope)"""
    user = require_token(write=True)
    ensure(can_contribute(user) and can_create_case(user))
    _validate(CaseForm, _form_data(data))
    case = case_services.create_case(user, _case_input(data))
    case.api_comments = []
    return case


@blp.route("/cases/<int(max=2147483647):case_id>", methods=["PATCH"])
@blp.arguments(CaseEditSchema)
@blp.response(200, s.CaseSchema)
@blp.doc(**WRITE)
def edit_case(data, case_id):
    """Edit a case: send the fields to change (write scope)"""
    user = require_token(write=True)
    case = load_case(case_id)
    ensure(can_contribute(user) and can_edit_case(user, case))
    current = case.snapshot()
    merged = {
        **{key: current[key] for key in case_services.CASE_FIELDS},
        "kind": current["kind"],
        "themes": [t.value if hasattr(t, "value") else t for t in case.themes],
        "tags": [tag.name for tag in case.tags],
        **data,
    }
    _validate(CaseForm, _form_data(merged))
    case_services.edit_case(case, user, _case_input(merged))
    case.api_comments = list(db.session.scalars(
        Comment.for_thread(case.id).where(Comment.public_clause())))
    return case


@blp.route("/cases/<int(max=2147483647):case_id>/comments", methods=["POST"])
@posting
@blp.arguments(CommentInputSchema)
@blp.response(201, s.CommentSchema)
@blp.doc(**WRITE)
def add_comment(data, case_id):
    """Comment on a case, or reply to a comment with `parent_id` (write scope)"""
    user = require_token(write=True)
    case = load_case(case_id)
    case_services.ensure_open(case)
    ensure(can_contribute(user) and can_comment(user, case))
    parent = None
    if data.get("parent_id") is not None:
        parent = db.session.get(Comment, data["parent_id"])
        if parent is None or parent.case_id != case.id or not parent.is_public:
            _fail({"parent_id": [_("This reply refers to an unknown comment.")]})
    _validate(CommentForm, {"body": data["body"]})
    return case_services.add_comment(case, user, data["body"], parent)


@blp.route("/cases/<int(max=2147483647):case_id>/follow", methods=["PUT"])
@blp.arguments(FollowSchema)
@blp.response(200, FollowSchema)
@blp.doc(**WRITE)
def follow_case(data, case_id):
    """Follow or stop following a case (write scope)"""
    user = require_token(write=True)
    case = load_case(case_id)
    ensure(can_contribute(user))
    if data["following"]:
        notify_services.follow(user, FollowTarget.CASE, case.id)
    else:
        notify_services.unfollow(user, FollowTarget.CASE, case.id)
    return {"following": notify_services.is_following(user, FollowTarget.CASE, case.id)}


def check_body_size():  # registered app-wide, for API paths only
    """Writes are small JSON documents; a larger body is refused before it is read."""
    if not request.path.startswith(PREFIX + "/"):
        return
    limit = current_app.config["API_MAX_BODY"]
    if request.method in ("POST", "PUT", "PATCH") and (request.content_length or 0) > limit:
        abort(413)
