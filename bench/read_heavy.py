"""The read-heavy profile of bench/load.py: what readers feel on a normal day while writes land.

An open loop at a fixed arrival rate (requests start on schedule whether or not earlier ones
have finished, and each latency counts from its scheduled start, so a slow server cannot slow
the load down and hide its own queue): about 85 % anonymous reads over home, case lists, case
pages, search, solutions and principles; 10 % reads by members; 5 % writes (comments) by
members. Members register and log in before the clock starts and keep their sessions.

    .venv/bin/python bench/load.py --profile read-heavy [--rate 150] [--seconds 30] [--cold]

The whole schedule (which request when, which page) is drawn before the clock starts; unless
`--cold` is given, every page the run will read is first asked for once (anonymously and by
each member who will read it), as on a site in steady state, where readers have long since
asked for every page. What is counted: each anonymous read's X-Page-Cache answer (hit, miss,
or none: not storable); a miss is "first" when it is the first request of that address in the
run (warm-up included), else the reason the server gives in X-Page-Cache-Miss (benchmarks
only): moved:<scopes> (an entry was there, a write has since moved these scopes), expired,
or absent (no entry: never stored, dropped, or being rendered by another request). For the
misses of home and the case lists it also counts how many of the case cards on them were
kept from earlier renders (X-Page-Cache-Parts) and how many were rendered. With the server's
timing header on (SEARCH_SERVER_TIMING), it adds up the workers' CPU time per kind of request
(anonymous hits and misses per page, members' reads, writes): where the workers' time goes.
"""
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from bench.load import ROOT, WORDS, Member, NoRedirect, Stack, Stats, percentile
from bench.search import server_timing

# Contributing needs a confirmed e-mail address (issue 15): the simulated members confirm theirs.
CONFIRM = """
import sqlalchemy as sa
from smartsociety import create_app
from smartsociety.extensions import db
from smartsociety.models import User, utcnow
app = create_app()
with app.app_context():
    db.session.execute(sa.update(User).where(User.email.like("lid-%@belasting.example"))
                       .values(email_verified_at=utcnow()))
    db.session.commit()
"""

READS = [("home", "/", 15), ("case list", "/casussen", 15), ("case page", None, 40),
         ("search", None, 10), ("solutions", "/oplossingen", 10),
         ("principles", "/principes/", 10)]


def read_path(rng: random.Random, world: dict) -> tuple[str, str]:
    names = [(n, p) for n, p, _w in READS]
    name, path = rng.choices(names, [w for *_x, w in READS])[0]
    if name == "case page":
        path = f"/casussen/{rng.choice(world['cases'])}"
    elif name == "search":
        path = "/zoeken?q=" + urllib.parse.quote(rng.choice(WORDS))
    return name, path


class Parts:
    def __init__(self):
        self.kept = self.total = 0

    def __iadd__(self, counts: tuple[int, int]) -> "Parts":
        self.kept += counts[0]
        self.total += counts[1]
        return self


class Figures:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)  # kind -> seconds
        self.outcomes = Counter()
        self.cache = Counter()  # anonymous reads: hit / miss / none
        self.cache_by_page = defaultdict(Counter)
        self.misses_by_page = defaultdict(Counter)  # page -> first / moved:<scopes> / ...
        self.parts = defaultdict(Parts)  # page -> case cards kept / rendered on its misses
        self.cpu = defaultdict(list)  # (kind, page, cache) -> the worker's CPU ms per request

    def record(self, kind: str, seconds: float, outcome: str, cache: str | None = None,
               page: str = "", why: str = ""):
        with self.lock:
            self.latency[kind].append(seconds)
            self.outcomes[outcome] += 1
            if cache is not None:
                self.cache[cache] += 1
                self.cache_by_page[page][cache] += 1
                if cache != "hit":
                    self.misses_by_page[page][why or cache] += 1

    def add_cpu(self, key: tuple, cpu: list) -> None:
        if cpu and cpu[0] is not None:
            with self.lock:
                self.cpu[key].append(cpu[0])


def server_cpu(headers) -> float | None:
    """The worker's CPU ms for the request, from Server-Timing (smartsociety/ops/timing.py)."""
    cpu = server_timing(headers).get("cpu")
    return float(cpu) if cpu else None


def fetch(opener, url: str, data: dict | None = None, why: list | None = None,
          cpu: list | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, body, timeout=30) as response:
            response.read()
            if cpu is not None:
                cpu.append(server_cpu(response.headers))
            if why is not None:
                why.append(response.headers.get("X-Page-Cache-Miss") or "")
                why.append(response.headers.get("X-Page-Cache-Parts") or "")
            return response.status, response.headers.get("X-Page-Cache") or "none"
    except urllib.error.HTTPError as error:
        if cpu is not None:
            cpu.append(server_cpu(error.headers))
        error.close()
        return error.code, "none"
    except OSError as error:
        return f"cut off ({type(error).__name__})", "none"


def schedule(rng: random.Random, world: dict, rate: float, seconds: int, members: int) -> list:
    """Every request of the run, drawn before the clock starts: (kind, page name, path, member)."""
    kinds, weights = ["anonymous read", "member read", "write"], [85, 10, 5]
    plan = []
    for _ in range(int(rate * seconds)):
        kind = rng.choices(kinds, weights)[0]
        member = rng.randrange(members)
        if kind == "write":
            plan.append((kind, "write", f"/casussen/{rng.choice(world['cases'])}/reacties",
                         member))
        else:
            plan.append((kind, *read_path(rng, world), member))
    return plan


def moves(path: str, start: int) -> Counter:
    """The page-cache moves noted after `start` (bytes into the log): (who, wrote, scopes) -> n."""
    counts = Counter()
    with open(path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        for line in log:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                counts[tuple(parts)] += 1
    return counts


def run(rate: float, seconds: int, workers: int, members: int = 10, seed: int = 1,
        warm: bool = True) -> dict:
    rng = random.Random(seed)
    # Every web process and the search worker note each move of a page-cache scope here.
    moves_log = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-moves-{os.getpid()}.log")
    open(moves_log, "w").close()
    os.environ["PAGE_CACHE_MOVES_LOG"] = moves_log
    os.environ["SEARCH_SERVER_TIMING"] = "true"  # the workers' CPU per request
    stack = Stack(workers)
    figures = Figures()
    try:
        people = [Member(stack.base, Stats(), stack.world, random.Random(rng.random()))
                  for _ in range(members)]
        people = [m for m in people if m.register()]
        subprocess.run([sys.executable, "-c", CONFIRM], env=stack.env, cwd=ROOT, check=True)
        people = [m for m in people if m.log_in_again()]
        anonymous = urllib.request.build_opener(NoRedirect())
        # Warm each worker once (imports, index open), as a running site is.
        for _ in range(workers * 3):
            fetch(anonymous, stack.base + "/")
        plan = schedule(rng, stack.world, rate, seconds, len(people))
        asked = set()  # addresses requested so far (anonymously)
        asked_lock = threading.Lock()
        if warm:
            warm_up = {(path, member if kind == "member read" else None)
                       for kind, _name, path, member in plan if kind != "write"}
            for path, member in sorted(warm_up, key=str):
                fetch(people[member].opener if member is not None else anonymous,
                      stack.base + path)
                if member is None:
                    asked.add(path)
        warmed = len(asked)

        def one(kind: str, name: str, path: str, member: int, started: float) -> None:
            if kind == "write":
                person = people[member]
                cpu = []
                status, _ = fetch(person.opener, stack.base + path, {
                    "csrf_token": person.token, "submit": "1",
                    "body": f"Reactie over {rng.choice(WORDS)} {rng.random():.6f}"}, cpu=cpu)
                ok = status in (302, 303)
                figures.record("write", time.perf_counter() - started,
                               "ok" if ok else f"write {status}")
                figures.add_cpu(("write", "comment", ""), cpu)
                return
            opener = people[member].opener if kind == "member read" else anonymous
            with asked_lock:
                first = path not in asked
                asked.add(path)
            why, cpu = [], []
            status, cache = fetch(opener, stack.base + path, why=why, cpu=cpu)
            figures.add_cpu((kind, name, cache if kind == "anonymous read" else ""), cpu)
            outcome = "ok" if status == 200 else f"{kind} {status} {path}"
            reason = "first" if first else (why[0] if why else "") or cache
            figures.record(kind, time.perf_counter() - started, outcome,
                           cache if kind == "anonymous read" else None, name, reason)
            if kind == "anonymous read" and len(why) > 1 and why[1]:
                kept, total = (int(n) for n in why[1].split("/"))
                with figures.lock:
                    figures.parts[name] += (kept, total)

        interval = 1.0 / rate
        moves_from = os.path.getsize(moves_log)
        with ThreadPoolExecutor(max_workers=128) as pool:
            begin = time.perf_counter()
            for n, (kind, name, path, member) in enumerate(plan):
                due = begin + n * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, kind, name, path, member, due)
        n = len(plan)
        return {"figures": figures, "rate": rate, "seconds": seconds, "workers": workers,
                "warm": warm, "warmed": warmed,
                "members": len(people), "sent": n, "server_errors": stack.server_errors(),
                "moves": moves(moves_log, moves_from)}
    finally:
        stack.close()
        os.environ.pop("PAGE_CACHE_MOVES_LOG", None)
        os.environ.pop("SEARCH_SERVER_TIMING", None)
        os.unlink(moves_log)


def print_report(result: dict) -> None:
    figures = result["figures"]
    total = sum(figures.outcomes.values())
    print(f"read-heavy open loop: {result['rate']:.0f} requests/s offered for "
          f"{result['seconds']} s, {result['workers']} gunicorn workers, "
          f"{result['members']} members logged in")
    print(f"requests: {total}  errors: {total - figures.outcomes['ok']}")
    for outcome, count in figures.outcomes.most_common():
        if outcome != "ok":
            print(f"  {outcome:<50} {count}")
    print(f"\n{'kind':<16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    rows = sorted(figures.latency.items())
    # The issue's read target is for reads as a whole (anonymous and members' together).
    rows.append(("all reads", [v for kind, values in figures.latency.items()
                               if kind.endswith("read") for v in values]))
    for kind, values in rows:
        ms = [v * 1000 for v in values]
        print(f"{kind:<16} {len(ms):>6} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} "
              f"{percentile(ms, 99):>8.0f}")
    reads = sum(figures.cache.values()) or 1
    print(f"\nwarm-up: {'every page of the run asked for once before the clock started (' + str(result['warmed']) + ' anonymous addresses)' if result['warm'] else 'none (--cold)'}")
    firsts = sum(c["first"] for c in figures.misses_by_page.values())
    print(f"anonymous page-cache hit rate: {figures.cache['hit'] / reads:.1%} "
          f"({dict(figures.cache)}); not counting first requests of an address: "
          f"{figures.cache['hit'] / ((reads - firsts) or 1):.1%}")
    print("  per page: hit rate of all reads (without first requests); what the misses were")
    for page, counts in sorted(figures.cache_by_page.items()):
        total, first = sum(counts.values()), figures.misses_by_page[page]["first"]
        why = ", ".join(f"{k} {v}" for k, v in figures.misses_by_page[page].most_common())
        print(f"  {page:<12} {counts['hit'] / (total or 1):6.1%} of {total:<5} "
              f"({counts['hit'] / ((total - first) or 1):6.1%})  {why}")
    for page, parts in sorted(figures.parts.items()):
        print(f"  {page:<12} on its misses {parts.kept} of {parts.total} case cards came from "
              f"the store ({parts.kept / (parts.total or 1):.1%})")
    if figures.cpu:
        total = sum(sum(v) for v in figures.cpu.values()) or 1
        print(f"\nworkers' CPU by kind of request (Server-Timing cpu; {total / 1000:.1f} s in all):")
        print(f"  {'kind':<16} {'page':<12} {'cache':<6} {'n':>6} {'mean ms':>8} {'p95 ms':>8} "
              f"{'share':>6}")
        for (kind, page, cache), ms in sorted(figures.cpu.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {kind:<16} {page:<12} {cache:<6} {len(ms):>6} {sum(ms) / len(ms):>8.2f} "
                  f"{percentile(ms, 95):>8.2f} {sum(ms) / total:>6.1%}")
    if result.get("moves"):
        print("\npage-cache scopes moved while the load ran (who wrote; what; scopes moved):")
        for (who, wrote, scopes), count in result["moves"].most_common(15):
            print(f"  {count:>6}  {who:<34} {wrote[:40]:<40} {scopes}")
    for error in result.get("server_errors", []):
        print("server error:\n" + error.rstrip())
