"""`flask views flush`: add counted page views to the database."""
import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from smartsociety.viewcounts import services

views_cli = AppGroup("views", help="Page-view counts.")


@views_cli.command("flush")
@click.option("--loop", is_flag=True, help="Keep flushing every VIEWS_FLUSH_SECONDS.")
def flush(loop: bool) -> None:
    """Add the views recorded since the last flush to the counters (each batch exactly once)."""
    stopping = []
    if loop:
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while True:
        try:
            added = services.flush()
        except OperationalError as exc:
            if not loop:
                raise
            click.echo(f"views: database unavailable ({exc.__class__.__name__})", err=True)
            added = 0
        if not loop:
            click.echo(f"added {added} views")
            return
        try:
            for _ in range(int(current_app.config["VIEWS_FLUSH_SECONDS"] * 10)):
                if stopping:
                    return
                time.sleep(0.1)
        except KeyboardInterrupt:  # Ctrl-C on `make run`
            return
