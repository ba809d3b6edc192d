"""Search in the production shape: gunicorn (3 workers) reading, `flask search worker` writing."""
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from smartsociety.models import Case, CaseKind, DilemmaStatus

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTS = 200
WRITERS = 8
COUNT = re.compile(r'class="results-count"[^>]*>\s*(\d+)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def production(app, tmp_path):
    """gunicorn and the index worker on the test's database and index directory."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SMARTSOCIETY_CONFIG": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "SEARCH_MODE": "worker",
        "SEARCH_WORKER_INTERVAL": "0.05",
        "PAGE_CACHE": "off",  # several processes and no Redis
    }
    logs = open(tmp_path / "servers.log", "w")
    worker = subprocess.Popen(
        [str(BIN / "flask"), "--app", "smartsociety", "search", "worker"],
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT,
    )
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "smartsociety:create_app()"],
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/zoeken?q=x")
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError((tmp_path / "servers.log").read_text())
                time.sleep(0.2)
        yield base
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()


def _total(base: str, token: str) -> int:
    match = COUNT.search(_get(f"{base}/zoeken?q={token}"))
    return int(match.group(1)) if match else 0


def test_concurrent_posts_are_all_findable_within_two_seconds(production, db):
    token = "zoektoken" + uuid.uuid4().hex[:8]
    errors = []
    engine = db.engine

    def write(n: int) -> None:
        try:
            for i in range(POSTS // WRITERS):
                with Session(engine) as session:
                    session.add(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.OPEN.value,
                                     title=f"Gelijktijdig {token} {n}-{i}",
                                     body=f"Bericht {i} van schrijver {n}"))
                    session.commit()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    committed = time.monotonic()
    found = 0
    while time.monotonic() - committed < 2.0:
        found = _total(production, token)
        if found == POSTS:
            break
        time.sleep(0.05)
    assert found == POSTS, f"{found} of {POSTS} findable 2 s after the last commit"
