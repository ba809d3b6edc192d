"""`flask privacy prepare-exports`: the background pass for personal-data exports."""
import click
from flask.cli import AppGroup

from smartsociety.privacy import export

group = AppGroup("privacy", help="Personal-data exports (AVG).")


@group.command("prepare-exports")
def prepare_exports():
    """Prepare requested exports, mail their links, delete expired ones."""
    click.echo(f"{export.prepare_pending()} export(s) prepared")
