"""Rendered result pages for anonymous readers, kept while what they show holds: per process,
and with the page cache on Redis also shared by every web process (one worker's render serves
all).

A page is kept with what it was rendered from:
- the database's state it shows (the facet names of categories and certifications): the page
  cache's global generation, which every write of those rows moves; with the page cache off,
  the names themselves, when the page showed any (most pages show none: no query then);
- its results' basis (search/engine/basis.py): the index generation they were computed on and
  the documents they selected. When the index moves on, the page is served again only if no
  document it selected changed or went away, no new or changed document matches its query, and
  it shows no "did you mean". So a new comment elsewhere leaves the page kept, while a new post
  that matches the query, or an edit of a hit, shows on the next request.

Shared: the page goes to the page cache's SharedStore with its database version and its basis
(engine/basis.py to_shared). Another process serves it under the same two checks: the database
version it reads now is the one the page was rendered under, and its own searcher, at the basis's
generation or later, finds that the basis still holds (a searcher behind the basis's generation:
a miss). When Redis fails, pages are kept in this process only.

Members are not served from here (their pages carry their own forms): they use the page cache.
Bounded in bytes (the page cache's LRU store) and in age (PAGE_CACHE_SECONDS), which also bounds
how long a page keeps a relevance order that the collection's statistics have since moved.
"""
import hashlib
import logging
import time
from dataclasses import dataclass, field

from flask import Response, current_app, g, request, session

from smartsociety.pagecache import WAIT_SECONDS, anonymous_reader
from smartsociety.pagestores import Entry, PageStore, SharedStore
from smartsociety.search import service
from smartsociety.search.engine.basis import from_shared, to_shared

log = logging.getLogger(__name__)

RENDERED_BYTES = 4 * 1024 * 1024


@dataclass
class KeptPage:
    body: bytes
    version: tuple  # the database state it shows (see database_version)
    basis: object  # what its results were computed from, moved on while it holds
    names: tuple | None = None  # with the page cache off: the facet names it showed, if any
    stored_at: float = field(default_factory=time.monotonic)


def _store() -> PageStore:
    store = current_app.extensions.get("search-pages")
    if store is None:
        store = current_app.extensions["search-pages"] = PageStore(
            RENDERED_BYTES, current_app.config["PAGE_CACHE_SECONDS"])
    return store


def _shared() -> SharedStore | None:
    cache = current_app.extensions.get("pagecache")
    return cache.shared if cache is not None else None


def _shared_key(key: tuple) -> str:
    # Any query string gives a key of fixed length (SharedStore hashes it again).
    path = hashlib.sha256(key[1].encode("utf-8", "surrogatepass")).hexdigest()
    return f"search-page|{key[0]}|{path}"


def _explain(why: str) -> None:
    # Benchmarks only (PAGE_CACHE_MOVES_LOG): why this page was rendered, sent by keep().
    cache = current_app.extensions.get("pagecache")
    if cache is not None and cache.moves_log:
        g.search_page_miss = why


def database_version() -> tuple | None:
    """What a search page shows from the database, as a version read before it is rendered
    (None: unknown, do not keep). Categories and certifications move the page cache's global
    generation (smartsociety/pagescopes.py has no narrower rule for them)."""
    cache = current_app.extensions.get("pagecache")
    if cache is not None:
        return cache.current_version([])
    return ()  # the page cache is off: the names it shows are kept with it


def _names() -> tuple | None:
    names = current_app.jinja_env.globals.get("facet_names_version")
    return names() if names else None


def page_key() -> tuple | None:
    """The key of this request's page, or None when it is not kept (a member, no query)."""
    reader = anonymous_reader()  # "a:<language>"; the time zone is the site's for everyone
    if reader is None or not request.args.get("q", "").strip():
        return None
    return reader, request.full_path


def kept(key: tuple, version: tuple) -> Response | None:
    page = _store().get(version, key)
    why = "absent"
    if page is not None and (page.names is None or _names() == page.names):
        basis = service.still_shows(page.basis)
        if basis is not None:
            page.basis = basis
            return _served(page)
        why = "moved:index"
    page, shared_why = _kept_by_another(key, version)
    if page is None:
        _explain(f"{why};shared:{shared_why}")
        return None
    return _served(page)


def _kept_by_another(key: tuple, version: tuple) -> tuple[KeptPage | None, str]:
    """The page another process rendered (or this one, earlier) when it still holds here, else
    None and why not (for benchmarks)."""
    shared = _shared()
    if shared is None:
        return None, "off"
    name = _shared_key(key)
    try:
        entry = shared.get(version, name)
        basis = service.still_shows(_basis(entry)) if entry is not None else None
        why = "moved:index" if entry is not None else "absent-or-moved"
        if basis is None:
            # Another request may be rendering it right now (after the index moved, several
            # readers miss the same page at once): its render rather than one more.
            claimed = shared.claim(version, name)
            g.search_page_claimed = claimed
            entry = None if claimed else shared.wait(version, name, WAIT_SECONDS)
            basis = service.still_shows(_basis(entry)) if entry is not None else None
    except Exception:
        log.exception("search pages: shared pages unavailable")
        return None, "unavailable"
    if basis is None:
        return None, why
    page = KeptPage(entry.body, version, basis, stored_at=entry.stored_at)
    _store().put(key, page)
    return page, ""


def _basis(entry: Entry):
    try:
        return from_shared(entry.extra)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _served(page: KeptPage) -> Response:
    return Response(page.body, mimetype="text/html",
                    headers={"X-Search-Cache": "page", "X-Page-Cache": "hit"})


def keep(key: tuple, version: tuple, response: Response) -> None:
    """Keep this page, unless it is already out of date (the searcher was behind) or personal."""
    results = g.get("search_results")
    if (response.status_code != 200 or results is None or results.basis is None
            or g.get("page_cache_skip") or session.modified
            or "Set-Cookie" in response.headers):
        if g.get("search_page_claimed"):
            try:
                _shared().unclaim(_shared_key(key))  # no one waits for a page not kept
            except Exception:
                log.exception("search pages: shared pages unavailable")
        return
    # With the page cache off: the names this page looked up while it was rendered (read
    # again from the request's lookups, no query), for a page that showed any.
    names = _names() if not version and g.get("facet_names") else None
    page = KeptPage(response.get_data(), version, results.basis, names)
    _store().put(key, page)
    response.headers["X-Page-Cache"] = "miss"
    if g.get("search_page_miss"):
        response.headers["X-Page-Cache-Miss"] = g.search_page_miss
    shared = _shared()
    if shared is not None and names is None:
        try:
            shared.put(_shared_key(key), Entry(page.body, "text/html", None, version,
                                               page.stored_at, to_shared(page.basis)))
        except Exception:
            log.exception("search pages: could not share a page")
