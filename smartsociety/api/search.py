"""Search through the API: the query language and facets of /zoeken."""
from urllib.parse import urljoin

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from smartsociety.api import schemas as s
from smartsociety.api.core import PREFIX, make_cursor, read_cursor
from smartsociety.pagination import MAX_PAGE
from smartsociety.search import service

blp = Blueprint("api-search", __name__, url_prefix=PREFIX,
                description="Full-text search with the query language and facets of /zoeken")


def _hit(hit) -> dict:
    return {
        "type": hit.doc_type, "id": hit.doc_id, "case_id": hit.case_id or None,
        "title": hit.title, "snippet": hit.snippet.striptags() if hit.snippet else "",
        "kind": hit.kind or "", "status": hit.status or "", "organisation": hit.organisation or "",
        "language": hit.language or "", "date": hit.date, "url": _url(hit),
    }


def _url(hit) -> str | None:
    url = service.hit_url(hit)
    return urljoin(request.host_url, url) if url else None


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(s.SearchArgs, location="query")
    @blp.response(200, s.SearchResultSchema)
    def get(self, args):
        """Search cases, comments, principles and solutions

        Filters narrow by facet value (repeat a parameter for several values); the facets
        of the result say which values there are and how many hits each has."""
        page = (read_cursor(args.get("cursor"), "search") or [1])[0]
        if not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
            page = 1
        filters = {name: args[name] for name in service.FACET_FIELDS if args.get(name)}
        parsed = service.parse(args["q"])
        per_page = current_app.config["SEARCH_PER_PAGE"]
        if parsed.is_empty and not filters:
            return {"total": 0, "items": [], "facets": {}, "suggestion": None,
                    "next_cursor": None}
        results = service.search(parsed, filters, args["sort"], page, per_page,
                                 browse=bool(filters))
        more = page * per_page < results.total and page < MAX_PAGE
        return {
            "total": results.total,
            "items": [_hit(hit) for hit in results.hits],
            "facets": {name: [{"value": v, "count": n} for v, n in values]
                       for name, values in results.facets.items()},
            "suggestion": results.suggestion,
            "next_cursor": make_cursor("search", [page + 1]) if more else None,
        }
