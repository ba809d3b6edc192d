"""Operations: the health endpoint, request logs, graceful shutdown under gunicorn."""
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.exc

from smartsociety.extensions import db
from smartsociety.models import SearchChange, utcnow
from smartsociety.ops.logs import logger as request_logger
from tests.conftest import make_config
from tests.factories import CaseFactory


def test_healthz_ok(client):
    CaseFactory()  # the embedded default builds the index on the first commit
    response = client.get("/healthz")
    assert response.status_code == 200
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["search"]["ok"] is True and checks["search"]["worker_lag_seconds"] == 0
    assert checks["search"]["index_age_seconds"] >= 0


def test_healthz_reports_a_lagging_search_worker(app, client, db):
    from smartsociety.search import service

    app.config["SEARCH_MODE"] = "worker"
    service.indexer().apply_pending()  # the worker built the index once, then stopped
    CaseFactory()
    db.session.execute(sa.update(SearchChange).values(created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    search = response.get_json()["checks"]["search"]
    assert search["ok"] is False and search["worker_lag_seconds"] >= 300
    assert search["pending_changes"] >= 1
    service.indexer().apply_pending()
    assert client.get("/healthz").status_code == 200


def test_healthz_without_an_index(app, client):
    app.config["SEARCH_MODE"] = "worker"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["search"] == {"ok": False, "error": "no index"}


def test_healthz_reports_database_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_structured_request_log(tmp_path, postgres_url):
    from smartsociety import create_app

    app = create_app(make_config(tmp_path, postgres_url, REQUEST_LOG=True))
    with app.app_context():
        db.create_all()
    collector = _Collect()
    request_logger.addHandler(collector)
    try:
        response = app.test_client().get("/", headers={"X-Request-ID": "abc123"})
    finally:
        request_logger.removeHandler(collector)
        with app.app_context():
            db.engine.dispose()
    assert response.headers["X-Request-ID"] == "abc123"
    record = collector.records[-1]
    assert (record.method, record.path, record.status) == ("GET", "/", 200)
    assert record.request_id == "abc123" and record.duration_ms >= 0
    # The formatter writes a JSON object per line.
    line = request_logger.handlers[0].formatter.format(record)
    assert json.loads(line)["path"] == "/"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_lets_a_running_request_finish(tmp_path, app):
    port = _free_port()
    env = dict(
        os.environ,
        TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        TEST_INDEX_DIR=str(tmp_path / "index"),
        SLOW_SECONDS="2",
        SLOW_STARTED_FILE=str(tmp_path / "slow-started"),
    )
    log = open(tmp_path / "gunicorn.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:smartsociety.ops.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "tests.slow_app:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        result = {}

        def slow_request():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_slow", timeout=20) as resp:
                result["status"], result["body"] = resp.status, resp.read()

        thread = threading.Thread(target=slow_request)
        thread.start()
        # SIGTERM once the request is being served (a fixed 0.5 s sleep raced a busy machine).
        while not (tmp_path / "slow-started").exists():
            assert thread.is_alive() or result, "the slow request ended before it started"
            assert time.monotonic() < deadline + 60, "the slow request never reached gunicorn"
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        thread.join(20)
        assert result == {"status": 200, "body": b"finished"}
        assert server.wait(20) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()


def test_page_views_never_write_to_the_database(client, login, db):
    """Reading must stay cheap and cacheable: no view counter or 'last seen' write per request."""
    from smartsociety.demo import data
    from smartsociety.models import Case, Organisation, User
    from tests.querycount import count_queries

    data.load("pbkdf2:sha256:1000")
    db.session.commit()
    case = db.session.scalars(sa.select(Case)).first()
    organisation = db.session.scalars(sa.select(Organisation)).first()
    member = db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    pages = ["/", "/casussen", f"/casussen/{case.id}", f"/casussen/{case.id}/geschiedenis",
             "/zoeken?q=sensoren", "/principes/", "/principes/data", "/organisaties",
             f"/organisaties/{organisation.slug}", f"/leden/{member.id}"]
    for reader in (client, login(member)):
        for page in pages:
            with count_queries(db.engine) as counter:
                assert reader.get(page).status_code == 200, page
            writes = [s for s in counter.statements
                      if not s.lstrip().upper().startswith(("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT",
                                                            "RELEASE", "ROLLBACK", "COMMIT"))]
            assert writes == [], (page, writes)


def test_app_objects_left_out_of_garbage_collections(tmp_path, postgres_url):
    import gc

    from smartsociety import create_app

    assert gc.get_freeze_count() == 0  # off in tests
    create_app(make_config(tmp_path, postgres_url, GC_FREEZE=True))
    try:
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
