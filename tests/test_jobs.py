"""Jobs (smartsociety/jobs/): registration, schedules, claims that let several workers run side
by side, failures and retries, /healthz, and the progress of long commands off a terminal."""
import io
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from smartsociety.jobs import REGISTRY
from smartsociety.jobs.registry import Registry, job
from smartsociety.jobs.runner import Worker, claim, ensure_rows, run_once
from smartsociety.models import JobState, Tag, utcnow
from smartsociety.ops import serve
from tests.factories import CaseFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EXPECTED = {
    "search.index", "search.prune", "notify.send", "notify.digest-daily", "notify.digest-weekly",
    "views.flush", "events.reminders", "sensors.expire", "opendata.export", "privacy.exports",
}


def _row(db, key: str) -> JobState:
    db.session.expire_all()
    return db.session.get(JobState, key)


def _make_due(db, key: str) -> None:
    db.session.execute(sa.update(JobState).where(JobState.name == key)
                       .values(next_run_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


# Registration and schedules


def test_every_periodic_task_of_the_site_is_a_registered_job(app):
    assert EXPECTED <= set(REGISTRY.jobs)
    for job_ in REGISTRY.jobs.values():
        assert job_.description, job_.name


def test_the_search_jobs_run_only_where_a_worker_writes_the_index(app):
    assert "search.index" not in {j.name for j in REGISTRY.enabled(app)}  # inline (embedded)
    app.config["SEARCH_MODE"] = "worker"
    assert {"search.index", "search.prune"} <= {j.name for j in REGISTRY.enabled(app)}
    # Once per index copy: the row is named after this machine and the index directory.
    assert REGISTRY.get("search.index").key(app).endswith(app.config["SEARCH_INDEX_DIR"])


def test_registration_rules():
    registry = Registry()

    @job("x.one", every=60, registry=registry)
    def one(ctx):
        """First line of the description.

        More detail."""

    assert registry.get("x.one").description == "First line of the description."
    with pytest.raises(ValueError):
        job("x.one", every=30, registry=registry)(lambda ctx: None)
    with pytest.raises(ValueError):
        job("x.two", every=30, cron="0 7 * * *", registry=registry)(lambda ctx: None)
    with pytest.raises(ValueError):
        job("x.three", registry=registry)(lambda ctx: None)
    with pytest.raises(KeyError):
        registry.get("x.missing")


def test_interval_schedule(app):
    schedule = REGISTRY.get("notify.send").schedule(app)  # every NOTIFY_SENDER_INTERVAL
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    interval = timedelta(seconds=app.config["NOTIFY_SENDER_INTERVAL"])
    assert schedule.first(now) == now  # due at once when first seen
    assert schedule.next_after(now, now + timedelta(seconds=1)) == now + interval
    late = now + interval * 3  # a run that took longer than the interval: due again at once
    assert schedule.next_after(now, late) == late


def test_cron_schedules_in_the_sites_time_zone(app):
    daily = REGISTRY.get("notify.digest-daily").schedule(app)
    weekly = REGISTRY.get("notify.digest-weekly").schedule(app)
    noon = datetime(2026, 11, 30, 12, 0, tzinfo=AMSTERDAM)  # a Monday
    # A deploy at noon does not send the morning's digest again: first due tomorrow at 7.
    assert daily.first(noon) == datetime(2026, 12, 1, 7, 0, tzinfo=AMSTERDAM)
    after = daily.next_after(noon, noon.replace(hour=7, second=3))
    assert after == datetime(2026, 12, 1, 7, 0, tzinfo=AMSTERDAM)
    # Weekly on Monday at 7:30 (a weekday name: APScheduler 3 counts numbers from Monday = 0).
    first = weekly.first(noon)
    assert first.astimezone(AMSTERDAM).weekday() == 0 and first == datetime(
        2026, 12, 7, 7, 30, tzinfo=AMSTERDAM)
    # In summer time too (UTC+2): 7:00 local.
    summer = daily.first(datetime(2026, 7, 1, 12, 0, tzinfo=AMSTERDAM))
    assert summer.astimezone(UTC).hour == 5


def test_a_job_is_due_only_at_its_time(app, db):
    registry = Registry()
    ran = []
    job("t.daily", cron="0 7 * * *", registry=registry)(lambda ctx: ran.append(1))
    worker = Worker(app, registry=registry, tick=0.01)
    worker.run(once=True)
    assert ran == []  # first seen: due tomorrow at 7, not now
    _make_due(db, "t.daily")
    Worker(app, registry=registry, tick=0.01).run(once=True)
    assert ran == [1]
    row = _row(db, "t.daily")
    assert row.next_run_at > utcnow() and row.runs == 1 and row.last_success_at is not None


# Several workers


@pytest.mark.parametrize("round_", range(5))
def test_two_claims_at_the_same_moment_only_one_wins(app, db, round_):
    registry = Registry()
    job("t.race", every=3600, registry=registry)(lambda ctx: None)
    ensure_rows(app, [registry.get("t.race")])
    barrier = threading.Barrier(2)
    won = []

    def contender(name):
        with app.app_context():
            barrier.wait()
            if claim("t.race", name, utcnow(), timedelta(minutes=1)):
                won.append(name)

    threads = [threading.Thread(target=contender, args=(f"worker-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert _row(db, "t.race").claimed_by == won[0]


def test_two_workers_never_run_one_job_at_the_same_time(app, db):
    """Two workers (each with its own connections, as two processes would be) start together on
    the same database; the due job runs once, in one of them."""
    registry = Registry()
    runs = []
    active = []
    overlap = []

    @job("t.once", every=3600, registry=registry)
    def slow(ctx):
        active.append(1)
        if len(active) > 1:
            overlap.append(True)
        runs.append(threading.current_thread().name)
        ctx.wait(0.3)
        active.pop()

    workers = [Worker(app, registry=registry, tick=0.01) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(worker):
        barrier.wait()
        worker.run(once=True)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(runs) == 1 and not overlap
    row = _row(db, "t.once")
    assert row.runs == 1 and row.claimed_by is None and row.next_run_at > utcnow()


def test_a_running_job_is_not_started_again_and_a_dead_workers_claim_expires(app, db):
    registry = Registry()
    job("t.held", every=60, registry=registry)(lambda ctx: "done")
    ensure_rows(app, [registry.get("t.held")])
    now = utcnow()
    assert claim("t.held", "other:1", now, timedelta(minutes=2))
    assert run_once(app, "t.held", registry=registry).ran is False  # busy elsewhere
    # The other worker died: its claim runs out, and the job is run here, noting the interruption.
    db.session.execute(sa.update(JobState).where(JobState.name == "t.held")
                       .values(claimed_until=now - timedelta(seconds=1)))
    db.session.commit()
    assert claim("t.held", "me:2", utcnow(), timedelta(minutes=2))
    row = _row(db, "t.held")
    assert row.claimed_by == "me:2" and "other:1" in row.last_error


# Failures


def test_a_failure_is_recorded_rolled_back_and_retried(app, db):
    registry = Registry()
    attempts = []

    @job("t.flaky", cron="0 3 * * *", registry=registry)
    def flaky(ctx):
        attempts.append(1)
        db.session.add(Tag(slug="half-done", name="Half done"))  # rolled back with the run
        db.session.flush()
        if len(attempts) == 1:
            raise RuntimeError("mail server down")
        return "fine"

    outcome = run_once(app, "t.flaky", registry=registry)
    assert outcome.ran and not outcome.ok and "mail server down" in outcome.error
    assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 0
    row = _row(db, "t.flaky")
    assert row.failures == 1 and "RuntimeError: mail server down" in row.last_error
    assert row.last_success_at is None and row.claimed_by is None
    # Retried after a short back-off, not at tomorrow's 3:00.
    assert utcnow() < row.next_run_at <= utcnow() + timedelta(seconds=61)
    _make_due(db, "t.flaky")
    Worker(app, registry=registry, tick=0.01).run(once=True)
    row = _row(db, "t.flaky")
    assert len(attempts) == 2
    assert row.failures == 0 and row.last_error is None and row.last_result == "fine"
    assert row.last_success_at is not None and row.next_run_at > utcnow() + timedelta(minutes=5)


# /healthz


def test_healthz_reports_each_jobs_last_run(app, client, db):
    CaseFactory()  # the embedded default builds the search index on the first commit
    run_once(app, "notify.send")
    jobs = client.get("/healthz").get_json()["checks"]["jobs"]
    assert jobs["ok"] is True
    send = jobs["jobs"]["notify.send"]
    assert send["last_run"] and send["last_success"] and send["last_error"] is None
    assert send["schedule"] == "every 30 s" and send["failures"] == 0
    assert jobs["jobs"]["opendata.export"]["last_run"] is None  # not run yet: not a failure


def test_healthz_fails_when_a_job_is_overdue(app, client, db):
    app.config["JOBS_OVERDUE_SECONDS"] = 120
    CaseFactory()
    run_once(app, "views.flush")
    assert client.get("/healthz").status_code == 200
    late = utcnow() - timedelta(seconds=121 + 60)
    db.session.execute(sa.update(JobState).where(JobState.name == "views.flush")
                       .values(next_run_at=late))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    flush = response.get_json()["checks"]["jobs"]["jobs"]["views.flush"]
    assert flush["ok"] is False and flush["overdue_seconds"] >= 180
    # A job being run right now (its claim held) is not overdue.
    db.session.execute(sa.update(JobState).where(JobState.name == "views.flush")
                       .values(claimed_by="w:1", claimed_until=utcnow() + timedelta(minutes=1)))
    db.session.commit()
    assert client.get("/healthz").status_code == 200


# Commands


def test_jobs_commands(app, db):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["jobs", "list"])
    assert listing.exit_code == 0
    for name in EXPECTED:
        assert name in listing.output
    result = runner.invoke(args=["jobs", "run-once", "privacy.exports"])
    assert result.exit_code == 0, result.output
    assert _row(db, "privacy.exports").runs == 1
    result = runner.invoke(args=["jobs", "run-once", "no.such-job"])
    assert result.exit_code != 0 and "no job" in result.output
    assert "last success" in runner.invoke(args=["jobs", "list"]).output


def test_make_serve_starts_one_jobs_worker():
    assert serve.BACKGROUND == [("jobs", "run")]


# Progress


def test_long_commands_are_quiet_off_a_terminal(app, db):
    CaseFactory()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["opendata", "export"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [f"open data written to {app.config['OPENDATA_DIR']}"]
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and len(result.output.splitlines()) == 1
    assert result.output.startswith("indexed ")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and result.output.startswith("Demo data: ")
    for noise in ("demo data", "indexing", "ETA", "%", "\r"):
        assert noise not in result.output


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_shows_counts_and_time_left():
    from smartsociety import progress

    stream = _Terminal()
    with progress.terminal("indexing", stream=stream) as bar:
        bar.start(40)
        for _ in bar.iterate(range(40)):
            pass
    out = stream.getvalue()
    assert "indexing" in out and "40/40" in out and "100%" in out
    with progress.terminal("indexing", stream=io.StringIO()) as quiet:
        assert quiet is progress.QUIET


def test_a_restarted_worker_takes_over_the_claims_of_a_killed_one_at_once(app, db):
    """A supervisor restarting a killed worker on the same machine does not wait for the lease."""
    import socket
    import subprocess
    import sys

    registry = Registry()
    ran = []
    job("t.local", every=60, registry=registry)(lambda ctx: ran.append(1))
    ensure_rows(app, [registry.get("t.local")])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = f"{socket.gethostname()}:{__import__('os').getpid()}:x"
    assert claim("t.local", f"{socket.gethostname()}:{gone.pid}:abc", utcnow(),
                 timedelta(minutes=2))
    Worker(app, registry=registry, tick=0.01).run(once=True)
    assert ran == [1]
    # A claim of a process that still runs (here: this one) is left alone.
    _make_due(db, "t.local")
    assert claim("t.local", alive, utcnow(), timedelta(minutes=2))
    Worker(app, registry=registry, tick=0.01).run(once=True)
    assert ran == [1] and _row(db, "t.local").claimed_by == alive
