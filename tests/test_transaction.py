"""One owner of the commit and one refusal type (issue 18): the request (or command) commits
once, an error answer keeps nothing, a refusal becomes a page or the API's JSON error."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort

from smartsociety.extensions import db as _db
from smartsociety.models import Tag
from smartsociety.refusals import Refused
from smartsociety.transaction import after_commit, committed, savepoint, transactional
from tests.factories import CaseFactory, UserFactory, verified_member

ROOT = Path(__file__).resolve().parent.parent / "smartsociety"


def tags(db) -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(sa.select(Tag.slug)))


@pytest.fixture
def routes(app):
    """Test routes that write a tag and then answer in various ways."""

    def write(slug):
        _db.session.add(Tag(slug=slug, name=slug))
        _db.session.flush()

    @app.post("/_t/ok/<slug>")
    def ok(slug):
        write(slug)
        return "stored", 201

    @app.post("/_t/form-error/<slug>")
    def form_error(slug):
        write(slug)
        return "the form again", 422

    @app.post("/_t/refused/<slug>")
    def refused(slug):
        write(slug)
        raise Refused("Dit kan nu niet.")

    @app.post("/api/_t/refused/<slug>")
    def api_refused(slug):
        write(slug)
        raise Refused("Dit kan nu niet.", 409)

    @app.post("/_t/abort/<slug>")
    def aborted(slug):
        write(slug)
        abort(404)

    @app.post("/_t/crash/<slug>")
    def crash(slug):
        write(slug)
        raise RuntimeError("boom")

    @app.post("/_t/mail/<slug>")
    def mail(slug):
        write(slug)
        after_commit(lambda: app.config.setdefault("_T_AFTER", []).append(
            _db.session.scalar(sa.select(sa.func.count()).select_from(Tag))))
        return "queued", int(slug.rpartition("-")[2])

    return app


def test_a_successful_request_commits_once(routes, db, client):
    assert client.post("/_t/ok/een").status_code == 201
    assert tags(db) == ["een"]


@pytest.mark.parametrize("route,status", [
    ("form-error", 422), ("refused", 409), ("abort", 404), ("crash", 500),
])
def test_an_error_answer_keeps_nothing(routes, db, client, route, status):
    routes.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production
    assert client.post(f"/_t/{route}/weg").status_code == status
    assert tags(db) == []


def test_a_refusal_is_a_page_with_its_reason_or_the_apis_json_error(routes, client):
    page = client.post("/_t/refused/x")
    assert page.status_code == 409 and page.mimetype == "text/html"
    assert "Dit kan nu niet." in page.get_data(as_text=True)
    api = client.post("/api/_t/refused/x")
    assert api.status_code == 409
    error = api.get_json()["error"]
    assert error["code"] == 409 and error["message"] == "Dit kan nu niet."
    assert error["fields"] == {}


def test_after_commit_runs_once_after_the_commit_and_never_after_a_rollback(routes, db, client):
    client.post("/_t/mail/a-200")
    client.post("/_t/mail/b-422")
    # Ran once, after the commit (it saw its own row), and not for the refused request.
    assert routes.config["_T_AFTER"] == [1]
    assert tags(db) == ["a-200"]


def test_committed_commits_or_rolls_back(db):
    with committed():
        db.session.add(Tag(slug="bewaard", name="bewaard"))
    with pytest.raises(RuntimeError):
        with committed():
            db.session.add(Tag(slug="weg", name="weg"))
            db.session.flush()
            raise RuntimeError("boom")
    assert tags(db) == ["bewaard"]

    @transactional
    def command():
        db.session.add(Tag(slug="command", name="command"))

    command()
    assert tags(db) == ["bewaard", "command"]


def test_a_savepoint_as_first_write_is_not_committed_by_its_release(db):
    """SQLite's driver began no transaction before a SAVEPOINT, so releasing it committed."""
    db.session.rollback()
    db.session.scalars(sa.select(Tag)).all()  # reads only, as a request before its write
    with savepoint():
        db.session.add(Tag(slug="savepoint", name="savepoint"))
    db.session.rollback()
    assert tags(db) == []
    db.session.add(Tag(slug="dubbel", name="dubbel"))
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError):
        with savepoint():
            db.session.add(Tag(slug="dubbel", name="nog eens"))
    db.session.add(Tag(slug="daarna", name="daarna"))
    db.session.commit()  # the clash undid the savepoint alone
    assert tags(db) == ["daarna", "dubbel"]


def test_api_refusal_from_a_service_has_the_json_shape(db, client):
    from smartsociety.api import tokens
    from smartsociety.models import TokenScope, utcnow
    from tests.factories import saved

    case = CaseFactory(locked_at=utcnow())
    secret = saved(tokens.create(verified_member(), "t", TokenScope.WRITE, 30))[1]
    response = client.post(f"/api/v1/cases/{case.id}/comments", json={"body": "Toch nog"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == 409 and error["fields"] == {}
    assert error["message"] in ("This discussion is locked.", "Deze discussie is gesloten.")


# The rules in force

# Commits that must stay (each says why where it is): the warning to an account owner on a
# failed login (the refused request rolls back), and the mail sender's claim/sent/failure
# records (each message its own transaction, so no mail goes twice), and a wrong second-factor
# code in the member's sign-in history (the 422 rolls the request back).
ALLOWED_COMMITS = {
    "accounts/lockout.py": 1,
    "notify/outbox.py": 4,
    "transaction.py": 2,
    "twofactor/views.py": 1,
}
REFUSAL_CLASSES = re.compile(r"^class [A-Z]\w*\((Exception|ValueError)\):", re.M)  # public ones
ALLOWED_EXCEPTIONS = {"refusals.py", "accounts/tokens.py", "evaluation/questionnaires.py",
                      "sensors/geometry.py"}  # Refused itself; token, outline, geometry parsing


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith("search/engine"):
            yield relative, path.read_text()


def test_only_the_transaction_owner_commits():
    found = {}
    for relative, text in _sources():
        count = text.count("session.commit()")
        if count:
            found[relative] = count - text.count("`db.session.commit()`")
    assert found == ALLOWED_COMMITS


def test_one_refusal_type():
    others = {relative for relative, text in _sources() if REFUSAL_CLASSES.search(text)}
    assert others <= ALLOWED_EXCEPTIONS
    for relative, text in _sources():
        assert "abort(409" not in text, relative


def test_every_view_says_what_it_is():
    import ast

    missing = []
    for relative, text in _sources():
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and any(
                    re.match(r"(bp|blp)\.(route|get|post)", ast.unparse(d))
                    for d in node.decorator_list) and not ast.get_docstring(node):
                missing.append(f"{relative}:{node.name}")
    assert missing == []


def test_a_moderator_and_member_see_the_refusal_of_a_double_lock_in_their_language(
        db, login):
    moderator = UserFactory(role="moderator")
    case = CaseFactory()
    client = login(moderator)
    client.post(f"/casussen/{case.id}/vergrendelen", data={"reason": "Eerste"})
    response = client.post(f"/casussen/{case.id}/vergrendelen", data={"reason": "Tweede"})
    assert response.status_code == 409
    assert "Deze discussie is al gesloten." in response.get_data(as_text=True)
