"""The Alembic migrations build exactly the schema the models describe."""
import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from smartsociety import create_app
from smartsociety.extensions import db
from tests.conftest import make_config


def fresh_database_url(tmp_path, postgres):
    if postgres is None:
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    return postgres.create_database(f"drift_{uuid.uuid4().hex[:10]}")


def test_migrations_match_models(tmp_path, postgres):
    url = fresh_database_url(tmp_path, postgres)
    app = create_app(make_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_migrations_downgrade_to_empty(tmp_path, postgres):
    url = fresh_database_url(tmp_path, postgres)
    app = create_app(make_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()
