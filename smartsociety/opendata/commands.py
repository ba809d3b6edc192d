"""`flask opendata export`: writes the dumps and the catalogue (run nightly from cron)."""
import click
from flask.cli import AppGroup

from smartsociety import progress
from smartsociety.opendata import services

group = AppGroup("opendata", help="Open-data dumps with a DCAT-AP catalogue.")


@group.command("export")
@click.option("--directory", default=None, help="Where to write (default: OPENDATA_DIR)")
def export(directory):
    """Write every public dataset as CSV and JSON, and the catalogue."""
    with progress.terminal("open data") as bar:
        target = services.export(directory, progress=bar)
    click.echo(f"open data written to {target}")
