"""Time of the case list sorted and filtered by "shared by N gemeenten" (a correlated count in
SQL), next to the default sort, on a SQLite database with many cases and links.

    .venv/bin/python bench/shared.py [--cases 5000] [--gemeenten 200] [--links 20000] [--runs 20]

Prints the median milliseconds per request of /casussen with each argument (in-process test
client, page cache off, search index off the path)."""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartsociety import create_app  # noqa: E402
from smartsociety.extensions import db  # noqa: E402
from smartsociety.models import (  # noqa: E402
    Case,
    CaseGemeente,
    CaseKind,
    Organisation,
    OrganisationKind,
    utcnow,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--gemeenten", type=int, default=200)
    parser.add_argument("--links", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                      "SEARCH_INDEX_DIR": str(tmp / "idx"), "PAGE_CACHE": "off",
                      "SEARCH_MODE": "worker"})
    rng = random.Random(1)
    with app.app_context():
        db.create_all()
        orgs = [Organisation(name=f"Gemeente {n}", name_key=f"gemeente {n}", slug=f"g-{n}",
                             kind=OrganisationKind.GEMEENTE, verified_at=utcnow())
                for n in range(args.gemeenten)]
        db.session.add_all(orgs)
        db.session.flush()
        db.session.execute(db.insert(Case), [
            {"kind": CaseKind.PROJECT, "status": "running", "title": f"Casus {n}",
             "organisation_id": rng.choice(orgs).id, "summary": "", "body": "",
             "body_html": "", "language": "nl"} for n in range(args.cases)])
        pairs = {(rng.randint(1, args.cases), rng.choice(orgs).id) for _ in range(args.links)}
        db.session.execute(db.insert(CaseGemeente), [
            {"case_id": c, "organisation_id": o, "has_it_too": True} for c, o in pairs])
        db.session.commit()
    client = app.test_client()
    print(f"{args.cases} cases, {args.gemeenten} gemeenten, {len(pairs)} links; "
          f"median of {args.runs} runs")
    for query in ("", "?sort=shared", "?shared=3", "?shared=3&sort=shared"):
        client.get("/casussen" + query)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            assert client.get("/casussen" + query).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        print(f"/casussen{query:<24} {statistics.median(times):8.1f} ms")


if __name__ == "__main__":
    main()
