"""CPU per cold search page, in process (no server, no network), on the index of an earlier
`bench/search.py` run:

    .venv/bin/python bench/profile_search.py WORK_DIR [--rounds 5] [--repeat 2] [--profile]

WORK_DIR is the run's work dir (its bench.db and index/, e.g. from `BENCH_REBUILD_ONLY=1
bench/search.py 20000`). Asks bench/search.py's 15 queries as an anonymous reader with the page
cache off, each answer computed ("cold": the process's result cache and kept pages emptied
before every request, as after an index change), and prints CPU milliseconds per request
(process time, so other jobs on the machine matter less): per round the mean over the queries,
then the median and best round, p50 / p95 over every request, and the mean of each server step
(Server-Timing, wall ms). `--profile`: a pyinstrument profile of one more round (PROFILE_ALL=1
shows library frames too).

`--first N`: what a worker pays the first time it shows a search's hits (the bench's round 0,
answered by the worker that did not see the first pass): the app made once (as gunicorn's
preloading master does), then N processes forked from it, each opening the searcher (as
post_fork does), answering two other searches (templates compiled, lazy imports done: the
bench's worker has answered a few searches by then) and then each of the 15 queries once; CPU
ms per request over all of them, per query, and the server steps. `--cprofile` with it:
cProfile of the first process's 15 answers.
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="each query per round")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="cProfile one more round, print the N costliest functions")
    parser.add_argument("--change", action="store_true",
                        help="a new post applied to the index before each round (on a copy of "
                             "WORK_DIR), so each query's first ask in a round runs on a "
                             "reopened searcher, as in bench/search.py's rounds")
    parser.add_argument("--first", type=int, default=0, metavar="N",
                        help="first-time answers in N fresh forked processes (see above)")
    args = parser.parse_args()
    if args.first:
        first_time(args)
    elif args.change:
        copy = Path(tempfile.mkdtemp(prefix="profile-search-", dir=args.work.parent))
        shutil.copytree(args.work, copy, dirs_exist_ok=True)
        args.work = copy
        try:
            run(args)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    else:
        run(args)


def run(args) -> None:
    from bench.search import SEED, Zipf, load_words, query_mix, server_timing, url_for_query
    from smartsociety import create_app
    from smartsociety.search import service
    from smartsociety.search.engine import searching

    rng = random.Random(SEED)
    queries = query_mix(Zipf(load_words(rng), rng))
    app = create_app({"CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.work / 'bench.db'}",
                      "SEARCH_INDEX_DIR": str(args.work / "index"), "SEARCH_MODE": "worker",
                      "PAGE_CACHE": "off", "SEARCH_SERVER_TIMING": True})
    client = app.test_client()
    with app.app_context():
        cache = searching.searcher_cache(service.store())

    def cold(path):
        with cache.lock:
            cache.results.clear()
        app.extensions.pop("search-pages", None)
        response = client.get(path)
        assert response.status_code == 200 and "X-Search-Cache" in response.headers, path
        assert response.headers["X-Search-Cache"] == "miss", response.headers
        return response

    paths = [url_for_query("", q) for q in queries]
    for path in paths * 2:  # templates compiled, searcher open, analysis data loaded
        cold(path)
    per_request, rounds, steps, firsts = [], [], {}, []
    for round_ in range(args.rounds):
        if args.change:
            add_post(app, rng, round_)
        cpu = 0.0
        for path in paths:
            for ask in range(args.repeat):
                t = time.process_time()
                response = cold(path)
                spent = (time.process_time() - t) * 1000
                cpu += spent
                (firsts if args.change and ask == 0 else per_request).append(spent)
                for name, value in server_timing(response.headers).items():
                    if name != "worker":
                        steps.setdefault(name, []).append(float(value))
        rounds.append(cpu / len(paths) / args.repeat)
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"cold search page, CPU ms per request ({len(paths)} queries x {args.repeat} x "
          f"{args.rounds} rounds; load average {load}): median round {statistics.median(rounds):.2f}, "
          f"best round {min(rounds):.2f}; p50 {statistics.median(per_request):.2f}, "
          f"p95 {_p95(per_request):.2f}")
    if firsts:
        print(f"  first ask after the index changed: p50 {statistics.median(firsts):.2f}, "
              f"p95 {_p95(firsts):.2f}; the other asks: p50 "
              f"{statistics.median(per_request):.2f}, p95 {_p95(per_request):.2f}")
    print("server steps, mean wall ms: " + ", ".join(
        f"{name} {statistics.mean(values):.2f}" for name, values in steps.items()))
    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for path in paths * args.repeat:
            cold(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for path in paths * args.repeat:
            cold(path)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False,
                                   show_all=bool(os.environ.get("PROFILE_ALL"))))


def first_time(args) -> None:
    import json

    from bench.search import SEED, Zipf, load_words, query_mix, server_timing, url_for_query
    from smartsociety import create_app
    from smartsociety.search import service

    queries = query_mix(Zipf(load_words(random.Random(SEED)), random.Random(SEED)))
    # Two searches of the same shapes over other words: what the worker answered before.
    others = query_mix(Zipf(load_words(random.Random(SEED + 1)), random.Random(SEED + 1)))
    app = create_app({"CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.work / 'bench.db'}",
                      "SEARCH_INDEX_DIR": str(args.work / "index"), "SEARCH_MODE": "worker",
                      "PAGE_CACHE": "off", "SEARCH_SERVER_TIMING": True, "GC_FREEZE": True,
                      "SEARCH_PRELOAD": True})
    per_query = {q: [] for q in queries}
    steps: dict[str, list[float]] = {}
    query_steps: dict[str, dict[str, list[float]]] = {q: {} for q in queries}
    for n in range(args.first):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            os.close(read)
            code = 0
            try:
                with app.app_context():
                    from smartsociety.extensions import db

                    db.engine.dispose(close=False)
                    service.open_searcher()
                client = app.test_client()
                for q in others[1:3]:
                    client.get(url_for_query("", q))
                profiler = None
                if args.cprofile and n == 0:
                    import cProfile

                    profiler = cProfile.Profile(time.process_time)
                    profiler.enable()
                found = []
                for q in queries:
                    t = time.process_time()
                    response = client.get(url_for_query("", q))
                    spent = (time.process_time() - t) * 1000
                    assert response.headers.get("X-Search-Cache") == "miss", q
                    found.append((q, spent, server_timing(response.headers)))
                if profiler is not None:
                    import pstats

                    profiler.disable()
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats(
                        "cumulative").print_stats(args.cprofile)
                with os.fdopen(write, "w") as out:
                    json.dump(found, out)
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read) as got:
            text = got.read()
        _pid, status = os.waitpid(pid, 0)
        assert status == 0 and text, "the forked worker failed"
        for q, spent, timing in json.loads(text):
            per_query[q].append(spent)
            for name, value in timing.items():
                if name != "worker":
                    steps.setdefault(name, []).append(float(value))
                    query_steps[q].setdefault(name, []).append(float(value))
    every = [v for values in per_query.values() for v in values]
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"first-time answers, CPU ms per request ({len(queries)} queries x {args.first} "
          f"fresh processes; load average {load}): mean {statistics.mean(every):.2f}, "
          f"p50 {statistics.median(every):.2f}, p95 {_p95(every):.2f}, max {max(every):.2f}")
    for q, values in per_query.items():
        print(f"  {statistics.median(values):7.2f} ms  {q:50} " + " ".join(
            f"{name} {statistics.mean(found):.1f}" for name, found in query_steps[q].items()
            if name not in ("lock", "searcher", "search") and statistics.mean(found) >= 0.3))
    print("server steps, mean wall ms: " + ", ".join(
        f"{name} {statistics.mean(values):.2f}" for name, values in steps.items()))


def _p95(values):
    return sorted(values)[int(0.95 * (len(values) - 1))]


def add_post(app, rng, round_) -> None:
    """A new case, applied to the index by this process (as the search worker would)."""
    from smartsociety.extensions import db
    from smartsociety.models import Case, CaseKind
    from smartsociety.search import service

    with app.app_context():
        db.session.add(Case(kind=CaseKind.DILEMMA, status="open",
                            title=f"Nieuw round{round_}x{rng.randrange(10**9)}",
                            body="nieuwe tekst over de wijk " * 10))
        db.session.commit()
        service.indexer().apply_pending()
        db.session.remove()


if __name__ == "__main__":
    main()
