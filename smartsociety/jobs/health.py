"""The jobs part of /healthz: each job's last run, last success and last error, and whether it
is overdue (due for longer than JOBS_OVERDUE_SECONDS without a worker running it)."""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from smartsociety.extensions import db
from smartsociety.jobs.registry import REGISTRY
from smartsociety.models import JobState, utcnow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def health() -> dict:
    app = current_app._get_current_object()
    margin = app.config["JOBS_OVERDUE_SECONDS"]
    now = utcnow()
    jobs = {j.key(app): j for j in REGISTRY.enabled(app)}
    rows = {row.name: row for row in db.session.scalars(
        sa.select(JobState).where(JobState.name.in_(jobs)))}
    report = {}
    for key, job_ in sorted(jobs.items()):
        row = rows.get(key)
        entry = {"schedule": job_.schedule(app).description}
        if row is None:  # no worker has seen it yet (a fresh site, or jobs run elsewhere)
            report[key] = {"ok": True, **entry, "last_run": None}
            continue
        running = row.claimed_until is not None and row.claimed_until > now
        late = (now - row.next_run_at).total_seconds()
        overdue = not running and late > margin
        entry.update(
            ok=not overdue, running=running, last_run=_iso(row.last_started_at),
            last_success=_iso(row.last_success_at), last_error=row.last_error,
            last_error_at=_iso(row.last_error_at), failures=row.failures,
            next_run=_iso(row.next_run_at),
        )
        if overdue:
            entry["overdue_seconds"] = round(late)
        report[key] = entry
    return {"ok": all(entry["ok"] for entry in report.values()), "jobs": report}
