"""`flask users ...`: account administration from the command line."""
import click
import sqlalchemy as sa
from flask.cli import AppGroup

from smartsociety.extensions import db
from smartsociety.models import Role, User
from smartsociety.transaction import committed, transactional

users_cli = AppGroup("users", help="Manage member accounts.")


@users_cli.command("promote")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.MODERATOR.value,
    show_default=True,
)
@transactional
def promote(email: str, role: str) -> None:
    """Give the member with EMAIL a site role."""
    user = db.session.scalar(User.by_email(email))
    if user is None:
        raise click.ClickException(f"No member with e-mail {email}")
    user.role = Role(role)
    click.echo(f"{user.email} is now {user.role.value}")


@users_cli.command("list")
def list_users() -> None:
    """List members with their role."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role.value}\t{user.name}")


@users_cli.command("prune-sign-ins")
def prune_sign_ins() -> None:
    """Delete sign-in history older than SIGN_IN_HISTORY_DAYS (the `signins.prune` job does it
    daily)."""
    from smartsociety.signins.services import prune

    with committed():
        removed = prune()
    click.echo(f"{removed} sign-in(s) older than the retention period deleted")


@users_cli.command("new-encryption-key")
def new_encryption_key() -> None:
    """Print a new key for DATA_ENCRYPTION_KEYS (put it first; keep the old one after it until
    `flask users rotate-secrets` has run)."""
    from smartsociety import secretbox

    click.echo(secretbox.new_key())


@users_cli.command("rotate-secrets")
def rotate_secrets() -> None:
    """Encrypt every stored two-factor secret again under the first DATA_ENCRYPTION_KEYS key."""
    from smartsociety import secretbox

    # The raw column, not the model: the model would hand back the decrypted secret.
    raw = sa.table(User.__tablename__, sa.column("id"), sa.column("totp_secret", sa.String))
    with committed():
        rows = db.session.execute(
            sa.select(raw.c.id, raw.c.totp_secret).where(raw.c.totp_secret.is_not(None))).all()
        for user_id, token in rows:
            db.session.execute(sa.update(raw).where(raw.c.id == user_id)
                               .values(totp_secret=secretbox.rotate(token)))
    click.echo(f"{len(rows)} secret(s) encrypted under the first key")
