"""The search page /zoeken."""

from flask import Blueprint, current_app, g, render_template, request
from markupsafe import Markup

from smartsociety.ids import small_int
from smartsociety.ops import timing
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import SEARCH
from smartsociety.pagination import MAX_PAGE, ListPagination
from smartsociety.search import cards, pages, service
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


@bp.get("/zoeken")
def index():
    """Search: the results page for cases, comments, principles, solutions and more."""
    key = pages.page_key()
    if key is None:
        return _cached_page()  # members (their own entries) and the empty search page
    version = pages.database_version()
    if version is None:
        return _search_page()
    found = pages.kept(key, version)
    if found is not None:
        return found
    response = current_app.make_response(_search_page())
    pages.keep(key, version, response)
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
    g.search_results = results
    timing.lap("search")
    # Translated once, not once per hit (Markup: output as the lazy strings were).
    labels = {name: Markup(str(text)) for name, text in service.type_labels().items()}
    page_html = render_template(
        "search/index.html",
        form=form,
        parsed=parsed,
        filters=filters,
        results=results,
        pagination=pagination,
        facet_fields=service.FACET_FIELDS,
        type_labels=labels,
        hit_card=lambda hit: cards.hit_card(hit, service.hit_url, labels),
    )
    timing.lap("render")
    timing.add(results.timings if results else {})
    return page_html, (200 if valid else 422), _cache_header(results)


# Members' pages through the page cache. Its rule would follow every change of the index, so
# anonymous pages are kept by search/pages.py instead, which knows which changes a page shows.
_cached_page = cached_page(scope=SEARCH)(_search_page)
index.page_cached = True  # no rate limit for reading it (pagecache._is_cached_page)


def _cache_header(results) -> dict[str, str]:
    # Lets a benchmark (and an operator) tell results computed now from cached ones.
    if results is None:
        return {}
    return {"X-Search-Cache": "hit" if results.cached else "miss"}

