"""The search service as the rest of the app sees it: the app's index, its indexer, and the
inline mode that applies the change log right after each commit."""
import logging
import time

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartsociety import pagecache
from smartsociety.extensions import db
from smartsociety.search.engine import dutch
from smartsociety.search.engine import searching as engine
from smartsociety.search.engine import similar as more_like_this
from smartsociety.search.engine.index import Indexer
from smartsociety.search.engine.schema import FACET_FIELDS
from smartsociety.search.engine.versions import IndexStore
from smartsociety.search.query import ParsedQuery, parse
from smartsociety.search.registry import PENDING_KEY, REGISTRY

log = logging.getLogger(__name__)


def store() -> IndexStore:
    return IndexStore(
        current_app.config["SEARCH_INDEX_DIR"], current_app.config["SEARCH_GAP_SECONDS"]
    )


def indexer() -> Indexer:
    config = current_app.config
    return Indexer(store(), db.engine, REGISTRY, config["SEARCH_BATCH_SIZE"],
                   config["SEARCH_REBUILD_PROCS"], on_change=pagecache.invalidate_index)


def preload() -> None:
    """Load the Dutch analysis data (~1 s, once per process) now, not on the first search."""
    dutch.data()


def open_searcher() -> bool:
    """Open this process's searcher now (a gunicorn worker at its start), so its first search
    does not pay for opening the index. True when there was an index to open."""
    try:
        cache = engine.searcher_cache(store())
        with cache.lock:
            return cache.current() is not None
    except Exception:  # a missing or broken index is reported by /healthz, not here
        log.exception("search: could not open the index at worker start")
        return False


def index_generation(catch_up: bool = True) -> tuple | None:
    """Which state of the index this process's searcher shows (it moves with every change the
    searcher has opened), or None without an index: a key for anything rendered from it.
    Without `catch_up`, as similar() reads it: as it is, without asking for pending changes."""
    if catch_up and is_inline() and indexer().has_pending():
        return None  # search() applies the pending changes first
    cache = engine.searcher_cache(store())
    with cache.lock:
        searcher = cache.current()
        if searcher is None or cache.behind:
            return None
        return cache.version, searcher.reader().generation()


def is_inline() -> bool:
    return current_app.config["SEARCH_MODE"] == "inline"


def search(parsed: ParsedQuery, filters: dict[str, list[str]], sort: str, page: int,
           per_page: int, browse: bool = False) -> engine.SearchResults:
    if is_inline() and indexer().has_pending():
        # Normally applied right after the commit; this catches what a failed or skipped
        # apply left behind (and builds the index on the first search of a fresh install).
        indexer().apply_pending()
    results = engine.search(store(), parsed, filters, sort, page, per_page, browse)
    if results.behind:
        pagecache.dont_store()  # this page will be out of date as soon as the searcher catches up
    return results


def health() -> dict:
    """For /healthz: is there an index, how old is its last update, and how far behind the
    change log is it (the worker's lag: age of the oldest change not yet applied)."""
    idx = indexer()
    if not idx.store.exists():
        return {"ok": False, "error": "no index"}
    now = time.time()
    oldest = idx.oldest_pending()
    lag = max(0.0, now - oldest.timestamp()) if oldest else 0.0
    applied = idx.last_applied_at()
    return {
        "ok": lag <= current_app.config["SEARCH_MAX_LAG_SECONDS"],
        "index_age_seconds": round(now - applied, 1) if applied else None,
        "worker_lag_seconds": round(lag, 1),
        "pending_changes": idx.pending(),
    }


def similar(text: str, doc_type: str, language: str = "nl", limit: int = 3) -> list[int]:
    """Ids of up to `limit` documents of `doc_type` whose indexed text resembles `text`."""
    return more_like_this.similar(store(), text, doc_type, language, limit)


def type_labels() -> dict[str, object]:
    return {name: t.label for name, t in REGISTRY.types.items()}


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    if not session.info.pop(PENDING_KEY, False) or not has_app_context():
        return
    if not is_inline():
        return
    try:
        indexer().apply_pending()
    except Exception:
        # The change is committed and logged; the next commit or `flask search worker` applies
        # it. Failing the user's request here would not make the index any more correct.
        log.exception("search: applying the change log failed; it stays pending")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # A savepoint rolled back (a unique race caught by a service) leaves the outer
    # transaction's logged changes still to be committed and applied.
    if not previous_transaction.nested:
        session.info.pop(PENDING_KEY, None)


__all__ = ["FACET_FIELDS", "parse", "search", "similar", "store", "indexer",
           "type_labels", "hit_url", "health", "open_searcher", "preload"]


def hit_url(hit: engine.Hit) -> str | None:
    doc_type = REGISTRY.types.get(hit.doc_type)
    if doc_type is None or doc_type.url is None:
        return None
    return doc_type.url(hit.doc_id, {"case_id": hit.case_id})


def still_shows(basis):
    """The basis of a kept results page moved to the index as this process sees it now, when
    the page's results hold there too (search/engine/basis.py); None when the page must be
    computed again (or cannot be kept: a change is pending, the searcher is behind)."""
    if basis is None or is_inline() and indexer().has_pending():
        return None
    return engine.still_holds(store(), basis)
