"""CPU per uncached page, in process (no server, no network): the case page with 50 comments for
an anonymous reader and a member, and home; optionally a pyinstrument profile of one of them.

    .venv/bin/python bench/profile_pages.py [--repeat 40] [--rounds 5] [--profile case-member]

SQLite in a temporary directory, page cache off, the testing configuration otherwise. Prints
CPU milliseconds per page (process time, so other jobs on the machine matter less): the median
and the best of `--rounds` rounds of `--repeat` requests (on a shared machine the best round is
the steadiest figure), and the number of queries per page. pyinstrument is in the test extra;
PROFILE_ALL=1 shows library frames in the profile too.
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


def build(tmp: str):
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
        "VIEWS_DIR": f"{tmp}/views", "PAGE_CACHE": "off",
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
        db.session.commit()
        ids = case.id, user.get_id()
    return app, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["case-anonymous", "case-member", "home"])
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-profile-")
    app, (case_id, user_id) = build(tmp)
    from smartsociety.extensions import db

    anonymous = app.test_client()
    member = app.test_client()
    with member.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    pages = {"case-anonymous": (anonymous, f"/casussen/{case_id}"),
             "case-member": (member, f"/casussen/{case_id}"), "home": (anonymous, "/")}
    with app.app_context():
        engine = db.engine
    queries = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: queries.__setitem__(0, queries[0] + 1))
    print(f"{'page':<16} {'CPU ms':>8} {'best':>8} {'wall ms':>8} {'queries':>8}")
    for name, (client, path) in pages.items():
        for _ in range(5):  # warm: templates compiled, caches filled
            assert client.get(path).status_code == 200, (name, path)
        queries[0] = 0
        cpus, walls = [], []
        for _ in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.repeat):
                client.get(path)
            cpus.append((time.process_time() - cpu) / args.repeat * 1000)
            walls.append((time.perf_counter() - wall) / args.repeat * 1000)
        print(f"{name:<16} {statistics.median(cpus):>8.1f} {min(cpus):>8.1f} "
              f"{statistics.median(walls):>8.1f} "
              f"{queries[0] / args.repeat / args.rounds:>8.0f}", flush=True)
    if args.profile:
        from pyinstrument import Profiler

        client, path = pages[args.profile]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.repeat):
            client.get(path)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
    with app.app_context():
        db.engine.dispose()
    sa.orm.close_all_sessions()
    os.environ.pop("UNUSED", None)


if __name__ == "__main__":
    main()
