"""Requests per second for the home page, a case page with 50 comments and a search page, for an
anonymous reader and a logged-in member, each next to a minimal 10 KB Flask page served by the
same gunicorn settings in the same run. Prints a table with the ratios.

The yardstick (bench/minimal_app.py) is a Flask app with one route returning a fixed 10 KB
string: no database, session, template or middleware, on the same gunicorn configuration and
worker count; it is measured right before each row, so each ratio compares two runs seconds
apart. The bench checks that the case page shows its 50 comments to both readers; the member
wrote the case and the comments and has a confirmed address (so they get the comment form and
every member action), as in bench/profile_pages.py.

    .venv/bin/python bench/pages.py [--seconds 10] [--connections 16] [--workers N]

Starts its own PostgreSQL (temporary directory), Redis and gunicorn on loopback; needs Debian's
wrk. The page cache is on as in production; `PAGE_CACHE=off` measures the pages without it. The
"cache" column shows what the site answered to a repeated request (X-Page-Cache).
"""
import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port  # noqa: E402
from smartsociety.ops.pgserver import PostgresServer  # noqa: E402

PASSWORD = "bench-wachtwoord-lang-genoeg"
# One browser: Flask-Login's session protection marks a session whose user agent changed as not
# fresh, a session write that keeps that response out of the page cache.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) bench-pages"

SEED = """
from flask_migrate import upgrade
from smartsociety import create_app
from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (Case, CaseKind, Comment, Organisation, OrganisationKind, Theme,
                                 User, utcnow)
app = create_app()
with app.app_context():
    upgrade()
    org = Organisation(name="Gemeente Bench", name_key="gemeente bench", slug="gemeente-bench",
                       kind=OrganisationKind.GEMEENTE, cbs_code="GM9990", verified_at=utcnow())
    # A confirmed address: the member may take part (comment form, reply and quote links), as
    # in bench/profile_pages.py.
    user = User(name="Bench Lid", email="bench@example.org", organisation=org,
                email_verified_at=utcnow())
    user.set_password(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
    db.session.add_all([org, user])
    body = "Moeten we een **register** van sensoren bijhouden?\\n\\n" + "Lange uitleg. " * 80
    case = Case(kind=CaseKind.DILEMMA, status="open", title="Sensorregister in de openbare ruimte",
                summary="Een register van sensoren", body=body, body_html=render_markdown(body),
                language="nl", author=user, organisation=org)
    case.themes.append(Theme.INFORMATIEBEVEILIGING.value)
    db.session.add(case)
    db.session.flush()
    for n in range(50):
        text = f"Reactie {n}: wij hebben *goede* ervaringen met een openbaar register. " * 3
        db.session.add(Comment(case=case, author=user, body=text, body_html=render_markdown(text)))
    case.comment_count = 50
    db.session.commit()
    print(case.id)
"""


def seed(env: dict) -> int:
    """Create a member and a case with 50 comments; return the case id."""
    code = f"PASSWORD = {PASSWORD!r}\n" + SEED
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def login_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/inloggen").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": "bench@example.org", "password": PASSWORD}
    ).encode()
    opener.open(base + "/inloggen", data)
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise SystemExit("login failed; is the accounts feature installed?")
    return cookies


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def cache_state(url: str, cookie: str | None) -> str:
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, headers=headers)
    for _ in range(3):
        with urllib.request.urlopen(request) as response:
            state = response.headers.get("X-Page-Cache", "-")
    return state


def comments_shown(url: str, cookie: str | None) -> int:
    """How many comments the page shows (the case page must show its 50)."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return len(re.findall(r'<li class="comment depth-', response.read().decode()))


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> tuple[float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def gunicorn(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:smartsociety.ops.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), app],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() * 2 + 1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")

    tmp = tempfile.mkdtemp(prefix="bench-pages-")
    postgres = PostgresServer(durable=True).start()
    redis_port = free_port()
    # Redis as in production: shared rate limits and the page cache's generation.
    procs = [subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)]
    try:
        env = dict(
            os.environ,
            SMARTSOCIETY_CONFIG="production",
            SECRET_KEY="bench-" + "k" * 40,
            SESSION_COOKIE_SECURE="false",
            DATABASE_URL=postgres.create_database("bench"),
            SEARCH_INDEX_DIR=os.path.join(tmp, "index"),
            SEARCH_MODE="inline",
            REQUEST_LOG="false",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            PAGE_CACHE=os.environ.get("PAGE_CACHE", "redis"),
        )
        case_id = seed(env)
        procs.append(gunicorn("smartsociety:create_app()", 8101, args.workers, env))
        procs.append(gunicorn("bench.minimal_app:app", 8102, args.workers, env))
        site, minimal = "http://127.0.0.1:8101", "http://127.0.0.1:8102/"
        wait_for(site + "/healthz")
        wait_for(minimal)
        cookie = login_cookie(site)
        pages = {
            "home": "/",
            "case, 50 comments": f"/casussen/{case_id}",
            "search": "/zoeken?q=sensoren",
        }
        print(f"gunicorn sync workers: {args.workers}; wrk: 2 threads, {args.connections} "
              f"connections, {args.seconds}s per measurement\n")
        print(f"{'page':<20} {'reader':<10} {'req/s':>9} {'minimal':>9} {'ratio':>7} {'non-2xx':>8}"
              f" {'cache':>6}")
        for reader, cookies in (("anonymous", None), ("member", cookie)):
            shown = comments_shown(site + pages["case, 50 comments"], cookies)
            if shown != 50:
                raise SystemExit(f"the case page shows {shown} comments to the {reader}, not 50")
        for name, path in pages.items():
            for reader, cookies in (("anonymous", None), ("member", cookie)):
                base_rate, _ = wrk(minimal, args.seconds, args.connections)
                state = cache_state(site + path, cookies)
                rate, bad = wrk(site + path, args.seconds, args.connections, cookies)
                print(f"{name:<20} {reader:<10} {rate:>9.0f} {base_rate:>9.0f} "
                      f"{rate / base_rate:>6.1%} {bad:>8} {state:>6}", flush=True)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
        postgres.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
