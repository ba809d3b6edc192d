"""Fixtures shared by the whole suite: app, client, db, logged-in clients, the database server."""
import contextvars
import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from flask import has_app_context
from flask.testing import FlaskClient

from smartsociety import create_app
from smartsociety.extensions import db as _db
from smartsociety.ops.pgserver import PostgresServer

USE_POSTGRES = os.environ.get("SMARTSOCIETY_TEST_DATABASE") == "postgresql"
# Under pytest-xdist (`make test` runs `-n auto`) every worker is a process of its own with its
# own session fixtures: its own PostgreSQL server and database, its own schema template.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the session (only in the PostgreSQL run)."""
    if not USE_POSTGRES:
        yield None
        return
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    if postgres is None:
        return None
    url = postgres.create_database(f"smartsociety_test_{WORKER}")
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return url


def make_config(tmp_path, postgres_url, **overrides) -> dict:
    config = {
        "CONFIG": "testing",
        "SQLALCHEMY_DATABASE_URI": postgres_url or f"sqlite:///{tmp_path / 'test.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "VIEWS_DIR": str(tmp_path / "views"),
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, postgres_url):
    """An SQLite file with the whole schema, built once per worker: a test's database is a copy
    of it, which costs a file copy instead of a few hundred CREATE statements."""
    if postgres_url is not None:
        return None
    path = tmp_path_factory.mktemp("schema") / "template.db"
    app = create_app(make_config(path.parent, None, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def copy_sqlite_template(config: dict, template) -> bool:
    """Put the template where the test's own (not yet existing) SQLite file goes."""
    url = config.get("SQLALCHEMY_DATABASE_URI", "")
    if template is None or not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return False
    target = url.removeprefix("sqlite:///")
    if os.path.exists(target):
        return False
    shutil.copyfile(template, target)
    return True


def reset_database(from_template: bool = False) -> None:
    if _db.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
        with _db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    elif not from_template:
        _db.create_all()


@pytest.fixture
def app_config(tmp_path, postgres_url) -> dict:
    """Override in a test module to change settings for that module's app."""
    return make_config(tmp_path, postgres_url)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server: nothing in `g` carries over
    from the test's own app context (nor its session: the request commits on its own), and
    afterwards the test's session re-reads the database."""

    def open(self, *args, **kwargs):
        if has_app_context() and _db.session.registry.has():
            # What the test wrote through services (which only flush) stands for an earlier
            # request or command: committed before this request, as theirs would be.
            _db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture
def app(app_config, sqlite_template):
    copied = copy_sqlite_template(app_config, sqlite_template)
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        reset_database(from_template=copied)
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def no_page_cache(app):
    """The app without its whole-page cache: the page's own rendering answers every read."""
    app.extensions.pop("pagecache", None)
    return app


@pytest.fixture
def another_app(app_config):
    """another_app(**overrides) -> a second app on the same database, as another process would
    be (e.g. a second gunicorn worker); its connections are closed afterwards."""
    apps = []

    def _make(**overrides):
        other = create_app({**app_config, **overrides})
        other.test_client_class = IsolatedClient
        apps.append(other)
        return other

    yield _make
    for other in apps:
        with other.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app):
    """login(user) -> a test client whose session belongs to `user`."""

    def _login(user, client=None):
        client = client or app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return _login


@pytest.fixture
def unique():
    return lambda prefix="x": f"{prefix}-{uuid.uuid4().hex[:8]}"


class Collect(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_SUPPRESS_SEND=False)
    yield handler
    controller.stop()


@pytest.fixture
def redis_url():
    """A real redis-server on a free port: (url, process)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs it"
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", proc
    proc.terminate()
    proc.wait(10)
