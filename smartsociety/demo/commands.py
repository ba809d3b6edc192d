"""`flask demo load`: fictional organisations and one member of each role."""
import click
from flask import current_app
from flask.cli import AppGroup

from smartsociety import progress
from smartsociety.demo import data
from smartsociety.transaction import committed

demo_cli = AppGroup("demo", help="Demo data for trying the site.")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Also in production (creates known passwords).")
def load(force: bool) -> None:
    """Create the demo organisations, members and content that are missing."""
    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise click.ClickException("Refusing to load demo accounts in production without --force")
    with committed(), progress.terminal("demo data") as bar:
        created = data.load(current_app.config["PASSWORD_HASH_METHOD"], progress=bar)
    click.echo(f"Demo data: {created} new records." if created else "Demo data already loaded.")
    click.echo(f"Demo accounts (password for each: {data.DEMO_PASSWORD}):")
    for email, role, org in data.DEMO_USERS_SUMMARY:
        click.echo(f"  {email:<32} {role:<10} {org}")
