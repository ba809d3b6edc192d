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
    args = parser.parse_args()
    if args.change:
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
