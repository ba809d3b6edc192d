"""`flask views flush`: add counted page views to the database."""
import click
from flask.cli import AppGroup

from smartsociety.jobs.commands import run_worker
from smartsociety.viewcounts import services

views_cli = AppGroup("views", help="Page-view counts.")


@views_cli.command("flush")
@click.option("--loop", is_flag=True, help="Keep flushing every VIEWS_FLUSH_SECONDS.")
def flush(loop: bool) -> None:
    """Add the views recorded since the last flush to the counters (each batch exactly once);
    with --loop, the jobs worker running only the views.flush job."""
    if loop:
        run_worker(["views.flush"])
        return
    click.echo(f"added {services.flush()} views")
