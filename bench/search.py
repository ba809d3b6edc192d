"""Search benchmark: `python bench/search.py N` (run from the repository root).

Generates N posts of synthetic Dutch text (Debian's wdutch list, Zipf-distributed words) in a
fresh SQLite database, then prints: rebuild rate (with the load average, and the CPU seconds of
the rebuild's processes per post, which depend less on a shared machine's load), HTTP search
latency p50/p95 (gunicorn, 2 workers, `flask search worker` running) separately for cold
answers (computed: first time a worker sees the query after the index changed) and warm ones
(the worker's result cache, which is valid for one index generation only; told apart by the
X-Search-Cache response header), post-to-searchable latency p95, and raw Whoosh and SQLite FTS5
query latency on the same texts; and the quality figures of the Dutch analysis
(bench/search_quality.py). BENCH_REBUILD_ONLY=1: generate, rebuild and quality figures only.
"""
import bisect
import itertools
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

WORDS_FILE = Path("/usr/share/dict/dutch")
ZIPF_S = 1.07
SEED = 20261124
THEMES = [
    "innovatie-en-onderzoek", "gemeenschappelijke-infrastructuur", "samen-organiseren",
    "datagedreven-werken", "dienstverlening", "informatiebeveiliging-en-privacy",
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Zipf:
    def __init__(self, words, rng):
        self.words = words
        self.rng = rng
        weights = [1 / (rank ** ZIPF_S) for rank in range(1, len(words) + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def word(self):
        return self.words[bisect.bisect(self.cumulative, self.rng.random() * self.total)]

    def text(self, n):
        return " ".join(self.word() for _ in range(n))


def load_words(rng):
    words = [w for w in WORDS_FILE.read_text(encoding="utf-8").split() if w.isalpha()]
    rng.shuffle(words)
    return words


def generate(engine, n, zipf, rng):
    from smartsociety.models import Base

    Base.metadata.create_all(engine)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    kinds = ["gemeente", "bedrijf", "kennisinstelling"]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisation (name, name_key, slug, kind, description, created_at) "
            "VALUES (:n, :k, :s, :kind, '', :c)"),
            [{"n": f"Organisatie {i}", "k": f"organisatie {i}", "s": f"organisatie-{i}",
              "kind": kinds[i % 3], "c": start.replace(tzinfo=None)} for i in range(1, 31)])
    batch = 5000
    for first in range(0, n, batch):
        cases, themes = [], []
        for i in range(first, min(n, first + batch)):
            created = (start + timedelta(minutes=i * 37 % 3_000_000)).replace(tzinfo=None)
            kind = "dilemma" if i % 3 else "project"
            cases.append({
                "id": i + 1, "kind": kind, "status": "open" if kind == "dilemma" else "pilot",
                "title": zipf.text(rng.randint(4, 9)).capitalize(),
                "summary": zipf.text(rng.randint(10, 25)),
                "body": zipf.text(rng.randint(40, 160)), "body_html": "",
                "language": "nl", "organisation_id": 1 + i % 30,
                "question": "", "values_at_stake": "", "tried": "", "legal_frame": "",
                "created_at": created, "updated_at": created, "last_activity_at": created,
                "comment_count": 0,
            })
            themes.append({"case_id": i + 1, "theme": THEMES[i % len(THEMES)]})
        with engine.begin() as conn:
            conn.execute(sa.text(
                'INSERT INTO "case" (id, kind, status, title, summary, body, body_html, '
                "language, organisation_id, question, values_at_stake, tried, legal_frame, "
                "created_at, updated_at, last_activity_at, comment_count) VALUES (:id, :kind, "
                ":status, :title, :summary, :body, :body_html, :language, :organisation_id, "
                ":question, :values_at_stake, :tried, :legal_frame, :created_at, :updated_at, "
                ":last_activity_at, :comment_count)"), cases)
            conn.execute(sa.text("INSERT INTO case_theme (case_id, theme) VALUES (:case_id, :theme)"),
                         themes)


def query_mix(zipf):
    w = zipf.words
    return [
        w[2], w[20], w[200], w[2000], w[20000],            # frequent to rare
        f"{w[3]} {w[40]}", f"{w[30]} {w[300]} {w[3000]}",  # all words must match
        f'"{w[0]} {w[1]}"',                                # phrase
        f"{w[5][:3]}*",                                    # prefix
        f"{w[100]} OR {w[1000]}", f"{w[10]} -{w[11]}",     # OR, exclude
        f"{w[50]}&kind=project", f"{w[7]}&sort=date", f"{w[500]}&theme={THEMES[1]}",
        w[15000][:-1] + "q",                               # misspelt: did-you-mean
    ]


def http_get(url):
    """(headers, body)"""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers, response.read().decode()


def server_timing(headers) -> dict[str, str]:
    """Server-Timing as {name: "12.3" (ms) or the description}."""
    found = {}
    for part in (headers.get("Server-Timing") or "").split(","):
        name, _, rest = part.strip().partition(";")
        key, _, value = rest.partition("=")
        if name:
            found[name] = value.strip('"')
    return found


def describe(timing: dict[str, str]) -> str:
    steps = " ".join(f"{k} {float(v):.1f}" for k, v in timing.items()
                     if k != "worker" and float(v) >= 0.5)
    return f"worker {timing.get('worker', '?')}: {steps}"


def url_for_query(base, q):
    text, _, extra = q.partition("&")
    return f"{base}/zoeken?q={urllib.parse.quote(text)}" + (f"&{extra}" if extra else "")


def main(n: int) -> None:
    rng = random.Random(SEED)
    reuse = os.environ.get("BENCH_REUSE")  # a work dir of an earlier run: skip generate+rebuild
    work = Path(reuse) if reuse else Path(
        tempfile.mkdtemp(prefix="search-bench-", dir=os.environ.get("BENCH_DIR")))
    db_path, index_dir = work / "bench.db", work / "index"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SMARTSOCIETY_CONFIG": "testing",
           "DATABASE_URL": f"sqlite:///{db_path}", "SEARCH_INDEX_DIR": str(index_dir),
           "SEARCH_MODE": "worker", "SEARCH_WORKER_INTERVAL": "0.05",
           # Search itself is measured: whole pages from the page cache would hide it.
           "PAGE_CACHE": "off", "SEARCH_SERVER_TIMING": "1",
           "GC_FREEZE": "1"}  # as in production (the testing config has it off)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SEARCH_INDEX_DIR", "SEARCH_MODE")})
    from smartsociety import create_app
    from smartsociety.extensions import db
    from smartsociety.search import service

    procs = int(os.environ.get("SEARCH_REBUILD_PROCS", str(min(4, os.cpu_count() or 1))))
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                      "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_MODE": "worker",
                      "SEARCH_REBUILD_PROCS": procs})
    words = load_words(rng)
    zipf = Zipf(words, rng)
    print(f"N={n} posts, {len(words)} distinct Dutch words (Zipf s={ZIPF_S}), work dir {work}")
    with app.app_context():
        engine = db.engine
        if not reuse:
            t = time.perf_counter()
            generate(db.engine, n, zipf, rng)
            print(f"generated in {time.perf_counter() - t:.1f}s")
            t = time.perf_counter()
            cpu = _cpu_seconds()
            count = service.indexer().rebuild(catch_up=False)
            elapsed = time.perf_counter() - t
            parent, builders = (after - before for after, before in zip(_cpu_seconds(), cpu))
            print(f"rebuild ({procs} processes): {count} posts in {elapsed:.1f}s = "
                  f"{count / elapsed:.0f} posts/s (load average {_load()})")
            # CPU time says more than the wall clock on a shared machine: what the rate would
            # be with a core per process, and with the machine's cores to the rebuild alone.
            cores = os.cpu_count() or 1
            print(f"rebuild CPU: parent {parent:.1f}s, builders {builders:.1f}s together = "
                  f"{1000 * (parent + builders) / count:.2f} ms per post "
                  f"(builders {1000 * builders / count:.2f} ms); "
                  f"{count / max(parent, builders / procs):.0f} posts/s with a core per "
                  f"process, {count / ((parent + builders) / cores):.0f} posts/s on "
                  f"{cores} idle cores")
    # The quality of the Dutch analysis (bench/search_quality.py), next to its speed.
    from bench.search_quality import report

    print("\n".join(report()))
    if os.environ.get("BENCH_REBUILD_ONLY"):  # generate, rebuild and quality only
        return

    queries = query_mix(zipf)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(work / "servers.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "smartsociety", "search",
                               "worker"], cwd=ROOT, env=env, stdout=log, stderr=log)
    # The production settings (the index opened at worker start, app preloaded), 2 workers.
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                            "python:smartsociety.ops.gunicorn_conf", "-w", "2", "-b",
                            f"127.0.0.1:{port}", "smartsociety:create_app()"],
                           cwd=ROOT, env=env, stdout=log, stderr=log)
    from sqlalchemy.orm import Session

    from smartsociety.models import Case, CaseKind

    def add_post(token):
        with Session(engine) as session:
            session.add(Case(kind=CaseKind.DILEMMA, status="open", title=f"Nieuw {token}",
                             body=zipf.text(80)))
            session.commit()

    def wait_searchable(token):
        t = time.perf_counter()
        while 'data-key="case:' not in http_get(f"{base}/zoeken?q={token}")[1]:
            if time.perf_counter() - t > 30:
                raise RuntimeError("post not searchable after 30 s")
            time.sleep(0.01)
        return time.perf_counter() - t

    try:
        _wait(base)
        # First time each query is seen by a process (nothing of it cached yet).
        first, first_log = [], []
        for q in queries:
            t = time.perf_counter()
            headers, _page = http_get(url_for_query(base, q))
            first.append(time.perf_counter() - t)
            first_log.append((first[-1], q, server_timing(headers)))
        # Each round changes the index first (a new post, applied by the worker), so every
        # worker's first answer to a query in the round is computed afresh ("cold"); answers a
        # worker gives again within the same index generation come from its result cache
        # ("warm"). Each query is asked 3 times a round, so both workers see most queries.
        cold, warm = [], []
        cold_log = []  # (seconds, query, round, nth ask in the round, Server-Timing)
        per_query = {q: ([], []) for q in queries}
        for round_ in range(8):
            token = f"round{round_}x{rng.randrange(10**9)}"
            add_post(token)
            wait_searchable(token)
            for q in queries:
                for ask in range(3):
                    t = time.perf_counter()
                    # The round in the address: an anonymous page is kept across index changes
                    # that do not touch it (smartsociety/search/pages.py), so without it most
                    # first asks of a round would not be computed at all; with it, each is.
                    headers, page = http_get(url_for_query(base, q) + f"&round={round_}")
                    elapsed = time.perf_counter() - t
                    assert "results-count" in page or "search-none" in page, q
                    # "page": the rendered page for anonymous readers (same generation).
                    is_warm = headers.get("X-Search-Cache") in ("hit", "page")
                    (warm if is_warm else cold).append(elapsed)
                    if not is_warm:
                        cold_log.append((elapsed, q, round_, ask, server_timing(headers)))
                    per_query[q][is_warm].append(elapsed)
        print("    cold p50   warm p50  query")
        for q, (cold_q, warm_q) in per_query.items():
            warm_text = f"{percentile(warm_q, 50) * 1000:8.1f} ms" if warm_q else "       -   "
            print(f"    {percentile(cold_q, 50) * 1000:8.1f} ms {warm_text}  {q}")
        print(f"HTTP search first time a process sees each query ({len(first)}): "
              f"p50 {percentile(first, 50) * 1000:.1f} ms, p95 {percentile(first, 95) * 1000:.1f} ms")
        print(f"HTTP search cold, after an index change ({len(cold)} requests): "
              f"p50 {percentile(cold, 50) * 1000:.1f} ms, p95 {percentile(cold, 95) * 1000:.1f} ms")
        if warm:
            print(f"HTTP search warm, result cache hits ({len(warm)} requests): "
                  f"p50 {percentile(warm, 50) * 1000:.1f} ms, "
                  f"p95 {percentile(warm, 95) * 1000:.1f} ms")
        every = cold + warm
        print(f"HTTP search all ({len(queries)} queries x 3 x 8 rounds): "
              f"p50 {percentile(every, 50) * 1000:.1f} ms, p95 {percentile(every, 95) * 1000:.1f} ms")
        with open(work / "requests.jsonl", "w") as out:  # every request, for a closer look
            for elapsed, q, timing in first_log:
                out.write(json.dumps({"ms": elapsed * 1000, "q": q, "first": True, **timing}) + "\n")
            for elapsed, q, round_, ask, timing in cold_log:
                out.write(json.dumps({"ms": elapsed * 1000, "q": q, "round": round_, "ask": ask,
                                      **timing}) + "\n")
        print("slowest first-time requests (server steps in ms):")
        for elapsed, q, timing in sorted(first_log, key=lambda r: -r[0])[:5]:
            print(f"  {elapsed * 1000:6.1f} ms  {q!r:40} {describe(timing)}")
        print("slowest cold requests (round, ask; server steps in ms):")
        for elapsed, q, round_, ask, timing in sorted(cold_log, key=lambda r: -r[0])[:10]:
            print(f"  {elapsed * 1000:6.1f} ms  {q!r:40} r{round_} a{ask}  {describe(timing)}")

        warm_cpu(base, queries, web.pid)

        delays = []
        for i in range(40):
            token = f"bench{i}x{rng.randrange(10**9)}"
            add_post(token)
            delays.append(wait_searchable(token))
            time.sleep(rng.random() * 0.2)
        print(f"post-to-searchable ({len(delays)} posts): p50 {percentile(delays, 50) * 1000:.0f} ms, "
              f"p95 {percentile(delays, 95) * 1000:.0f} ms")
        mixed_requests(base, queries, n, rng, web.pid)
    finally:
        web.terminate()
        worker.terminate()
        web.wait(10)
        worker.wait(10)
        log.close()

    raw_whoosh(app, queries)
    fts5(db_path, queries)


def memory_mb(pid: int) -> dict[str, float]:
    """A process's memory in MB from /proc/<pid>/smaps_rollup: RSS (every resident page it
    maps, shared or not), PSS (each shared page divided among the processes that map it) and
    USS (its private pages: what ending it would free)."""
    kb = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            kb[name] = int(rest.split()[0])
    return {"RSS": kb.get("Rss", 0) / 1024, "PSS": kb.get("Pss", 0) / 1024,
            "USS": (kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024,
            # Of the RSS: anonymous memory (the Python heap; after a fork a worker's RSS counts
            # every resident anonymous page of the master, shared until written) and the rest
            # (mapped files: shared libraries, the Dutch data file).
            "anon": kb.get("Anonymous", 0) / 1024}


def describe_memory(pid: int) -> str:
    mb = memory_mb(pid)
    return (" / ".join(f"{name} {mb[name]:.0f}" for name in ("RSS", "PSS", "USS"))
            + f" MB (anonymous {mb['anon']:.0f}, files {mb['RSS'] - mb['anon']:.0f})")


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user + system) the gunicorn workers have used so far."""
    total = 0
    for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def warm_cpu(base, queries, master_pid, rounds=40):
    """Warm answers measured by the server's CPU time (the wall clock of a shared machine says
    more about the other jobs): each query asked until both workers have its page, then
    `rounds` times more; CPU ms per request of the workers, and how many answers were warm."""
    paths = [url_for_query(base, q) + "&burst=1" for q in queries]
    for path in paths * 4:
        http_get(path)
    warm, count = 0, 0
    before, wall = worker_cpu_seconds(master_pid), time.perf_counter()
    for _ in range(rounds):
        for path in paths:
            headers, _page = http_get(path)
            count += 1
            warm += headers.get("X-Search-Cache") in ("hit", "page")
    cpu, wall = worker_cpu_seconds(master_pid) - before, time.perf_counter() - wall
    print(f"HTTP search warm burst ({count} requests, {warm} warm): server CPU "
          f"{cpu / count * 1000:.2f} ms per request, wall {wall / count * 1000:.2f} ms "
          f"(load average {_load()})")


def mixed_requests(base, queries, n, rng, master_pid, count=1000):
    """Memory (issue 23 item 4): the gunicorn workers' RSS, PSS and USS after `count` mixed
    requests (searches with pages, filters and sorting, case pages, case lists, home)."""
    paths = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.6:
            q = rng.choice(queries)
            extra = rng.choice(["", "&page=2", "&sort=date", "&doc_type=case"])
            paths.append(url_for_query("", q) + extra)
        elif roll < 0.85:
            paths.append(f"/casussen/{rng.randint(1, n)}")
        elif roll < 0.95:
            paths.append(f"/casussen?page={rng.randint(1, 50)}")
        else:
            paths.append("/")
    errors = 0
    for path in paths:
        try:
            http_get(base + path)
        except OSError:
            errors += 1
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = "; ".join(describe_memory(int(pid)) for pid in children)
    print(f"gunicorn worker memory (RSS / PSS / USS) after {count} mixed requests ({errors} "
          f"failed) with {n} posts in the index: {sizes} (master {describe_memory(master_pid)})")


def raw_whoosh(app, queries):
    from smartsociety.search import service
    from smartsociety.search.engine.searching import to_whoosh
    from smartsociety.search.query import parse

    with app.app_context():
        ix = service.store().open()
        times = []
        with ix.searcher() as searcher:
            for _round in range(9):
                for q in queries:
                    query = to_whoosh(parse(q.partition("&")[0]), searcher.reader())
                    t = time.perf_counter()
                    if query is not None:
                        hits = searcher.search(query, limit=20)
                        [hit["key"] for hit in hits]
                    if _round:
                        times.append(time.perf_counter() - t)
        ix.close()
    print(f"raw Whoosh (top 20, no facets): p50 {percentile(times, 50) * 1000:.1f} ms, "
          f"p95 {percentile(times, 95) * 1000:.1f} ms")


def fts5(db_path, queries):
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE IF EXISTS fts")
    t = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, "
                 "tokenize='unicode61 remove_diacritics 2')")
    conn.execute('INSERT INTO fts (rowid, title, body) SELECT id, title, summary || \' \' || body '
                 'FROM "case"')
    conn.commit()
    build = time.perf_counter() - t
    rows = conn.execute("SELECT count(*) FROM fts").fetchone()[0]
    times = []
    for _round in range(9):
        for q in queries:
            text = q.partition("&")[0]
            match = " ".join(
                '"' + tok.strip('"').replace('"', "") + '"' if tok.startswith('"')
                else tok if tok == "OR" else ("NOT " + tok[1:]) if tok.startswith("-")
                else tok for tok in re.findall(r'"[^"]*"|\S+', text)
            )
            t = time.perf_counter()
            try:
                conn.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.0) "
                             "LIMIT 20", (match,)).fetchall()
            except sqlite3.OperationalError:
                pass
            if _round:
                times.append(time.perf_counter() - t)
    print(f"SQLite FTS5 (top 20 by bm25, no stemming, {rows} rows built in {build:.1f}s = "
          f"{rows / build:.0f}/s): p50 {percentile(times, 50) * 1000:.1f} ms, "
          f"p95 {percentile(times, 95) * 1000:.1f} ms")


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its ended child processes (the
    rebuild's builders, which it waits for)."""
    import resource

    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _load() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(base):
    deadline = time.monotonic() + 60
    while True:
        try:
            http_get(base + "/zoeken?q=x")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
