"""The one pagination helper: a Select in, a page of results out, page number from the URL."""
import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination

from smartsociety.extensions import db

MAX_PAGE = 10_000


def paginate(select: sa.Select, per_page: int | None = None) -> Pagination:
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(
        select,
        page=page,
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=100,
        error_out=False,
        count=True,
    )
