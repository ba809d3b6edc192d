"""One structured (JSON) log line per request, for production log shipping."""
import logging
import time
import uuid

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

logger = logging.getLogger("smartsociety.requests")


def init_app(app: Flask) -> None:
    if not app.config.get("REQUEST_LOG"):
        return
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app.before_request(_start)
    app.after_request(_log)


def _start() -> None:
    g.request_started = time.perf_counter()
    # A proxy's id keeps one request traceable across the proxy's and our logs.
    g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex


def _log(response):
    started = g.get("request_started")
    logger.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        },
    )
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _user_id() -> int | None:
    """The member the request was served for, without loading them just for the log (a page
    from the page cache names them in `g.page_reader_id`)."""
    user = g.get("_login_user")  # where Flask-Login keeps a member it has loaded
    if user is not None:
        return user.id if user.is_authenticated else None
    return g.get("page_reader_id")
