"""Flask-Migrate, bound on first use.

Importing flask_migrate imports Alembic and Mako: 11 MB of Python objects that gunicorn's
preloading master would hold and every web worker count in its memory, for `flask db` and the
migration tests only. `migrate.init_app` here records the settings and registers a `db` command
group that loads the real one when a `db` command runs; `app.extensions["migrate"]` becomes
Flask-Migrate's own on the first attribute read (what `flask_migrate.upgrade()` and
`migrations/env.py` read), so both work as before."""
import click


class Migrate:
    def init_app(self, app, db, **settings) -> None:
        app.extensions["migrate"] = _Pending(app, db, settings)
        app.cli.add_command(_DbGroup(), name="db")


def _bind(app, db, settings):
    """Flask-Migrate's configuration for the app (replacing the placeholder)."""
    from flask_migrate import Migrate as FlaskMigrate

    FlaskMigrate().init_app(app, db, **settings)
    return app.extensions["migrate"]


class _Pending:
    """Stands in `app.extensions["migrate"]` until something reads it."""

    def __init__(self, app, db, settings):
        self._args = (app, db, settings)

    def __getattr__(self, name):
        return getattr(_bind(*self._args), name)


class _DbGroup(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when it is run or listed."""

    def __init__(self):
        super().__init__(name="db", help="Perform database migrations.")

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra):
        # The context is the real group's, so its options (-d, -x) and commands apply.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._real().get_command(ctx, cmd_name)
