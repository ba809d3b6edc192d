"""Recording a view in the request, and adding batches of views to the database."""
import logging
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import current_app, request, session
from sqlalchemy.exc import IntegrityError

from smartsociety.extensions import db
from smartsociety.models import Case, ViewBatch, utcnow
from smartsociety.transaction import committed
from smartsociety.viewcounts.store import FileViews, RedisViews

log = logging.getLogger(__name__)

# Views of these kinds are counted: target "<kind>:<id>" -> the counter column.
COUNTERS = {"case": Case}
BOTS = ("bot", "crawler", "spider", "slurp", "curl", "wget", "python-requests")


def store() -> RedisViews | FileViews:
    config = current_app.config
    window = config["VIEWS_WINDOW_SECONDS"]
    if config.get("REDIS_URL"):
        return RedisViews(config["REDIS_URL"], window)
    return FileViews(config["VIEWS_DIR"], window)


def _store():
    stores = current_app.extensions.setdefault("viewcounts", {})
    if "store" not in stores:
        stores["store"] = store()
    return stores["store"]


def _viewer() -> str:
    member = session.get("_user_id")
    if member:
        return "m:" + member
    return f"a:{request.remote_addr}\0{request.user_agent.string}"


def counts_views(kind: str, arg: str):
    """Count a 200 GET of this view as a view of `<kind>:<view argument>`; put it above
    `cached_page`, so that pages from the cache are counted too."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            response = current_app.make_response(view(*args, **kwargs))
            agent = request.user_agent.string.lower()
            if (response.status_code == 200 and request.method == "GET" and agent
                    and not any(bot in agent for bot in BOTS)):
                try:
                    _store().record(f"{kind}:{kwargs[arg]}", _viewer())
                except Exception:
                    # A view not counted is better than a page not shown.
                    log.exception("views: could not record a view")
            return response

        return wrapper

    return decorator


def _apply_batch(batch_id, counts: dict, cutoff) -> None:
    for target, n in counts.items():
        kind, _, key = target.partition(":")
        model = COUNTERS.get(kind)
        if model is None or not key.isdigit():
            continue
        db.session.execute(sa.update(model).where(model.id == int(key))
                           .values(view_count=model.view_count + n))
    db.session.add(ViewBatch(id=batch_id, views=sum(counts.values())))
    # A batch id is needed only while its batch could still be retried.
    db.session.execute(sa.delete(ViewBatch).where(ViewBatch.applied_at < cutoff))


def flush() -> int:
    """Add every waiting batch to the counters, each exactly once; returns the views added.
    Commits only when there was a batch, so an idle flush moves no page-cache generation."""
    views = _store()
    added = 0
    cutoff = utcnow() - timedelta(days=30)
    try:
        for batch_id, counts in views.take():
            if db.session.get(ViewBatch, batch_id) is None:
                try:
                    with committed():  # one batch per transaction, each exactly once
                        _apply_batch(batch_id, counts, cutoff)
                    added += sum(counts.values())
                except IntegrityError:
                    pass  # another flusher committed this batch first (this one rolled back)
            views.done(batch_id)
    finally:
        db.session.rollback()  # no transaction left open between runs of the loop
    return added
