"""Load and faults against the production set-up on loopback.

Starts PostgreSQL, Redis, gunicorn and the single search worker, then for a bounded time runs
simulated members who register, log in, post cases and comments, vote on principle rules, report
comments (when moderation is installed) and search — while a random gunicorn worker is SIGKILLed
every 10 s and the search worker once. Afterwards every write the server acknowledged is looked
up in the database, and the time until the index matches the database is measured.

    .venv/bin/python bench/load.py [--seconds 60] [--users 50] [--workers 3]
    .venv/bin/python bench/load.py --profile read-heavy [--rate 150] [--seconds 60]

Requests cut off by a killed worker are counted as not acknowledged, never as lost.
"""
import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartsociety.ops.pgserver import PostgresServer  # noqa: E402

PASSWORD = "belasting-test-wachtwoord-2026"
WORDS = ["sensoren", "privacy", "gemeente", "data", "camera", "verlichting", "register",
         "parkeren", "algoritme", "afval", "energie", "inwoners"]

SEED = """
import json
from smartsociety import create_app
from smartsociety.demo import data
from smartsociety.extensions import db
from smartsociety.models import Case, Organisation, Principle, User
from smartsociety.principles import services
from flask_migrate import upgrade
import sqlalchemy as sa
app = create_app()
with app.app_context():
    upgrade()
    data.load(app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    moderator = db.session.scalar(User.by_email("moderator@turfbrug.example"))
    principle = db.session.scalars(Principle.by_number()).first()
    version = services.new_version(principle, moderator)
    services.open_consultation(version)
    db.session.commit()
    print(json.dumps({
        "organisations": list(db.session.scalars(sa.select(Organisation.id))),
        "cases": list(db.session.scalars(sa.select(Case.id))),
        "principle": principle.slug, "version": version.number,
        "rules": [rule.id for rule in version.rules],
    }))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter = field(default_factory=Counter)
    acked: dict = field(default_factory=lambda: defaultdict(set))
    votes: dict = field(default_factory=dict)

    def record(self, route: str, seconds: float, outcome: str) -> None:
        with self.lock:
            self.latency[route].append(seconds)
            self.outcomes[outcome] += 1


def acknowledged(result) -> bool:
    """A write's redirect back to the page, not to the login page (a member whose log-in was
    cut off by a kill is logged out, and @login_required answers 302 too)."""
    return bool(result) and result[0] in (302, 303) and "/inloggen" not in result[1]


class Member:
    """One simulated member with its own cookies."""

    def __init__(self, base: str, stats: Stats, world: dict, rng: random.Random):
        self.base, self.stats, self.world, self.rng = base, stats, world, rng
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        self.email = f"lid-{uuid.uuid4().hex[:10]}@belasting.example"
        self.token = ""

    def request(self, route: str, path: str, data: dict | None = None):
        """Return (status, location, body) or None when the connection was cut off."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                status, location, text = response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:
            status, location, text = error.code, error.headers.get("Location", ""), ""
            error.close()
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as error:
            self.stats.record(route, time.perf_counter() - started, f"cut off ({type(error).__name__})")
            return None
        # A server error names its route, so a rare one can be traced.
        outcome = "ok" if status < 400 else f"HTTP {status}" + (f" {route}" if status >= 500 else "")
        self.stats.record(route, time.perf_counter() - started, outcome)
        return status, location, text

    def csrf(self, text: str) -> None:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if found:
            self.token = found.group(1)

    def register(self) -> bool:
        page = self.request("GET /registreren", "/registreren")
        if page is None or page[0] != 200:
            return False
        self.csrf(page[2])
        result = self.request("POST /registreren", "/registreren", {
            "csrf_token": self.token, "name": f"Belastinglid {self.email[4:10]}",
            "email": self.email, "password": PASSWORD, "password_confirm": PASSWORD,
            "organisation": self.rng.choice(self.world["organisations"]),
        })
        if result and result[0] == 302:
            with self.stats.lock:
                self.stats.acked["member"].add(self.email)
            return True
        return False

    def log_in_again(self) -> bool:
        self.request("POST /uitloggen", "/uitloggen", {"csrf_token": self.token})
        page = self.request("GET /inloggen", "/inloggen")
        if page is None:
            return False
        self.csrf(page[2])
        result = self.request("POST /inloggen", "/inloggen", {
            "csrf_token": self.token, "email": self.email, "password": PASSWORD})
        if result is None or result[0] != 302:
            return False
        page = self.request("GET /", "/")
        if page:
            self.csrf(page[2])
        return True

    def post_case(self) -> None:
        word = self.rng.choice(WORDS)
        title = f"Belastingcasus {uuid.uuid4().hex[:8]} over {word}"
        result = self.request("POST /casussen/nieuw", "/casussen/nieuw", {
            "csrf_token": self.token, "kind": "dilemma", "status": "open", "title": title,
            "summary": f"Een vraag over {word} in de openbare ruimte.",
            "body": f"Wij twijfelen over **{word}** en {self.rng.choice(WORDS)}.",
            "question": f"Moeten we {word} in de openbare ruimte registreren?",
            "language": "nl", "themes": ["informatiebeveiliging-en-privacy"], "submit": "1",
        })
        if result and result[0] == 302:
            found = re.search(r"/casussen/(\d+)$", result[1])
            if found:
                with self.stats.lock:
                    self.stats.acked["case"].add(int(found.group(1)))
                    self.world["cases"].append(int(found.group(1)))

    def comment(self) -> None:
        case_id = self.rng.choice(self.world["cases"])
        result = self.request("POST /casussen/<id>/reacties", f"/casussen/{case_id}/reacties", {
            "csrf_token": self.token, "submit": "1",
            "body": f"Reactie over {self.rng.choice(WORDS)}: {uuid.uuid4().hex[:6]}"})
        if result and result[0] == 302:
            found = re.search(r"#comment-(\d+)$", result[1])
            if found:
                with self.stats.lock:
                    self.stats.acked["comment"].add(int(found.group(1)))
                    self.world["comments"].append(int(found.group(1)))

    def vote(self) -> None:
        rule = self.rng.choice(self.world["rules"])
        choice = self.rng.choice(["agree", "disagree", "no_opinion"])
        result = self.request("POST /principes/regels/<id>/stem", f"/principes/regels/{rule}/stem",
                              {"csrf_token": self.token, f"vote-{rule}-choice": choice})
        with self.stats.lock:
            vote = self.stats.votes.setdefault((self.email, rule), {"acked": None, "maybe": []})
            if acknowledged(result):
                vote["acked"], vote["maybe"] = choice, []
            elif result is None:
                # Cut off: it may have committed before the worker died, so the database may
                # hold this choice instead of the acknowledged one.
                vote["maybe"].append(choice)

    def report(self) -> None:
        if not self.world["comments"]:
            return
        comment = self.rng.choice(self.world["comments"])
        path = self.world["report_path"].format(type="comment", id=comment)
        result = self.request("POST report", path, {"csrf_token": self.token, "reason": "spam"})
        if acknowledged(result):
            with self.stats.lock:
                self.stats.acked["report"].add((self.email, comment))

    def search(self) -> None:
        query = urllib.parse.quote(self.rng.choice(WORDS))
        self.request("GET /zoeken", f"/zoeken?q={query}")

    def read_case(self) -> None:
        self.request("GET /casussen/<id>", f"/casussen/{self.rng.choice(self.world['cases'])}")

    def run(self, stop: threading.Event) -> None:
        if not self.register():
            return
        self.log_in_again()
        actions = [(self.search, 30), (self.read_case, 20), (self.comment, 18),
                   (self.post_case, 12), (self.vote, 12)]
        if self.world.get("report_path"):
            actions.append((self.report, 5))
        funcs, weights = zip(*actions)
        while not stop.is_set():
            self.rng.choices(funcs, weights)[0]()


class Stack:
    """PostgreSQL, Redis, gunicorn and the search worker, all on loopback."""

    def __init__(self, workers: int):
        self.tmp = tempfile.mkdtemp(prefix="bench-load-")
        # gunicorn's error log: the traceback behind any 5xx is printed with the figures.
        self.log = open(os.path.join(self.tmp, "gunicorn.log"), "w")
        self.postgres = PostgresServer().start()
        self.redis_port, self.port = free_port(), free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        self.env = dict(
            os.environ,
            SMARTSOCIETY_CONFIG="production",
            SECRET_KEY="load-" + uuid.uuid4().hex * 2,
            SESSION_COOKIE_SECURE="false",
            DATABASE_URL=self.postgres.create_database("load"),
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            SEARCH_INDEX_DIR=os.path.join(self.tmp, "index"),
            UPLOAD_DIR=os.path.join(self.tmp, "uploads"),
            SEARCH_MODE="worker",
            REQUEST_LOG="false",
            # Many members share one address here, and every simulated member is a new account.
            LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
            REGISTER_LIMIT="100000 per hour",
            POSTING_LIMIT="100000 per hour",
            POSTING_LIMIT_NEW_ACCOUNT="100000 per hour",
        )
        self.world = json.loads(subprocess.run(
            [sys.executable, "-c", SEED], env=self.env, cwd=ROOT, check=True,
            capture_output=True, text=True).stdout.strip().splitlines()[-1])
        self.world["comments"] = []
        self.search_worker = self._start_search_worker()
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:smartsociety.ops.gunicorn_conf",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait(self.base + "/healthz")

    def _start_search_worker(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "smartsociety", "search",
                                 "worker"], env=self.env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @staticmethod
    def _wait(url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{url} did not come up")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_search_worker(self) -> None:
        self.search_worker.send_signal(signal.SIGKILL)
        self.search_worker.wait()

    def restart_search_worker(self) -> None:
        self.search_worker = self._start_search_worker()

    def server_errors(self) -> list[str]:
        """Each traceback in gunicorn's log, as one text."""
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return ["Traceback" + part.split("\n[", 1)[0] for part in text.split("Traceback")[1:]]

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "smartsociety", *args],
                              env=self.env, cwd=ROOT, capture_output=True, text=True)

    def close(self) -> None:
        for proc in (self.gunicorn, self.search_worker, self.redis):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.gunicorn, self.search_worker, self.redis):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.log.close()
        self.postgres.destroy()
        shutil.rmtree(self.tmp, ignore_errors=True)


def find_report_path(stack: Stack) -> str | None:
    """The report route, when the moderation feature is installed."""
    routes = stack.flask("routes").stdout
    for line in routes.splitlines():
        if line.startswith("moderation.report "):
            rule = line.split()[-1]
            return re.sub(r"<[^>]*type[^>]*>", "{type}", re.sub(r"<[^>]*id[^>]*>", "{id}", rule))
    return None


def lost_writes(stack: Stack, stats: Stats) -> dict[str, int]:
    """Acknowledged writes that the database does not have."""
    code = """
import json, sys
import sqlalchemy as sa
from smartsociety import create_app
from smartsociety.extensions import db
from smartsociety.models import Case, Comment, RuleVote, User
acked = json.load(sys.stdin)
app = create_app()
with app.app_context():
    def missing(model, ids):
        found = set(db.session.scalars(sa.select(model.id).where(model.id.in_(ids)))) if ids else set()
        return len(set(ids) - found)
    users = {u.email: u.id for u in db.session.scalars(sa.select(User).where(User.email.in_(acked["member"])))}
    votes = {(v.user_id, v.rule_id): v.choice.value for v in db.session.scalars(sa.select(RuleVote))}
    lost_votes = [[email, rule, choice, maybe, votes.get((users.get(email), rule))]
                  for email, rule, choice, maybe in acked["votes"]
                  if votes.get((users.get(email), rule)) not in [choice, *maybe]]
    reports = set()
    try:
        from smartsociety.models import Report
        reports = set(db.session.execute(sa.select(Report.reporter_id, Report.target_id).where(
            Report.target_type == "comment")).all())
    except ImportError:  # moderation not installed
        pass
    lost_reports = [[email, comment] for email, comment in acked["report"]
                    if (users.get(email), comment) not in reports]
    print(json.dumps({"member": len(acked["member"]) - len(users),
                      "case": missing(Case, acked["case"]),
                      "comment": missing(Comment, acked["comment"]),
                      "vote": len(lost_votes), "report": len(lost_reports),
                      "details": {"vote": lost_votes, "report": lost_reports}}))
"""
    payload = json.dumps({
        "member": sorted(stats.acked["member"]), "case": sorted(stats.acked["case"]),
        "comment": sorted(stats.acked["comment"]),
        "votes": [[email, rule, vote["acked"], vote["maybe"]]
                  for (email, rule), vote in stats.votes.items() if vote["acked"]],
        "report": sorted(stats.acked["report"]),
    })
    out = subprocess.run([sys.executable, "-c", code], input=payload, env=stack.env, cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


CONVERGE = """
import os, sys, time
from smartsociety import create_app
from smartsociety.search import service
app = create_app()
with app.app_context():
    indexer = service.indexer()
    while not os.path.exists(sys.argv[1]):  # the load is still running
        time.sleep(0.05)
    while not (indexer.store.exists() and not indexer.pending() and not indexer.check()):
        time.sleep(0.1)
    print(time.monotonic(), flush=True)  # CLOCK_MONOTONIC: the same clock in every process
"""


class IndexWatcher:
    """Started before the load ends (so its own start-up is not measured); once told the load
    stopped, reports when the index matches the database."""

    def __init__(self, stack: Stack):
        self.flag = os.path.join(stack.tmp, "load-stopped")
        self.proc = subprocess.Popen([sys.executable, "-c", CONVERGE, self.flag], env=stack.env,
                                     cwd=ROOT, stdout=subprocess.PIPE, text=True)

    def load_stopped(self) -> None:
        Path(self.flag).touch()

    def seconds_after(self, stopped: float, limit: float = 120) -> float | None:
        try:
            out, _ = self.proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            return None
        return max(0.0, float(out.strip()) - stopped)


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(seconds: int, users: int, workers: int, kill_every: float = 10.0,
        seed: int = 1) -> dict:
    rng = random.Random(seed)
    stack = Stack(workers)
    stats = Stats()
    stop = threading.Event()
    kills = Counter()
    try:
        stack.world["report_path"] = find_report_path(stack)
        members = [Member(stack.base, stats, stack.world, random.Random(rng.random()))
                   for _ in range(users)]
        threads = [threading.Thread(target=m.run, args=(stop,), daemon=True) for m in members]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        next_kill, search_killed, watcher = started + kill_every, False, None
        while time.monotonic() - started < seconds:
            if watcher is None and time.monotonic() - started >= seconds * 0.5:
                watcher = IndexWatcher(stack)
            time.sleep(0.2)
            now = time.monotonic()
            if now >= next_kill:
                pids = stack.worker_pids()
                if pids:
                    os.kill(rng.choice(pids), signal.SIGKILL)
                    kills["gunicorn worker"] += 1
                next_kill += kill_every
            if not search_killed and now - started >= seconds / 3:
                stack.kill_search_worker()
                kills["search worker"] += 1
                search_killed = True
                time.sleep(1)  # a supervisor restarts it
                stack.restart_search_worker()
        stop.set()
        for thread in threads:
            thread.join(60)
        stopped = time.monotonic()
        watcher = watcher or IndexWatcher(stack)
        watcher.load_stopped()
        converged = watcher.seconds_after(stopped)
        lost = lost_writes(stack, stats)
        details = lost.pop("details", {})
        return {"stats": stats, "lost": lost, "lost_details": details,
                "server_errors": stack.server_errors(), "converged": converged, "kills": kills,
                "seconds": seconds, "users": users, "workers": workers,
                "reports": bool(stack.world.get("report_path"))}
    finally:
        stop.set()
        stack.close()


def print_report(result: dict) -> None:
    stats = result["stats"]
    total = sum(stats.outcomes.values())
    print(f"{result['users']} members, {result['seconds']} s, {result['workers']} gunicorn "
          f"workers; killed: {dict(result['kills'])}")
    if not result["reports"]:
        print("reporting: not installed (no moderation.report route); members do not report")
    print(f"\nrequests: {total}  ({total / result['seconds']:.0f}/s)")
    for outcome, count in stats.outcomes.most_common():
        print(f"  {outcome:<40} {count}")
    print(f"\n{'route':<34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for route, values in sorted(stats.latency.items()):
        ms = [v * 1000 for v in values]
        print(f"{route:<34} {len(ms):>6} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} "
              f"{percentile(ms, 99):>8.0f}")
    acked = {kind: len(values) for kind, values in stats.acked.items()}
    acked["vote"] = sum(1 for vote in stats.votes.values() if vote["acked"])
    print(f"\nacknowledged writes: {acked}")
    print(f"lost writes: {result['lost']}  (total {sum(result['lost'].values())})")
    for kind, items in result.get("lost_details", {}).items():
        for item in items:
            print(f"  lost {kind}: {item}")
    five = sum(c for o, c in stats.outcomes.items() if o.startswith("HTTP 5"))
    print(f"5xx responses: {five}")
    for error in result.get("server_errors", []):
        print("server error:\n" + error.rstrip())
    converged = result["converged"]
    print("index converged: " + (f"{converged:.1f} s after the load stopped" if converged is not None
                                 else "NOT within 120 s"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=10.0)
    parser.add_argument("--profile", choices=["members", "read-heavy"], default="members",
                        help="read-heavy: an open loop of mostly anonymous reads (bench/read_heavy.py)")
    parser.add_argument("--rate", type=float, default=150.0, help="read-heavy: requests per second")
    parser.add_argument("--cold", action="store_true",
                        help="read-heavy: no warm-up (pages first asked for while the clock runs)")
    args = parser.parse_args()
    if args.profile == "read-heavy":
        from bench import read_heavy

        result = read_heavy.run(args.rate, args.seconds, args.workers, warm=not args.cold)
        read_heavy.print_report(result)
        sys.exit(0 if result["figures"].outcomes.keys() <= {"ok"} else 1)
    result = run(args.seconds, args.users, args.workers, args.kill_every)
    print_report(result)
    lost = sum(result["lost"].values())
    five = sum(c for o, c in result["stats"].outcomes.items() if o.startswith("HTTP 5"))
    sys.exit(0 if lost == 0 and five == 0 and result["converged"] is not None else 1)


if __name__ == "__main__":
    main()
