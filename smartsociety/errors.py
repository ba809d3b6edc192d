"""Error pages in the reader's language, and JSON errors under /api/."""
from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from smartsociety.extensions import db
from smartsociety.refusals import Refused

TITLES = {
    400: _l("Bad request"),
    401: _l("Log in required"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Cannot process this input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

MESSAGES = {
    400: _l("The request could not be understood. Check what you entered and try again."),
    401: _l("You need to log in to do this."),
    403: _l("You do not have permission to do this."),
    404: _l("We could not find this page. It may have moved or been removed."),
    405: _l("This page cannot be used in this way."),
    409: _l("This conflicts with something that already exists."),
    413: _l("What you sent is larger than this site accepts."),
    422: _l("What you sent could not be processed."),
    429: _l("You are doing this too often. Wait a moment and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; try again later."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, message: str | None = None, fields: dict | None = None):
    title = TITLES.get(code, TITLES[500])
    message = message or MESSAGES.get(code, MESSAGES[500])
    if request_ctx.url_adapter is None:
        # The Host header could not be used (not trusted, or not a valid name): no URL can be
        # built, so the page with its links cannot be drawn. A plain page says what happened.
        return Response(f"{code} {escape(str(title))}\n", status=code, mimetype="text/plain")
    if wants_json():
        return jsonify(error={"code": code, "title": str(title), "message": str(message),
                              "fields": fields or {}}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_exception(error: HTTPException):
    # abort(code, "reason") gives a specific message; the class default is replaced by ours.
    custom = error.description if error.description != type(error).description else None
    return render_error(error.code or 500, custom, _fields(error))


def _fields(error: HTTPException) -> dict:
    """What is wrong per input field, from webargs (the API's input): {"title": ["..."]}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields: dict = {}
    for location, problems in messages.items():
        if isinstance(problems, dict):
            fields.update({str(k): v for k, v in problems.items()})
        else:
            fields[str(location)] = problems
    return fields


def handle_csrf(error: CSRFError):
    return render_error(
        400,
        _l("This form has expired or was not sent from this site. Reload the page and try again."),
    )


def handle_refused(error: Refused):
    """The one handler of refusals (refusals.Refused and its subclasses): nothing of the
    action is kept (the request's transaction rolls back), the reader is told why: the
    error page with the reason, or under /api/ the JSON error. A form that must come back
    with what was typed catches Refused itself and shows the reason at its field."""
    db.session.rollback()
    return render_error(error.status, str(error))


def handle_unexpected(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(InternalServerError, handle_unexpected)
