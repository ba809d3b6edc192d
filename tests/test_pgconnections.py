"""PostgreSQL round trips of a request (issue 23, item 3; smartsociety/pgconnections.py): a read
sends its queries and nothing else (no pre-ping, BEGIN or COMMIT), while a GET that writes stays
all-or-nothing, a row lock is held until the commit, and a killed connection is replaced."""
import time

import psycopg
import pytest
import sqlalchemy as sa
from flask import abort
from psycopg._connection_base import BaseConnection

from smartsociety.extensions import db as _db
from smartsociety.models import Tag
from smartsociety.pgconnections import is_plain_read
from smartsociety.transaction import savepoint
from tests.conftest import USE_POSTGRES

postgres_only = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL connections")


def test_plain_reads_are_told_apart():
    assert is_plain_read("SELECT tag.id FROM tag WHERE tag.slug = %(slug)s")
    assert is_plain_read("\n  select count(*) from tag")
    for statement in (
        "INSERT INTO tag (slug) VALUES (%(slug)s)", "UPDATE tag SET name = 'x'", "DELETE FROM tag",
        "SAVEPOINT sa_savepoint_1", "SET LOCAL lock_timeout = 1000",
        "WITH moved AS (DELETE FROM tag RETURNING id) SELECT count(*) FROM moved",
        "SELECT tag.id FROM tag FOR UPDATE", "SELECT id FROM tag FOR NO KEY UPDATE OF tag",
        "SELECT id FROM tag FOR SHARE", "SELECT pg_advisory_xact_lock(1)",
        "SELECT nextval('tag_id_seq')", "SELECT pg_current_xact_id()", "SELECT txid_current()",
    ):
        assert not is_plain_read(statement), statement


@pytest.fixture
def sent(monkeypatch):
    """What psycopg sends to the server, one entry a round trip: the statements of cursors and
    the commands of the connection itself (BEGIN, COMMIT, ROLLBACK)."""
    log: list[str] = []
    exec_command, execute = BaseConnection._exec_command, psycopg.Cursor.execute

    def counted_command(self, command, *args, **kwargs):
        log.append(command.decode() if isinstance(command, bytes) else str(command))
        return exec_command(self, command, *args, **kwargs)

    def counted_execute(self, query, *args, **kwargs):
        try:
            return execute(self, query, *args, **kwargs)
        finally:  # after the BEGIN psycopg sends first, as on the wire
            log.append(query.decode() if isinstance(query, bytes) else str(query))

    monkeypatch.setattr(BaseConnection, "_exec_command", counted_command)
    monkeypatch.setattr(psycopg.Cursor, "execute", counted_execute)
    return log


def tags() -> list[str]:
    _db.session.rollback()
    return sorted(_db.session.scalars(sa.select(Tag.slug)))


@pytest.fixture
def routes(app):
    @app.get("/_t/read")
    def read():
        count = _db.session.scalar(sa.select(sa.func.count()).select_from(Tag))
        names = _db.session.scalars(sa.select(Tag.name).order_by(Tag.name)).all()
        return f"{count} {names}"

    @app.get("/_t/read-write/<slug>/<int:status>")
    def read_write(slug, status):
        _db.session.scalars(sa.select(Tag)).all()  # reads first, outside a transaction
        _db.session.add(Tag(slug=slug, name=slug))
        _db.session.flush()
        _db.session.add(Tag(slug=slug + "-2", name=slug))
        _db.session.flush()
        if status == 500:
            raise RuntimeError("after the writes")
        if status != 200:
            abort(status)
        return "written"

    @app.get("/_t/savepoint/<slug>/<int:status>")
    def savepoint_first(slug, status):
        _db.session.scalars(sa.select(Tag)).all()
        with savepoint():
            _db.session.add(Tag(slug=slug, name=slug))
        if status != 200:
            abort(status)
        return "written"

    @app.get("/_t/lock/<slug>")
    def lock(slug):
        _db.session.scalars(sa.select(Tag)).all()
        _db.session.execute(sa.select(Tag).where(Tag.slug == slug).with_for_update()).scalar_one()
        # Another connection, as another worker would be, may not take the row meanwhile.
        other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.NullPool)
        try:
            with other.connect() as connection:
                connection.exec_driver_sql("SET lock_timeout = '200ms'")
                try:
                    connection.execute(
                        sa.select(Tag.id).where(Tag.slug == slug).with_for_update())
                    return "not locked"
                except sa.exc.OperationalError:
                    return "locked"
        finally:
            other.dispose()

    return app


@postgres_only
def test_a_read_sends_its_queries_and_nothing_else(routes, client, sent):
    client.get("/_t/read")  # a connection in the pool, as in a running worker
    sent.clear()
    assert client.get("/_t/read").status_code == 200
    # Before: SELECT 1 (pre-ping), BEGIN, the two queries, COMMIT.
    assert len(sent) == 2 and all(is_plain_read(statement) for statement in sent), sent


@postgres_only
def test_the_home_page_sends_no_transaction_commands(another_app, sent):
    client = another_app(PAGE_CACHE="off").test_client()
    client.get("/")
    sent.clear()
    assert client.get("/").status_code == 200
    assert sent and all(is_plain_read(statement) for statement in sent), sent


@postgres_only
def test_a_post_still_runs_in_one_transaction(app, client, sent):
    @app.post("/_t/post-read")
    def post_read():
        return str(_db.session.scalar(sa.select(sa.func.count()).select_from(Tag)))

    client.post("/_t/post-read")
    sent.clear()
    assert client.post("/_t/post-read").status_code == 200
    assert sent[-3] == "BEGIN" and sent[-2].startswith("SELECT") and sent[-1] == "COMMIT", sent


@pytest.mark.parametrize("status", [404, 500])
def test_a_get_that_writes_keeps_nothing_after_an_error(routes, client, status):
    routes.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production
    assert client.get(f"/_t/read-write/weg/{status}").status_code == status
    assert client.get(f"/_t/savepoint/ook-weg/{status}").status_code == status
    assert tags() == []


def test_a_get_that_writes_commits_all_of_it(routes, client):
    assert client.get("/_t/read-write/blijft/200").status_code == 200
    assert client.get("/_t/savepoint/ook/200").status_code == 200
    assert tags() == ["blijft", "blijft-2", "ook"]


@postgres_only
def test_a_get_that_writes_begins_before_its_first_write(routes, client, sent):
    client.get("/_t/read")
    sent.clear()
    client.get("/_t/read-write/een/200")
    begin = sent.index("BEGIN")
    assert sent[begin + 1].startswith("INSERT") and sent[-1] == "COMMIT", sent
    assert all(is_plain_read(statement) for statement in sent[:begin]), sent


@postgres_only
def test_a_row_lock_of_a_get_holds_until_its_end(routes, db, client):
    db.session.add(Tag(slug="slot", name="slot"))
    db.session.commit()
    assert client.get("/_t/lock/slot").get_data(as_text=True) == "locked"


def _terminate_other_backends(url) -> None:
    # Autocommit: pg_stat_activity is read once per transaction.
    engine = sa.create_engine(url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        pids = connection.scalars(sa.text(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
        assert pids
        for pid in pids:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids}):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    engine.dispose()


@postgres_only
def test_a_killed_connection_is_replaced_without_an_error(routes, app, db, client):
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    db.session.add(Tag(slug="na", name="na"))
    db.session.commit()
    db.session.close()
    assert client.get("/_t/read").status_code == 200
    _terminate_other_backends(app.config["SQLALCHEMY_DATABASE_URI"])  # as a restart does
    assert client.get("/_t/read").get_data(as_text=True) == "1 ['na']"
    assert client.get("/").status_code == 200


@postgres_only
def test_a_connection_idle_for_long_is_pinged(app_config, another_app, sent):
    other = another_app(SQLALCHEMY_PING_AFTER_SECONDS=0)

    @other.get("/_t/count")
    def count():
        return str(_db.session.scalar(sa.select(sa.func.count()).select_from(Tag)))

    client = other.test_client()
    client.get("/_t/count")
    sent.clear()
    assert client.get("/_t/count").status_code == 200
    assert sent[0] == "SELECT 1" and len(sent) == 2, sent
