"""The search index's jobs (only with SEARCH_MODE=worker; inline mode applies the change log in
the web process): apply the change log to this node's index copy, and prune applied changes.
Both run once per index copy (scope: this machine and SEARCH_INDEX_DIR)."""
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from smartsociety.extensions import db
from smartsociety.jobs.registry import job, node_scope
from smartsociety.models import SearchChange, utcnow
from smartsociety.search import service
from smartsociety.search.engine.versions import IndexState
from smartsociety.transaction import committed


def _worker_mode(app) -> bool:
    return app.config["SEARCH_MODE"] == "worker"


# One run of the indexer polls the change log every SEARCH_WORKER_INTERVAL for
# SEARCH_INDEX_RUN_SECONDS, then records its run and is due again at once: the index stays as
# fresh as before, and job_state is written twice a minute, not five times a second.
@job("search.index", every="SEARCH_INDEX_RUN_SECONDS", enabled=_worker_mode,
     scope=node_scope("SEARCH_INDEX_DIR"))
def apply_changes(ctx):
    """Apply the search change log to this node's index (the one writer of its index)."""
    interval = current_app.config["SEARCH_WORKER_INTERVAL"]
    indexer = service.indexer()
    deadline = time.monotonic() + current_app.config["SEARCH_INDEX_RUN_SECONDS"]
    applied = 0
    while True:
        try:
            done = indexer.apply_pending()
        except sa.exc.OperationalError as exc:  # database restarting: try again shortly
            current_app.logger.warning("search: database unavailable (%s)", type(exc).__name__)
            done = 0
        applied += done
        if ctx.stopping or time.monotonic() >= deadline:
            break
        if not done and not ctx.wait(interval):
            break
    return f"applied {applied} changes" if applied else None


@job("search.prune", every=3600, enabled=_worker_mode, scope=node_scope("SEARCH_INDEX_DIR"))
def prune_log(ctx=None):
    """Drop old change-log rows the index has applied (never ones it may still need)."""
    version = service.store().current_version()
    if version is None:
        return None
    state = IndexState.read(version)
    floor = min([state.high_water + 1, *state.gaps])
    cutoff = utcnow() - timedelta(days=current_app.config["SEARCH_LOG_RETENTION_DAYS"])
    with committed():
        deleted = db.session.execute(
            sa.delete(SearchChange).where(SearchChange.id < floor, SearchChange.created_at < cutoff)
        ).rowcount
    return f"pruned {deleted} changes" if deleted else None
