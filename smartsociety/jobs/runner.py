"""Running jobs: claim a due run in the database, run it, record how it went.

The claim is one conditional UPDATE of the job's row in job_state:

    UPDATE job_state SET claimed_by = me, claimed_until = now + lease
     WHERE name = :job AND next_run_at <= now
       AND (claimed_until IS NULL OR claimed_until < now)

It changes one row for exactly one worker however many try at once (PostgreSQL re-checks the
WHERE clause after a concurrent update commits; SQLite has one writer at a time), so several
`flask jobs run` workers are safe. While the run goes on its worker renews the lease; a worker
that dies leaves a claim that expires, and another worker runs the job again. Delivery that
must survive a crash keeps its own outbox/claim (the mail outbox, the search change log): the
jobs only call their batch functions.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError

from smartsociety.extensions import db
from smartsociety.jobs.registry import REGISTRY, Job, JobContext, Registry
from smartsociety.models import JobState, utcnow
from smartsociety.transaction import committed

log = logging.getLogger(__name__)

# A failed run is tried again after this (doubling with each failure in a row, at most an hour),
# or at its next scheduled time if that is sooner.
RETRY_FIRST = timedelta(seconds=60)
RETRY_MAX = timedelta(hours=1)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


@dataclass
class Outcome:
    ran: bool
    ok: bool = False
    result: str = ""
    error: str = ""


def ensure_rows(app: Flask, jobs: list[Job], now: datetime | None = None) -> None:
    """Create the state rows of jobs seen for the first time (racing workers: one insert wins)."""
    now = now or utcnow()
    keys = {j.key(app): j for j in jobs}
    with db.engine.connect() as conn:
        existing = set(conn.scalars(sa.select(JobState.name).where(JobState.name.in_(keys))))
    for key, job_ in keys.items():
        if key in existing:
            continue
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.insert(JobState).values(
                    name=key, next_run_at=job_.schedule(app).first(now), failures=0, runs=0))
        except IntegrityError:
            pass  # another worker created it first


def claim(key: str, me: str, now: datetime, lease: timedelta, force: bool = False) -> bool:
    """Take the run of job KEY if it is due (or FORCE: whenever nobody runs it); True if taken."""
    state = JobState.__table__.c
    free = sa.or_(state.claimed_until.is_(None), state.claimed_until < now)
    due = free if force else sa.and_(free, state.next_run_at <= now)
    with db.engine.begin() as conn:
        taken = conn.execute(
            sa.update(JobState.__table__).where(state.name == key, due).values(
                claimed_by=me, claimed_until=now + lease, last_started_at=now,
                # A claim left by a worker that died: say so (its run may be half done).
                last_error=sa.case(
                    (state.claimed_by.is_not(None),
                     sa.literal("interrupted: the worker running it stopped (") + state.claimed_by
                     + sa.literal(")")),
                    else_=state.last_error),
            )
        ).rowcount
    return taken == 1


def release_dead_claims(now: datetime | None = None) -> list[str]:
    """Release at once the claims held by processes of this machine that no longer exist (a
    worker killed and restarted by its supervisor), instead of waiting for their lease to run
    out. Claims name "host:pid:…"; host names must differ between machines (they name each
    node's search index copy too)."""
    now = now or utcnow()
    host = socket.gethostname()
    state = JobState.__table__.c
    with db.engine.connect() as conn:
        held = conn.execute(sa.select(state.name, state.claimed_by).where(
            state.claimed_by.like(f"{host}:%"), state.claimed_until >= now)).all()
    released = []
    for name, holder in held:
        try:
            pid = int(holder[len(host) + 1:].split(":")[0])
        except ValueError:
            continue
        if _alive(pid):
            continue
        with db.engine.begin() as conn:
            if conn.execute(sa.update(JobState.__table__)
                            .where(state.name == name, state.claimed_by == holder)
                            .values(claimed_until=now - timedelta(microseconds=1))).rowcount:
                released.append(name)
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def renew(key: str, me: str, lease: timedelta) -> bool:
    state = JobState.__table__.c
    with db.engine.begin() as conn:
        return conn.execute(
            sa.update(JobState.__table__).where(state.name == key, state.claimed_by == me)
            .values(claimed_until=utcnow() + lease)
        ).rowcount == 1


def finish(app: Flask, job_: Job, key: str, me: str, started: datetime, outcome: Outcome) -> None:
    """Record the run and when the job is due next; release the claim."""
    finished = utcnow()
    schedule = job_.schedule(app)
    state = JobState.__table__.c
    values = dict(claimed_by=None, claimed_until=None, last_finished_at=finished,
                  runs=state.runs + 1)
    if outcome.ok:
        values.update(last_success_at=finished, last_result=outcome.result[:300], failures=0,
                      last_error=None, next_run_at=schedule.next_after(started, finished))
    else:
        with db.engine.connect() as conn:
            failures = (conn.scalar(sa.select(state.failures).where(state.name == key)) or 0) + 1
        retry = min(RETRY_FIRST * 2 ** min(failures - 1, 10), RETRY_MAX)
        values.update(last_error_at=finished, last_error=outcome.error[-1000:],
                      failures=failures,
                      next_run_at=min(schedule.next_after(started, finished), finished + retry))
    with db.engine.begin() as conn:
        updated = conn.execute(
            sa.update(JobState.__table__).where(state.name == key, state.claimed_by == me)
            .values(**values)
        ).rowcount
    if not updated:
        log.warning("jobs: %s finished after its claim had expired (another worker took it)", key)


def execute(app: Flask, job_: Job, started: datetime, stop_event=None) -> Outcome:
    """Run the job in its own app context and session; its work is committed when it returns
    and rolled back when it raises (the run is then recorded as failed)."""
    with app.app_context():
        try:
            with committed():  # the run is the transaction: kept when it returns
                result = job_.func(JobContext(app, job_, started, stop_event))
            return Outcome(True, True, "" if result is None else str(result))
        except Exception as exc:
            log.exception("jobs: %s failed", job_.name)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return Outcome(True, False, error=detail)
        finally:
            db.session.remove()


def run_once(app: Flask, name: str, force: bool = True, registry: Registry = REGISTRY,
             stop_event=None) -> Outcome:
    """Claim and run one job now in this thread (`flask jobs run-once`, tests, cron)."""
    job_ = registry.get(name)
    key = job_.key(app)
    ensure_rows(app, [job_])
    me = worker_id()
    started = utcnow()
    if not claim(key, me, started, job_.lease, force=force):
        return Outcome(False)
    outcome = execute(app, job_, started, stop_event)
    finish(app, job_, key, me, started, outcome)
    return outcome


class Worker:
    """`flask jobs run`: every TICK seconds, claim the due jobs and run each in a thread of its
    own (a long job never holds up the others); renew the leases of running jobs."""

    def __init__(self, app: Flask, names: list[str] | None = None, tick: float = 1.0,
                 registry: Registry = REGISTRY, echo=None):
        self.app = app
        self.jobs = [registry.get(n) for n in names] if names else registry.enabled(app)
        self.tick = tick
        self.me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stop_event = threading.Event()
        self.running: dict[str, tuple[Job, Future, datetime]] = {}
        self.started: set[str] = set()
        self.once = False
        self.echo = echo or (lambda message: None)

    def stop(self) -> None:
        self.stop_event.set()

    def run(self, once: bool = False) -> None:
        """Until stopped (or, with ONCE, until what was due has run, each job once)."""
        self.once = once
        with self.app.app_context():
            ensure_rows(self.app, self.jobs)
            for key in release_dead_claims():
                self.echo(f"jobs: {key} was claimed by a worker of this machine that is gone")
        pool = ThreadPoolExecutor(max_workers=max(1, len(self.jobs)), thread_name_prefix="job")
        last_renewal = utcnow()
        try:
            while not self.stop_event.is_set():
                with self.app.app_context():
                    try:
                        self._collect()
                        self._start_due(pool)
                        if utcnow() - last_renewal > timedelta(seconds=10):
                            self._renew()
                            last_renewal = utcnow()
                    except OperationalError as exc:  # database restarting: try again shortly
                        self.echo(f"jobs: database unavailable ({exc.__class__.__name__})")
                        db.session.rollback()
                if once and not self.running:
                    return
                self.stop_event.wait(self.tick)
        finally:
            pool.shutdown(wait=True)
            with self.app.app_context():
                self._collect()

    def _start_due(self, pool: ThreadPoolExecutor) -> None:
        now = utcnow()
        keys = {j.key(self.app): j for j in self.jobs}
        with db.engine.connect() as conn:
            due = set(conn.scalars(sa.select(JobState.name).where(
                JobState.name.in_(keys), JobState.next_run_at <= now,
                sa.or_(JobState.claimed_until.is_(None), JobState.claimed_until < now))))
        for key in sorted(due - self.running.keys()):
            if self.once and key in self.started:
                continue
            job_ = keys[key]
            if claim(key, self.me, now, job_.lease):
                self.started.add(key)
                self.running[key] = (job_, pool.submit(
                    execute, self.app, job_, now, self.stop_event), now)

    def _collect(self) -> None:
        for key, (job_, future, started) in list(self.running.items()):
            if future.done():
                del self.running[key]
                outcome = future.result()
                finish(self.app, job_, key, self.me, started, outcome)
                if not outcome.ok:
                    self.echo(f"jobs: {key} failed: {outcome.error}")
                elif outcome.result:
                    self.echo(f"jobs: {key}: {outcome.result}")

    def _renew(self) -> None:
        for key, (job_, _future, _started) in self.running.items():
            renew(key, self.me, job_.lease)
