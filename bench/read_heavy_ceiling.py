"""The anonymous hit rate the freshness rule allows for bench/read_heavy.py's mix (issue 23
item 2): the run's schedule (bench/read_heavy.schedule, the demo world's 4 cases) served by an
ideal server that handles requests in schedule order instantly, keeps every page after its first
render and drops it exactly when a write changes what it shows (a comment on case A: home, the
case list, A's page, the search page of the comment's word). Averaged over 20 seeds.

    .venv/bin/python bench/read_heavy_ceiling.py [rate]
"""
import random
import sys
from collections import Counter

sys.path.insert(0, ".")
from bench.load import WORDS  # noqa: E402
from bench.read_heavy import schedule  # noqa: E402

tot, hits = Counter(), Counter()
for seed in range(1, 21):
    rng = random.Random(seed)
    plan = schedule(rng, {"cases": [1, 2, 3, 4]}, float(sys.argv[1]) if len(sys.argv) > 1
                    else 150, 30, 10)
    fresh = {path for kind, _n, path, _m in plan if kind == "anonymous read"}  # warmed up
    words = random.Random(seed + 100)
    for kind, name, path, _m in plan:
        if kind == "write":
            case = path.split("/")[2]
            fresh -= {"/", "/casussen", f"/casussen/{case}", "/zoeken?q=" + words.choice(WORDS)}
        elif kind == "anonymous read":
            tot[name] += 1
            hits[name] += path in fresh
            fresh.add(path)
print("ideal anonymous hit rate: %.1f%%" % (100 * sum(hits.values()) / sum(tot.values())))
for name in sorted(tot):
    print(f"  {name:12s} {100 * hits[name] / tot[name]:.1f}%")
