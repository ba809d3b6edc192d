"""`flask privacy prepare-exports`: the background pass for personal-data exports."""
import click
from flask.cli import AppGroup

from smartsociety import progress
from smartsociety.privacy import export

group = AppGroup("privacy", help="Personal-data exports (AVG).")


@group.command("prepare-exports")
def prepare_exports():
    """Prepare requested exports, mail their links, delete expired ones."""
    with progress.terminal("exports") as bar:
        done = export.prepare_pending(progress=bar)
    click.echo(f"{done} export(s) prepared")
