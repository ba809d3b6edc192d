"""Rendered result pages for anonymous readers, kept per process while what they show holds.

A page is kept with what it was rendered from:
- the database's state it shows (the facet names of categories and certifications): the page
  cache's global generation, which every write of those rows moves; with the page cache off,
  the names themselves, when the page showed any (most pages show none: no query then);
- its results' basis (search/engine/basis.py): the index generation they were computed on and
  the documents they selected. When the index moves on, the page is served again only if no
  document it selected changed or went away, no new or changed document matches its query, and
  it shows no "did you mean". So a new comment elsewhere leaves the page kept, while a new post
  that matches the query, or an edit of a hit, shows on the next request.

Members are not served from here (their pages carry their own forms): they use the page cache.
Bounded in bytes (the page cache's LRU store) and in age (PAGE_CACHE_SECONDS), which also bounds
how long a page keeps a relevance order that the collection's statistics have since moved.
"""
import time
from dataclasses import dataclass, field

from flask import Response, current_app, g, request, session

from smartsociety.pagecache import anonymous_reader
from smartsociety.pagestores import PageStore
from smartsociety.search import service

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
    if page is None or page.names is not None and _names() != page.names:
        return None
    basis = service.still_shows(page.basis)
    if basis is None:
        return None
    page.basis = basis
    return Response(page.body, mimetype="text/html",
                    headers={"X-Search-Cache": "page", "X-Page-Cache": "hit"})


def keep(key: tuple, version: tuple, response: Response) -> None:
    """Keep this page, unless it is already out of date (the searcher was behind) or personal."""
    results = g.get("search_results")
    if (response.status_code != 200 or results is None or results.basis is None
            or g.get("page_cache_skip") or session.modified
            or "Set-Cookie" in response.headers):
        return
    # With the page cache off: the names this page looked up while it was rendered (read
    # again from the request's lookups, no query), for a page that showed any.
    names = _names() if not version and g.get("facet_names") else None
    _store().put(key, KeptPage(response.get_data(), version, results.basis, names))
    response.headers["X-Page-Cache"] = "miss"
