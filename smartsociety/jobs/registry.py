"""The job registry: every periodic or background job of the site, registered by its feature.

A feature declares its jobs in its own `jobs.py` with the `job` decorator:

    @job("notify.send", every="NOTIFY_SENDER_INTERVAL")
    def send(ctx): ...

`every` is seconds (a number, a timedelta, or the name of a config key holding seconds);
`cron` is a crontab line read in the site's time zone (BABEL_DEFAULT_TIMEZONE; name weekdays,
"mon": APScheduler 3 counts a numeric weekday from Monday = 0, unlike cron). When a run is
due comes from APScheduler's triggers; who runs it is decided in the database by
smartsociety/jobs/runner.py, so any number of `flask jobs run` workers can run side by side.
"""
from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

# Leases are renewed while a run goes on; a worker that dies releases its runs after this long.
DEFAULT_LEASE = timedelta(seconds=120)


@dataclass(frozen=True)
class Schedule:
    """When a job is due: the first time, and the next time after a run."""

    trigger: IntervalTrigger | CronTrigger
    description: str
    interval: timedelta | None = None

    def first(self, now: datetime) -> datetime:
        """A job seen for the first time: interval jobs are due at once, cron jobs at their
        next time (a deploy at noon does not send the morning's digest again)."""
        if self.interval is not None:
            return now
        return _utc(self.trigger.get_next_fire_time(None, now))

    def next_after(self, started: datetime, finished: datetime) -> datetime:
        """After a run that started and finished at these times: interval jobs `interval` after
        the start (at once when the run took longer), cron jobs at their next time after the
        finish (missed times are not made up one by one: one run covers them)."""
        if self.interval is not None:
            return max(_utc(self.trigger.get_next_fire_time(started, finished)), finished)
        return _utc(self.trigger.get_next_fire_time(None, finished))


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[JobContext], object]
    every: float | timedelta | str | None = None
    cron: str | None = None
    description: str = ""
    lease: timedelta = DEFAULT_LEASE
    # Whether this site runs the job (e.g. the search indexer only when SEARCH_MODE=worker).
    enabled: Callable[[Flask], bool] = lambda app: True
    # A job that must run once per node (not once per site) names its node here.
    scope: Callable[[Flask], str] | None = None

    def schedule(self, app: Flask) -> Schedule:
        if self.cron is not None:
            zone = ZoneInfo(app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
            return Schedule(CronTrigger.from_crontab(self.cron, timezone=zone),
                            f"cron {self.cron} ({zone.key})")
        seconds = self.every
        if isinstance(seconds, str):
            seconds = app.config[seconds]
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        interval = timedelta(seconds=float(seconds))
        anchor = datetime(2000, 1, 1, tzinfo=UTC)
        return Schedule(IntervalTrigger(seconds=interval.total_seconds(), start_date=anchor,
                                        timezone=UTC),
                        f"every {_seconds(interval)}", interval)

    def key(self, app: Flask) -> str:
        """The name of this job's row in job_state."""
        return f"{self.name}@{self.scope(app)}" if self.scope else self.name


@dataclass
class Registry:
    jobs: dict[str, Job] = field(default_factory=dict)

    def add(self, job_: Job) -> None:
        if job_.name in self.jobs and self.jobs[job_.name].func is not job_.func:
            raise ValueError(f"job {job_.name!r} is registered twice")
        if (job_.every is None) == (job_.cron is None):
            raise ValueError(f"job {job_.name!r} needs exactly one of every= and cron=")
        self.jobs[job_.name] = job_

    def enabled(self, app: Flask) -> list[Job]:
        return [j for j in self.jobs.values() if j.enabled(app)]

    def get(self, name: str) -> Job:
        try:
            return self.jobs[name]
        except KeyError:
            raise KeyError(f"no job {name!r}; known: {', '.join(sorted(self.jobs))}") from None


REGISTRY = Registry()


def job(name: str, *, every: float | timedelta | str | None = None, cron: str | None = None,
        lease: timedelta = DEFAULT_LEASE, enabled: Callable[[Flask], bool] | None = None,
        scope: Callable[[Flask], str] | None = None, registry: Registry | None = None):
    """Register the decorated function `func(ctx)` as job NAME (see the module docstring)."""

    def register(func):
        description = " ".join((func.__doc__ or "").strip().split("\n\n")[0].split())
        (registry or REGISTRY).add(Job(
            name, func, every=every, cron=cron, description=description, lease=lease,
            enabled=enabled or (lambda app: True), scope=scope,
        ))
        return func

    return register


def node_scope(config_key: str) -> Callable[[Flask], str]:
    """A scope naming this machine and a directory on it (a job per local index copy)."""
    return lambda app: f"{socket.gethostname()}:{app.config[config_key]}"


class JobContext:
    """What a running job may ask: whether its worker is stopping, and a sleep that ends early
    when it is (a job that loops, like the search indexer, checks these)."""

    def __init__(self, app: Flask, job_: Job, started: datetime, stop_event=None):
        self.app = app
        self.job = job_
        self.started = started
        self._stop = stop_event

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to SECONDS; False when the worker is stopping."""
        if self._stop is None:
            import time

            time.sleep(seconds)
            return True
        return not self._stop.wait(seconds)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _seconds(interval: timedelta) -> str:
    seconds = interval.total_seconds()
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"
