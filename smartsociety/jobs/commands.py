"""`flask jobs run` (the worker), `flask jobs list` and `flask jobs run-once NAME`."""
import signal
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from smartsociety.extensions import db
from smartsociety.jobs.registry import REGISTRY
from smartsociety.jobs.runner import Worker, run_once
from smartsociety.models import JobState

jobs_cli = AppGroup("jobs", help="Background and scheduled jobs (docs/jobs.md).")


def run_worker(names: list[str] | None = None, once: bool = False,
               tick: float | None = None) -> None:
    """Run the jobs worker in this process until SIGTERM or Ctrl-C (the old loop commands
    `search worker`, `notify sender` and `views flush --loop` run it for their one job)."""
    app = current_app._get_current_object()
    worker = Worker(app, names, tick or app.config["JOBS_TICK_SECONDS"], echo=click.echo)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    click.echo(f"jobs worker {worker.me}: {', '.join(j.name for j in worker.jobs) or 'no jobs'}")
    worker.run(once=once)


@jobs_cli.command("run")
@click.option("--only", multiple=True, metavar="NAME", help="Run only this job (repeatable).")
@click.option("--once", is_flag=True, help="Run what is due now, each job once, then stop.")
@click.option("--tick", type=float, default=None, help="Seconds between looks for due jobs.")
def run(only: tuple[str, ...], once: bool, tick: float | None) -> None:
    """Run every job of this site when it is due, until stopped (several copies are safe)."""
    try:
        run_worker(list(only) or None, once, tick)
    except KeyError as exc:
        raise click.ClickException(exc.args[0]) from None


@jobs_cli.command("run-once")
@click.argument("name")
def run_once_command(name: str) -> None:
    """Run job NAME now, whether due or not (unless another worker is running it)."""
    try:
        outcome = run_once(current_app._get_current_object(), name)
    except KeyError as exc:
        raise click.ClickException(exc.args[0]) from None
    if not outcome.ran:
        raise click.ClickException(f"{name} is running in another worker right now")
    if not outcome.ok:
        click.echo(f"{name} failed: {outcome.error}", err=True)
        sys.exit(1)
    click.echo(f"{name}: {outcome.result or 'done'}")


@jobs_cli.command("list")
def list_jobs() -> None:
    """Every registered job: its schedule, and its last and next runs."""
    app = current_app._get_current_object()
    rows = {row.name: row for row in db.session.scalars(sa.select(JobState))}
    for job_ in sorted(REGISTRY.jobs.values(), key=lambda j: j.name):
        row = rows.get(job_.key(app))
        status = "" if job_.enabled(app) else " (not run on this site)"
        click.echo(f"{job_.name}{status}: {job_.schedule(app).description} — {job_.description}")
        if row is not None:
            last = row.last_success_at.isoformat(timespec="seconds") if row.last_success_at \
                else "never"
            click.echo(f"    next {row.next_run_at.isoformat(timespec='seconds')}, "
                       f"last success {last}"
                       + (f", last error: {row.last_error}" if row.last_error else ""))
