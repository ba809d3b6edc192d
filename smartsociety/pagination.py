"""The one pagination helper: a Select in, a page of results out, page number from the URL."""
import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination

from smartsociety.extensions import db
from smartsociety.ids import small_int

MAX_PAGE = 10_000


def paginate(select: sa.Select, per_page: int | None = None) -> Pagination:
    page = request.args.get("page", 1, type=small_int) or 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(
        select,
        page=page,
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=100,
        error_out=False,
        count=True,
    )


class ListPagination(Pagination):
    """The same page interface (and `pager` macro) for results that come from elsewhere, such
    as the search index: the caller gives the page's items and the total."""

    def __init__(self, items: list, total: int, page: int, per_page: int):
        super().__init__(page=page, per_page=per_page, max_per_page=100, error_out=False,
                         count=True, items=items, total=total)

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]
