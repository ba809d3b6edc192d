"""Concurrent posts to searchable: `python bench/concurrent_posts.py` (from the repository root).

Starts the production shape on a fresh SQLite database (gunicorn with 3 workers reading,
`flask search worker` writing), commits 200 cases from 8 threads at once, and prints how long
after the last commit all of them were findable. tests/test_search_live.py runs the same set-up
and asserts only that every post becomes findable within a generous bound: the latency is a
figure for this script, not a test (a busy machine made the timed test fail).
"""
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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


@contextlib.contextmanager
def stack(database_url: str, index_dir: str, log_path: Path):
    """gunicorn and the index worker on the given database and index; yields the base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SMARTSOCIETY_CONFIG": "testing",
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": index_dir,
        "SEARCH_MODE": "worker",
        "SEARCH_WORKER_INTERVAL": "0.05",
        "PAGE_CACHE": "off",  # several processes and no Redis
    }
    logs = open(log_path, "w")
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
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/zoeken?q=x")
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                # gunicorn lets its workers finish for up to 30 s (its graceful timeout).
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()  # reaped: an unreaped child is a ResourceWarning in the tests
        logs.close()


def findable(base: str, token: str) -> int:
    match = COUNT.search(_get(f"{base}/zoeken?q={token}"))
    return int(match.group(1)) if match else 0


def post_concurrently(engine, token: str) -> list[Exception]:
    """POSTS cases from WRITERS threads, each in its own transaction; returns the errors."""
    from sqlalchemy.orm import Session

    from smartsociety.models import Case, CaseKind, DilemmaStatus

    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(POSTS // WRITERS):
                with Session(engine) as session:
                    session.add(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.OPEN.value,
                                     title=f"Gelijktijdig {token} {n}-{i}",
                                     body=f"Bericht {i} van schrijver {n}"))
                    session.commit()
        except Exception as exc:  # reported by the caller; a thread cannot fail it itself
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def wait_until_findable(base: str, token: str, bound: float) -> tuple[int, float]:
    """(posts findable, seconds after the call) once all are findable or `bound` has passed."""
    start = time.monotonic()
    found = 0
    while time.monotonic() - start < bound:
        found = findable(base, token)
        if found == POSTS:
            break
        time.sleep(0.05)
    return found, time.monotonic() - start


def main() -> None:
    from smartsociety import create_app
    from smartsociety.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": f"{tmp}/index",
                          "TESTING": True})
        with app.app_context():
            db.create_all()
            with stack(url, f"{tmp}/index", Path(tmp) / "servers.log") as base:
                token = "zoektoken" + uuid.uuid4().hex[:8]
                errors = post_concurrently(db.engine, token)
                found, seconds = wait_until_findable(base, token, 120)
        print(f"{POSTS} posts from {WRITERS} threads; errors: {len(errors)}")
        print(f"all findable: {'yes' if found == POSTS else f'NO ({found})'}, "
              f"{seconds:.2f} s after the last commit")


if __name__ == "__main__":
    main()
