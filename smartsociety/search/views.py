"""The search page /zoeken."""

from flask import Blueprint, Response, current_app, g, render_template, request, session
from flask_babel import get_locale, get_timezone

from smartsociety.ids import small_int
from smartsociety.ops import timing
from smartsociety.pagecache import Entry, PageStore, anonymous_reader, cached_page
from smartsociety.pagescopes import SEARCH
from smartsociety.pagination import MAX_PAGE, ListPagination
from smartsociety.search import service
from smartsociety.search.forms import SearchForm
from smartsociety.search.query import ParsedQuery

bp = Blueprint("search", __name__)

MAX_FACET_VALUES = 5
MAX_FACET_VALUE_LENGTH = 100


def _filters() -> dict[str, list[str]]:
    return {
        name: [v[:MAX_FACET_VALUE_LENGTH] for v in request.args.getlist(name)[:MAX_FACET_VALUES]]
        for name in service.FACET_FIELDS
        if request.args.get(name)
    }


# Rendered result pages for anonymous readers, per process: a repeated search within one
# generation of the index costs a lookup instead of a search and a render (also with the page
# cache off). The key holds all that such a page shows: the index generation, the language and
# time zone, the query string and the facet names read from the database.
# Kept in the page cache's bounded LRU store; the key carries the generation, so the store's
# own version is empty.
RENDERED_BYTES = 4 * 1024 * 1024


def _rendered() -> PageStore:
    store = current_app.extensions.get("search-pages")
    if store is None:
        store = current_app.extensions["search-pages"] = PageStore(
            RENDERED_BYTES, current_app.config["PAGE_CACHE_SECONDS"])
    return store


def _rendered_key() -> tuple | None:
    reader = anonymous_reader()
    if reader is None or not request.args.get("q", "").strip():
        return None
    generation = service.index_generation()
    if generation is None:
        return None
    names = current_app.jinja_env.globals.get("facet_names_version")
    return (generation, reader, str(get_locale()), str(get_timezone()), request.full_path,
            names() if names else None)


@bp.get("/zoeken")
@cached_page(scope=SEARCH)
def index():
    """Search: the results page for cases, comments, principles, solutions and more."""
    key = _rendered_key()
    if key is not None:
        kept = _rendered().get((), key)
        if kept is not None:
            return Response(kept.body, mimetype="text/html", headers={"X-Search-Cache": "page"})
    response = current_app.make_response(_search_page())
    # Not while the index is behind (search() then marks the page dont_store); a searcher that
    # moved on meanwhile only makes the page newer than its key says.
    if (key is not None and response.status_code == 200 and not g.get("page_cache_skip")
            and "X-Search-Cache" in response.headers and not session.modified):
        _rendered().put(key, Entry(response.get_data(), "text/html", None))
    return response


def _search_page():
    """The search page itself (uncached)."""
    form = SearchForm(formdata=request.args)
    valid = form.validate()
    parsed = service.parse(form.q.data or "") if valid else ParsedQuery()
    filters = _filters()
    page = min(max(request.args.get("page", 1, type=small_int) or 1, 1), MAX_PAGE)
    per_page = current_app.config["SEARCH_PER_PAGE"]
    results = None
    if valid and (not parsed.is_empty or filters):
        results = service.search(parsed, filters, form.sort_value, page, per_page,
                                 browse=bool(filters))
    pagination = ListPagination(results.hits if results else [], results.total if results else 0,
                                page, per_page)
    timing.lap("search")
    page_html = render_template(
        "search/index.html",
        form=form,
        parsed=parsed,
        filters=filters,
        results=results,
        pagination=pagination,
        facet_fields=service.FACET_FIELDS,
        type_labels=service.type_labels(),
        hit_url=service.hit_url,
    )
    timing.lap("render")
    timing.add(results.timings if results else {})
    return page_html, (200 if valid else 422), _cache_header(results)


def _cache_header(results) -> dict[str, str]:
    # Lets a benchmark (and an operator) tell results computed now from cached ones.
    if results is None:
        return {}
    return {"X-Search-Cache": "hit" if results.cached else "miss"}

