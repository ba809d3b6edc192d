"""CPU per uncached page, in process (no server, no network): the case page with 50 comments for
an anonymous reader and a member, and home; optionally a pyinstrument profile of one of them.

    .venv/bin/python bench/profile_pages.py [--repeat 40] [--rounds 5] [--profile case-member]
    .venv/bin/python bench/profile_pages.py --hits [--repeat 400] [--profile home]

SQLite in a temporary directory, page cache off, the testing configuration otherwise. Prints
CPU milliseconds per page (process time, so other jobs on the machine matter less): the median
and the best of `--rounds` rounds of `--repeat` requests (on a shared machine the best round is
the steadiest figure), and the number of queries per page. pyinstrument is in the test extra;
PROFILE_ALL=1 shows library frames in the profile too.

`--hits`: the page cache on (in memory) and every anonymous page asked for once before the
clock starts, so each measured request is a page-cache hit (checked); printed next to the
minimal Flask page of bench/pages.py (bench/minimal_app.py) served in the same process, the
yardstick of bench/pages.py's ratios.

`--misses`: the page cache on, 20 cases, and before each request of home or the case list
the scopes a comment on one of the cases moves (home, case lists, "lists", that case; a
different case each time), so each measured request is a miss that renders the page again
(checked), as under a steady trickle of comments.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402


def build(tmp: str, cache: str = "off", cases: int = 1):
    from smartsociety import create_app
    from smartsociety.extensions import db
    from smartsociety.markup import render_markdown
    from smartsociety.models import (
        Case,
        CaseKind,
        Comment,
        Organisation,
        OrganisationKind,
        Theme,
        User,
        utcnow,
    )

    app = create_app({
        "CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
        "SEARCH_INDEX_DIR": f"{tmp}/index", "UPLOAD_DIR": f"{tmp}/uploads",
        "VIEWS_DIR": f"{tmp}/views", "PAGE_CACHE": cache,
    })
    with app.app_context():
        db.create_all()
        org = Organisation(name="Gemeente Bench", name_key="gemeente bench",
                           slug="gemeente-bench", kind=OrganisationKind.GEMEENTE,
                           cbs_code="GM9990", verified_at=utcnow())
        user = User(name="Bench Lid", email="bench@example.org", organisation=org,
                    email_verified_at=utcnow())
        user.set_password("bench-wachtwoord-lang-genoeg", app.config["PASSWORD_HASH_METHOD"])
        db.session.add_all([org, user])
        body = "Moeten we een **register** van sensoren bijhouden?\n\n" + "Lange uitleg. " * 80
        case = Case(kind=CaseKind.DILEMMA, status="open", title="Sensorregister",
                    summary="Een register van sensoren", body=body,
                    body_html=render_markdown(body), language="nl", author=user,
                    organisation=org)
        case.themes.append(Theme.INFORMATIEBEVEILIGING.value)
        db.session.add(case)
        db.session.flush()
        for n in range(50):
            text = f"Reactie {n}: wij hebben *goede* ervaringen met een openbaar register. " * 3
            db.session.add(Comment(case=case, author=user, body=text,
                                   body_html=render_markdown(text)))
        case.comment_count = 50
        for n in range(1, cases):
            other = Case(kind=CaseKind.PROJECT, status="idea", title=f"Slimme verlichting {n}",
                         summary="Lantaarnpalen die dimmen als er niemand is", body=body[:400],
                         body_html=render_markdown(body[:400]), language="nl", author=user,
                         organisation=org if n % 2 else None, comment_count=n)
            other.themes.append(Theme.INFORMATIEBEVEILIGING.value)
            db.session.add(other)
        db.session.commit()
        ids = case.id, user.get_id()
    return app, ids


def _wsgi_get(client, path: str):
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers={"User-Agent": "bench"}).get_environ()
    status = []

    def get():
        status.clear()
        body = b"".join(client.application(dict(environ), lambda s, h, e=None: status.append(s)))
        assert status == ["200 OK"] and body, status
    return get


def _getter(app, args, client, path: str):
    if args.hits:
        # Straight into the WSGI app with one prepared request (the test client's own work
        # would be half of what is measured).
        return _wsgi_get(client, path)
    if not args.misses:
        return lambda: client.get(path)
    from smartsociety.pagescopes import CASE_LISTS, HOME, LISTS, case_scope

    cache = app.extensions["pagecache"]
    turn = [0]

    def get():
        turn[0] += 1
        cache.invalidate({HOME, CASE_LISTS, LISTS, case_scope(turn[0] % 20 + 1)})
        response = client.get(path)
        assert response.headers.get("X-Page-Cache") == "miss", response.headers
    return get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["case-anonymous", "case-member", "home",
                                              "case-list", "minimal"])
    parser.add_argument("--hits", action="store_true",
                        help="page cache on: measure anonymous page-cache hits")
    parser.add_argument("--misses", action="store_true",
                        help="page cache on: home and case list rendered again after a comment")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-profile-")
    cache = "memory" if args.hits or args.misses else "off"
    app, (case_id, user_id) = build(tmp, cache, 20 if args.misses else 1)
    from smartsociety.extensions import db

    anonymous = app.test_client()
    member = app.test_client()
    with member.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    pages = {"case-anonymous": (anonymous, f"/casussen/{case_id}"),
             "case-member": (member, f"/casussen/{case_id}"), "home": (anonymous, "/")}
    if args.hits:
        from bench.minimal_app import app as minimal

        pages = {"case-anonymous": pages["case-anonymous"], "home": pages["home"],
                 "case-list": (anonymous, "/casussen"), "minimal": (minimal.test_client(), "/")}
    if args.misses:
        pages = {"home": pages["home"], "case-list": (anonymous, "/casussen")}
    with app.app_context():
        engine = db.engine
    queries = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: queries.__setitem__(0, queries[0] + 1))
    digits = 3 if args.hits else 1
    print(f"{'page':<16} {'CPU ms':>8} {'best':>8} {'wall ms':>8} {'queries':>8}")
    for name, (client, path) in pages.items():
        for _ in range(5):  # warm: templates compiled, caches filled
            response = client.get(path)
            assert response.status_code == 200, (name, path)
        if args.hits and name != "minimal":
            assert response.headers.get("X-Page-Cache") == "hit", (name, response.headers)
        queries[0] = 0
        get = _getter(app, args, client, path)
        cpus, walls = [], []
        for _ in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.repeat):
                get()
            cpus.append((time.process_time() - cpu) / args.repeat * 1000)
            walls.append((time.perf_counter() - wall) / args.repeat * 1000)
        print(f"{name:<16} {statistics.median(cpus):>8.{digits}f} {min(cpus):>8.{digits}f} "
              f"{statistics.median(walls):>8.{digits}f} "
              f"{queries[0] / args.repeat / args.rounds:>8.0f}", flush=True)
    if args.profile:
        from pyinstrument import Profiler

        client, path = pages[args.profile]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        get = _getter(app, args, client, path)
        for _ in range(args.repeat):
            get()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
    with app.app_context():
        db.engine.dispose()
    sa.orm.close_all_sessions()
    os.environ.pop("UNUSED", None)


if __name__ == "__main__":
    main()
