"""Does an answer's timing tell whether an address has an account? Times the password-reset
request and the registration form for an existing and an unknown address, interleaved, with
the production password hash (argon2id) and background mail delivery, and prints the medians.

    .venv/bin/python bench/account_timing.py [--rounds 200]

In-process (Flask test client, SQLite in a temporary directory, rate limits off, mail
suppressed): it measures the application's own work, not the network.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartsociety import create_app  # noqa: E402
from smartsociety.extensions import db  # noqa: E402
from smartsociety.models import Organisation, OrganisationKind, User  # noqa: E402

PASSWORD = "paars-fietsenrek-onder-de-brug"


def timed(client, path, data) -> float:
    start = time.perf_counter()
    response = client.post(path, data=data)
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 302), response.status_code
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    app = create_app({
        "CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.db'}",
        "SEARCH_INDEX_DIR": str(tmp / "idx"), "UPLOAD_DIR": str(tmp / "up"),
        "VIEWS_DIR": str(tmp / "views"), "PASSWORD_HASH_METHOD": "argon2",
        "ACCOUNT_MAIL_DELIVERY": "background", "RATELIMIT_ENABLED": False, "PAGE_CACHE": "off",
    })
    with app.app_context():
        db.create_all()
        org = Organisation(name="Gemeente Bench", name_key="gemeente bench",
                           slug="gemeente-bench", kind=OrganisationKind.GEMEENTE, description="")
        db.session.add(org)
        user = User(name="Bestaand Lid", email="bestaand@bench.example", organisation=org)
        user.set_password(PASSWORD, "argon2")
        db.session.add(user)
        db.session.commit()
        org_id = org.id
    client = app.test_client()
    results = {key: [] for key in ("reset known", "reset unknown", "register known",
                                   "register new")}
    for n in range(args.rounds):
        results["reset known"].append(
            timed(client, "/wachtwoord-vergeten", {"email": "bestaand@bench.example"}))
        results["reset unknown"].append(
            timed(client, "/wachtwoord-vergeten", {"email": f"onbekend{n}@bench.example"}))
    for n in range(max(10, args.rounds // 5)):
        form = {"name": "Nieuw Lid", "password": PASSWORD, "password_confirm": PASSWORD,
                "organisation": str(org_id), "new_organisation_kind": "gemeente"}
        results["register known"].append(
            timed(app.test_client(), "/registreren", {**form, "email": "bestaand@bench.example"}))
        results["register new"].append(
            timed(app.test_client(), "/registreren", {**form, "email": f"nieuw{n}@bench.example"}))
    print(f"{'request':<16} {'n':>4} {'median ms':>10} {'p90 ms':>8}")
    for key, values in results.items():
        values.sort()
        print(f"{key:<16} {len(values):>4} {statistics.median(values):>10.2f} "
              f"{values[int(len(values) * 0.9) - 1]:>8.2f}")


if __name__ == "__main__":
    main()
