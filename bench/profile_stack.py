"""CPU per request on the production stack, in process: the production configuration on a
throwaway PostgreSQL and Redis with bench/pages.py's seed (a member and a case with 50
comments), requests through Flask's test client (no gunicorn, no network).

    .venv/bin/python bench/profile_stack.py [--member] [--profile PATH] [--count] PATH...
    .venv/bin/python bench/profile_stack.py --member --writes [--profile x]

`CASE` in a path stands for the seeded case's id (e.g. /casussen/CASE). For each path: the CPU
milliseconds per request (process time, median and best of 5 rounds of 50), after 20 requests
to warm up. `--count`: instead, the Redis commands and PostgreSQL round trips of one request
(psycopg's statements and commands such as BEGIN and COMMIT). `--writes`: the CPU of posting a
comment on the case (with the search worker's mode, as bench/load.py runs it). `--profile`: a
pyinstrument profile of 200 requests of PATH (60 posts with `--writes`); PROFILE_ALL=1 shows
library frames. The page cache is off unless PAGE_CACHE says otherwise.

bench/profile_pages.py measures the same pages on SQLite with the testing configuration; the
issue's ratios (bench/pages.py) are taken on this stack, where the driver's round trips and the
production hooks count too.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402

HEADERS = {"User-Agent": pages.USER_AGENT}


def _token(client, path: str) -> str:
    html = client.get(path, headers=HEADERS).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _profiled(action, times: int) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    for n in range(times):
        profiler.start()
        action(n)
        profiler.stop()
    return profiler.output_text(unicode=False, color=False,
                                show_all=bool(os.environ.get("PROFILE_ALL")))


def _count_round_trips():
    """Counters of Redis commands and PostgreSQL round trips, by wrapping the clients."""
    import redis.connection
    from psycopg import _connection_base, _cursor_base

    counts = {"redis": 0, "postgres": 0}

    def counting(cls, name, key):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            counts[key] += 1
            return original(self, *args, **kwargs)
        setattr(cls, name, wrapper)

    counting(redis.connection.AbstractConnection, "send_packed_command", "redis")
    counting(_connection_base.BaseConnection, "_exec_command", "postgres")
    counting(_cursor_base.BaseCursor, "_execute_send", "postgres")
    return counts


def measure(case_id: int, args) -> None:
    from smartsociety import create_app

    client = create_app().test_client()
    if args.member:
        response = client.post("/inloggen", headers=HEADERS, data={
            "csrf_token": _token(client, "/inloggen"), "email": "bench@example.org",
            "password": pages.PASSWORD})
        assert response.status_code == 302, response.status_code
    paths = [p.replace("CASE", str(case_id)) for p in args.paths]
    if args.writes:
        page = f"/casussen/{case_id}"

        def post(n: int) -> float:
            data = {"csrf_token": _token(client, page), "submit": "1",
                    "body": f"Reactie {n} over het sensorregister en privacy."}
            started = time.process_time()
            response = client.post(page + "/reacties", data=data, headers=HEADERS)
            assert response.status_code == 302, response.status_code
            return time.process_time() - started

        for n in range(10):
            post(n)
        ms = sorted(post(n) * 1000 for n in range(60))
        print(f"POST comment: CPU ms median {ms[30]:.2f}, p10 {ms[6]:.2f}, p90 {ms[54]:.2f}")
        if args.profile:
            print(_profiled(post, 60))
        return
    if args.count:
        counts = _count_round_trips()
        for path in paths:
            for _ in range(3):
                client.get(path, headers=HEADERS)
            counts.update(redis=0, postgres=0)
            response = client.get(path, headers=HEADERS)
            print(f"{path:32} {response.status_code} page cache "
                  f"{response.headers.get('X-Page-Cache', '-'):5} Redis commands {counts['redis']}"
                  f", PostgreSQL round trips {counts['postgres']}")
        return
    for path in paths:
        for _ in range(20):
            response = client.get(path, headers=HEADERS)
        rounds = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(50):
                client.get(path, headers=HEADERS)
            rounds.append((time.process_time() - started) / 50 * 1000)
        rounds.sort()
        print(f"{path:32} {response.status_code}  CPU ms per request: median {rounds[2]:.2f}, "
              f"best {rounds[0]:.2f}", flush=True)
    if args.profile:
        path = args.profile.replace("CASE", str(case_id))
        print(_profiled(lambda _n: client.get(path, headers=HEADERS), 200))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--member", action="store_true", help="log in as the case's author")
    parser.add_argument("--writes", action="store_true", help="post comments instead")
    parser.add_argument("--count", action="store_true", help="count round trips instead")
    parser.add_argument("--profile", metavar="PATH")
    parser.add_argument("--case-id", type=int, help=argparse.SUPPRESS)  # the child's
    args = parser.parse_args()
    if args.case_id is not None:
        measure(args.case_id, args)
        return
    from bench.load import free_port
    from smartsociety.ops.pgserver import PostgresServer

    tmp = tempfile.mkdtemp(prefix="bench-stack-")
    postgres = PostgresServer(durable=True).start()
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        env = dict(
            os.environ, SMARTSOCIETY_CONFIG="production", SECRET_KEY="bench-" + "k" * 40,
            SESSION_COOKIE_SECURE="false", DATABASE_URL=postgres.create_database("bench"),
            SEARCH_INDEX_DIR=os.path.join(tmp, "index"), REQUEST_LOG="false",
            SEARCH_MODE="worker" if args.writes else "inline",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            PAGE_CACHE=os.environ.get("PAGE_CACHE", "off"),
            POSTING_LIMIT="100000 per hour", POSTING_LIMIT_NEW_ACCOUNT="100000 per hour",
        )
        case_id = pages.seed(env)
        # The app reads its configuration from the environment at import: a child process.
        subprocess.run([sys.executable, __file__, "--case-id", str(case_id), *sys.argv[1:]],
                       env=env, cwd=ROOT, check=True)
    finally:
        redis.terminate()
        redis.wait()
        postgres.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
