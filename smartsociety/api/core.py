"""What every API endpoint shares: the Api object (OpenAPI 3.1 from flask-smorest), token
authentication, the error schema, cursor pagination, ETags and the rate limits."""
from datetime import datetime

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_smorest import Api
from itsdangerous import BadSignature, URLSafeSerializer

from smartsociety.api import tokens
from smartsociety.extensions import db, limiter, login_manager

PREFIX = "/api/v1"
MAX_LIMIT = 100


class ErrorBody(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    title = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(), required=True,
        metadata={"description": "Per input field (or `query`, `json`), what is wrong with it"},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody, required=True)


class SiteApi(Api):
    """flask-smorest, answering errors through the site's own handlers (errors.py), which
    give every /api/ error the shape {"error": {"code", "title", "message", "fields"}}."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def api_user():
    """The member whose token was sent, or the anonymous user (session cookies do not count
    in the API: a browser's cookie must not let another site write in the member's name)."""
    return current_user


def authenticate() -> None:
    """Runs first of all before-request hooks, so the suspension and terms checks see the
    token's member as current_user."""
    if not request.path.startswith(PREFIX + "/"):
        return
    if request.routing_exception is not None:
        return  # no such resource (e.g. an id out of range): its 404 comes first
    g.api_token = None
    header = request.headers.get("Authorization", "")
    if not header:
        g._login_user = login_manager.anonymous_user()
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            # Refused before the body is read; the site's log-in cookie is not accepted here.
            from flask import session

            if session.get("_user_id"):
                abort(403, _("The API does not accept the site's log-in. Send a personal "
                             "access token."))
            abort(401, _("Send a personal access token: Authorization: Bearer <token>."))
        return
    scheme, _sep, secret = header.partition(" ")
    token = tokens.lookup(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
    if token is None:
        g._login_user = login_manager.anonymous_user()
        abort(401, _("This token is unknown, expired or revoked. Create a new one on your "
                     "settings page."))
    tokens.record_use(token, request.remote_addr)
    g.api_token = token
    g._login_user = token.user


def require_token(write: bool = False):
    token = g.get("api_token")
    if token is None:
        abort(401, _("Send a personal access token: Authorization: Bearer <token>."))
    if write and not token.can_write:
        abort(403, _("This token may only read. Create a token with the write scope."))
    return token.user


def conditional(response):
    """ETag on every successful read; If-None-Match gives 304. CORS headers come from
    flask-cors (reads only: no write method is allowed in a preflight)."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 \
            and not response.direct_passthrough:
        response.add_etag()
        response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Authorization")
        response.make_conditional(request)
    return response


def api_limit_address() -> str:
    return current_app.config["API_LIMIT_PER_ADDRESS"]


def api_limit_token() -> str:
    return current_app.config["API_LIMIT_PER_TOKEN"]


def token_key() -> str:
    token = g.get("api_token")
    return f"token:{token.id}" if token is not None else f"address:{get_remote_address()}"


def limit_blueprint(blp) -> None:
    """Per address always, and per token when one is sent (a token used from many
    addresses still shares one allowance)."""
    limiter.limit(api_limit_address, key_func=get_remote_address, scope="api-address")(blp)
    limiter.limit(api_limit_token, key_func=token_key, scope="api-token",
                  exempt_when=lambda: g.get("api_token") is None)(blp)
    blp.after_request(conditional)


# Cursor pagination: the cursor is the sort key of the last item given, signed so that a
# hand-made or damaged cursor is refused (400) instead of reaching the database.


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor")


def _encode_value(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value):
    if isinstance(value, dict) and "t" in value:
        return datetime.fromisoformat(value["t"])
    return value


def make_cursor(kind: str, values: list) -> str:
    return _serializer().dumps([kind, [_encode_value(v) for v in values]])


def read_cursor(cursor: str | None, kind: str) -> list | None:
    if not cursor:
        return None
    try:
        found, values = _serializer().loads(cursor)
        if found != kind:
            raise BadSignature("other list")
        return [_decode_value(v) for v in values]
    except (BadSignature, ValueError, TypeError):
        abort(400, _("This cursor is not valid here. Start again without a cursor."))


def keyset_page(select: sa.Select, order: list[tuple], args: dict, kind: str):
    """One page of `select` ordered by `order` [(column, descending)], after the cursor.
    Returns (items, next_cursor)."""
    limit = args.get("limit") or 20
    after = read_cursor(args.get("cursor"), kind)
    if after is not None:
        if len(after) != len(order):
            abort(400, _("This cursor is not valid here. Start again without a cursor."))
        options = []
        for i, (column, descending) in enumerate(order):
            equal = [order[j][0] == after[j] for j in range(i)]
            options.append(sa.and_(*equal, column < after[i] if descending else column > after[i]))
        select = select.where(sa.or_(*options))
    select = select.order_by(None).order_by(
        *[column.desc() if descending else column.asc() for column, descending in order]
    ).limit(limit + 1)
    items = list(db.session.scalars(select).unique())
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = make_cursor(kind, [getattr(last, column.key) for column, _d in order])
    return items, next_cursor


class PageArgs(ma.Schema):
    cursor = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=2000),
        metadata={"description": "`next_cursor` of the previous page"},
    )
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_LIMIT))


def page_schema(item_schema, name: str):
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next_cursor": ma.fields.String(
            allow_none=True, required=True,
            metadata={"description": "Pass as `cursor` for the next page; null on the last"},
        ),
    })

