"""The solutions blueprint and what its routes share: the rate-limit key, the contact limit and
loading a solution the reader may see. Routes: views.py (solutions, contact, standards, the
inbox) and offers.py (offers on cases)."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import Solution, User
from smartsociety.permissions import can_view_hidden

bp = Blueprint("solutions", __name__)


def account_key() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{request.remote_addr}"


def load_solution(solution_id: int) -> Solution:
    solution = db.session.scalar(
        sa.select(Solution)
        .where(Solution.id == solution_id)
        .options(selectinload(Solution.organisation), selectinload(Solution.standards),
                 selectinload(Solution.author).selectinload(User.organisation))
    )
    if solution is None or not can_view_hidden(current_user, solution):
        abort(404, _("This solution does not exist."))
    return solution


def contact_limit() -> str:
    return current_app.config["CONTACT_LIMIT"]
