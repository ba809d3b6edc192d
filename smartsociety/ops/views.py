"""`/healthz`: whether this web node can serve (database reachable), how fresh its index is
(its age and the worker's lag: age of the oldest change it has not applied), and each job's
last run, last success and last error (failing when a job is overdue)."""
import sqlalchemy as sa
from flask import Blueprint, jsonify

from smartsociety.extensions import db, limiter
from smartsociety.jobs.health import health as jobs_health
from smartsociety.search import service as search_service

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Health check for the load balancer: database reachable, search index fresh (200/503)."""
    checks = {"database": _database()}
    checks["search"] = _search() if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    checks["jobs"] = (_jobs() if checks["database"]["ok"]
                      else {"ok": False, "error": "no database"})
    healthy = all(check["ok"] for check in checks.values())
    return jsonify(status="ok" if healthy else "fail", checks=checks), 200 if healthy else 503


def _search() -> dict:
    try:
        return search_service.health()
    except Exception as exc:  # an unreadable index is a failed check, not a 500
        return {"ok": False, "error": type(exc).__name__}


def _jobs() -> dict:
    try:
        return jobs_health()
    except Exception as exc:  # a failed check, never a 500 here
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _database() -> dict:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # any driver error means "not serving", never a 500 here
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
