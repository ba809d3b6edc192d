"""Sensor register benchmark: `python bench/sensors.py [N] [--postgres]` (from the repository root).

Fills a fresh database with N accepted sensors (default 10,000; a tenth of them areas) spread
over the Netherlands, then times, through the app (Flask test client, no HTTP), the register's
GeoJSON (the whole register and with a bounding box of a city), the CSV and the list page.

The GeoJSON is served from stored bytes while the register is unchanged (smartsociety/sensors/
geocache.py, keyed by the page cache's generations), so it is timed three ways: *cold* (the
generation moved before every request, as after a write: built from the database), *warm* (the
stored bytes) and *304* (the reader's copy is current). Browsers ask for gzip; the cold gzip
figure includes compressing. The page cache is the in-process one (`PAGE_CACHE=memory`), and
`gc.freeze()` runs after start-up as in production. Prints wall-clock and CPU p50/p95 over
repeated requests (the machine is shared: wall-clock time includes waiting for other jobs'
processes) and the load average. Target: GeoJSON and bbox queries ≤ 200 ms for 10,000 sensors.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from smartsociety import create_app  # noqa: E402
from smartsociety.extensions import db  # noqa: E402
from smartsociety.models import Organisation, OrganisationKind, Sensor, SensorType  # noqa: E402
from smartsociety.sensors import geometry  # noqa: E402

ROUNDS = 15
CITY_BBOX = "4.85,52.33,4.95,52.40"  # central Amsterdam
GZ = {"Accept-Encoding": "gzip"}


def fill(n: int) -> None:
    now = datetime.now(UTC)
    gemeente = Organisation(name="Gemeente Bench", name_key="gemeente bench", slug="bench",
                            kind=OrganisationKind.GEMEENTE, verified_at=now)
    owner = Organisation(name="Bench B.V.", name_key="bench b.v.", slug="bench-bv",
                         kind=OrganisationKind.BEDRIJF, verified_at=now)
    db.session.add_all([gemeente, owner])
    db.session.flush()
    rng = random.Random(7)
    types = list(SensorType)
    rows = []
    for i in range(n):
        lat, lon = rng.uniform(51.0, 53.4), rng.uniform(3.6, 7.0)
        if i % 10 == 0:
            d = 0.002
            shape = geometry.area(f"{lat - d}, {lon - d}\n{lat - d}, {lon + d}\n"
                                  f"{lat + d}, {lon + d}\n{lat + d}, {lon - d}")
        else:
            shape = geometry.point(lat, lon)
        a_lon, a_lat, (w, s, e, north) = geometry.anchor(shape)
        rows.append(dict(
            name=f"Sensor {i}", sensor_type=types[i % len(types)], geometry=shape,
            lon=a_lon, lat=a_lat, min_lon=w, min_lat=s, max_lon=e, max_lat=north,
            gemeente_id=gemeente.id, owner_id=owner.id, contact="bench@example.org",
            purpose="Meten voor de benchmark.", measures="Fijnstof.", stored="",
            personal_data=i % 3 == 0, dpia_done=False, retention="", access="",
            open_data=False, placed_on=date.today() - timedelta(days=10),
            ends_on=date.today() + timedelta(days=300), status="active", late=False,
            review_status="review_accepted", created_at=now, updated_at=now,
        ))
    db.session.execute(sa.insert(Sensor), rows)
    db.session.commit()


def timed(client, url: str, cold: bool = False, headers: dict | None = None,
          status: int = 200) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds per request (CPU time of this process, which is what the
    request costs when other jobs share the machine; SQLite runs in-process). `cold`: the page
    cache's generation moves before each request, as a write's commit moves it."""
    from flask import current_app

    times, cpu, size = [], [], 0
    for _ in range(ROUNDS):
        if cold:
            current_app.extensions["pagecache"].invalidate()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == status, (url, response.status_code)
        size = len(response.data)
    return times, cpu, size


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def report(name: str, times: list[float], cpu: list[float], size: int) -> None:
    if "--all" in sys.argv:
        print("   ", " ".join(f"{t:.0f}" for t in times))
    print(f"{name:<46} wall p50 {statistics.median(times):6.1f} p95 {_p95(times):6.1f} ms   "
          f"cpu p50 {statistics.median(cpu):6.1f} p95 {_p95(cpu):6.1f} ms   {size / 1024:7.1f} KB")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        url, server = f"sqlite:///{tmp}/bench.db", None
        if "--postgres" in sys.argv:
            from smartsociety.ops.pgserver import PostgresServer

            server = PostgresServer().start()
            url = server.create_database("sensor_bench")
        try:
            app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url,
                              "SEARCH_INDEX_DIR": f"{tmp}/index", "PAGE_CACHE": "memory",
                              "SEARCH_MODE": "worker", "RATELIMIT_ENABLED": False,
                              "GC_FREEZE": True})
            with app.app_context():
                db.create_all()
                start = time.perf_counter()
                fill(n)
                print(f"{n:,} sensors on {db.engine.dialect.name}, filled in "
                      f"{time.perf_counter() - start:.1f} s; {ROUNDS} requests each")
                client = app.test_client()
                client.get("/sensoren.geojson")  # warm-up: imports, first connection
                print("load average (1, 5, 15 min):", " ".join(f"{v:.2f}" for v in os.getloadavg()))
                whole, page = "/sensoren.geojson?status=all", "/sensoren.geojson"
                city = f"/sensoren.geojson?bbox={CITY_BBOX}"
                mixed = "/sensoren.geojson?bbox=4,51,6,53&type=camera&personal=yes"
                etag = client.get(whole).headers["ETag"]
                for name, path, options in [
                    ("GeoJSON, whole register, cold", whole, {"cold": True}),
                    ("GeoJSON, whole register, cold, gzip", whole, {"cold": True, "headers": GZ}),
                    ("GeoJSON, whole register, warm", whole, {}),
                    ("GeoJSON, whole register, warm, gzip", whole, {"headers": GZ}),
                    ("GeoJSON, whole register, 304", whole,
                     {"headers": {"If-None-Match": etag}, "status": 304}),
                    ("GeoJSON, current sensors, cold", page, {"cold": True}),
                    ("GeoJSON, current sensors, warm, gzip", page, {"headers": GZ}),
                    (f"GeoJSON, bbox {CITY_BBOX}, cold", city, {"cold": True}),
                    (f"GeoJSON, bbox {CITY_BBOX}, warm", city, {}),
                    ("GeoJSON, bbox + type + personal, cold", mixed, {"cold": True}),
                    ("GeoJSON, bbox + type + personal, warm", mixed, {}),
                    ("CSV, whole register", "/sensoren.csv?status=all", {}),
                    ("list page (HTML, 20 rows + count), cold", "/sensoren", {"cold": True}),
                    (f"list page, bbox {CITY_BBOX}, cold", f"/sensoren?bbox={CITY_BBOX}",
                     {"cold": True}),
                ]:
                    report(name, *timed(client, path, **options))
                print("load average (1, 5, 15 min):", " ".join(f"{v:.2f}" for v in os.getloadavg()))
                db.engine.dispose()
        finally:
            if server is not None:
                server.destroy()


if __name__ == "__main__":
    main()
