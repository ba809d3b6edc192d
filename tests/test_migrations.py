"""The Alembic migrations build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from smartsociety import create_app
from smartsociety.extensions import db
from tests.conftest import make_config
from tests.migrating import fresh_database_url, insert_row


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


def test_landscape_inhabitants_fold_into_the_organisation(tmp_path, postgres):
    """0026: the landscape's own table of inhabitants becomes the organisation's one number."""
    url = fresh_database_url(tmp_path, postgres)
    app = create_app(make_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0025")
        with db.engine.begin() as conn:
            both = insert_row(conn, "organisation", kind="gemeente", inhabitants=10_000)
            only_here = insert_row(conn, "organisation", kind="gemeente", inhabitants=52_000)
            for organisation_id, number in ((both, 12_500),):
                insert_row(conn, "gemeente_size", organisation_id=organisation_id,
                           inhabitants=number)
        upgrade()
        organisations = sa.table("organisation", sa.column("id"), sa.column("inhabitants"))
        with db.engine.connect() as conn:
            numbers = dict(conn.execute(sa.select(organisations.c.id,
                                                  organisations.c.inhabitants)).all())
            assert "gemeente_size" not in sa.inspect(conn).get_table_names()
        assert numbers == {both: 12_500, only_here: 52_000}
        downgrade(revision="0025")
        with db.engine.connect() as conn:
            sizes = conn.execute(sa.text(
                "SELECT organisation_id, inhabitants FROM gemeente_size")).all()
        assert sorted(sizes) == sorted([(both, 12_500), (only_here, 52_000)])
        db.engine.dispose()
