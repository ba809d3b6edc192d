"""The page cache: repeated views come from the cache, and every write shows on the next view."""
import time

import pytest
import sqlalchemy as sa

from smartsociety.extensions import db as _db
from smartsociety.models import Case
from tests.factories import CaseFactory, CommentFactory, UserFactory


def cache_state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def warm(reader, path: str) -> None:
    """A member's first view creates their CSRF token (a session change, so it is not stored)."""
    reader.get(path)
    reader.get(path)


@pytest.fixture
def case(db):
    case = CaseFactory(title="Sensorregister")
    CommentFactory(case=case, body="Eerste reactie", body_html="<p>Eerste reactie</p>")
    db.session.commit()
    return case


def test_anonymous_views_are_served_from_the_cache(client, case):
    assert cache_state(client.get(f"/casussen/{case.id}")) == "miss"
    response = client.get(f"/casussen/{case.id}")
    assert cache_state(response) == "hit"
    assert "Sensorregister" in response.get_data(as_text=True)
    # Another anonymous reader shares the entry; the cached page sets no cookie.
    other = client.application.test_client().get(f"/casussen/{case.id}")
    assert cache_state(other) == "hit"
    assert "Set-Cookie" not in other.headers
    # Security headers are set on cached pages as on any other.
    assert "Content-Security-Policy" in other.headers


def test_a_comment_is_visible_to_a_cached_reader_on_the_next_request(client, login, case):
    client.get(f"/casussen/{case.id}")
    assert cache_state(client.get(f"/casussen/{case.id}")) == "hit"
    author = login(UserFactory())
    response = author.post(f"/casussen/{case.id}/reacties", data={"body": "Nieuw inzicht"})
    assert response.status_code == 302
    page = client.get(f"/casussen/{case.id}")
    assert cache_state(page) == "miss"
    assert "Nieuw inzicht" in page.get_data(as_text=True)


def test_a_write_outside_a_request_also_invalidates(client, db, case):
    client.get("/casussen")
    assert cache_state(client.get("/casussen")) == "hit"
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(title="Andere titel"))
    db.session.commit()
    page = client.get("/casussen")
    assert cache_state(page) == "miss"
    assert "Andere titel" in page.get_data(as_text=True)


def test_a_savepoint_rolled_back_does_not_hide_the_writes_around_it(client, db, case):
    client.get("/casussen")
    changed = db.session.get(Case, case.id)
    changed.title = "Titel naast een savepoint"
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        db.session.get(Case, case.id).summary = "wordt teruggedraaid"
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    page = client.get("/casussen")
    assert cache_state(page) == "miss"
    assert "Titel naast een savepoint" in page.get_data(as_text=True)


def test_a_commit_that_wrote_nothing_keeps_the_cache(client, db, case):
    client.get("/casussen")
    db.session.scalar(sa.select(Case.title))
    db.session.commit()
    assert cache_state(client.get("/casussen")) == "hit"


def test_members_get_their_own_entries(client, login, case):
    alice, bob = UserFactory(name="Alice Aalders"), UserFactory(name="Bob Bakker")
    as_alice, as_bob = login(alice), login(bob)
    for reader in (as_alice, as_bob, client):
        warm(reader, f"/casussen/{case.id}")
    alice_page = as_alice.get(f"/casussen/{case.id}")
    bob_page = as_bob.get(f"/casussen/{case.id}")
    anonymous_page = client.get(f"/casussen/{case.id}")
    assert {cache_state(p) for p in (alice_page, bob_page, anonymous_page)} == {"hit"}
    assert "Alice Aalders" in alice_page.get_data(as_text=True)
    assert "Alice Aalders" not in bob_page.get_data(as_text=True)
    assert "Bob Bakker" in bob_page.get_data(as_text=True)
    assert "Alice Aalders" not in anonymous_page.get_data(as_text=True)


def test_a_second_session_of_the_same_member_gets_its_own_forms(app, login, case):
    """Forms carry the session's CSRF token, so entries are per session, not only per member."""
    app.config["WTF_CSRF_ENABLED"] = True
    member = UserFactory()
    first, second = login(member), login(member)
    with first.session_transaction() as session:
        session["csrf_token"] = "a" * 40
    with second.session_transaction() as session:
        session["csrf_token"] = "b" * 40
    for reader in (first, second):
        warm(reader, f"/casussen/{case.id}")
    assert cache_state(first.get(f"/casussen/{case.id}")) == "hit"
    page = second.get(f"/casussen/{case.id}")
    assert cache_state(page) == "hit"
    # The second session posts with the token from its own cached page.
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = second.post(f"/casussen/{case.id}/reacties",
                           data={"body": "Met mijn eigen token", "csrf_token": token})
    assert response.status_code == 302


def test_an_anonymous_case_page_sets_no_session(app, client, case):
    """With CSRF on, a page with forms for members must not hand readers a session, or no
    anonymous view could be cached."""
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.get(f"/casussen/{case.id}")
    assert "Set-Cookie" not in response.headers
    assert cache_state(client.get(f"/casussen/{case.id}")) == "hit"


def test_flash_messages_are_never_hidden_by_the_cache(login, case):
    member = login(UserFactory())
    member.get(f"/casussen/{case.id}")
    response = member.post(f"/casussen/{case.id}/reacties", data={"body": "Met melding"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert cache_state(response) is None  # rendered with the flash, not stored
    assert 'class="flashes"' in response.get_data(as_text=True)
    after = member.get(f"/casussen/{case.id}")
    assert 'class="flashes"' not in after.get_data(as_text=True)


def test_each_language_has_its_own_entry(client, case):
    dutch = client.get("/casussen")
    client.post("/taal/en")
    english = client.get("/casussen")
    assert '<html lang="nl"' in dutch.get_data(as_text=True)
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert '<html lang="en"' in client.get("/casussen").get_data(as_text=True)
    other = client.application.test_client()
    assert '<html lang="nl"' in other.get("/casussen").get_data(as_text=True)


def test_missing_pages_are_not_cached(client):
    assert client.get("/casussen/999999").status_code == 404
    assert cache_state(client.get("/casussen/999999")) is None


def test_hidden_case_stays_hidden_for_readers_after_the_author_saw_it(client, login, db):
    author = UserFactory()
    case = CaseFactory(author=author, title="Verborgen casus")
    db.session.commit()
    assert client.get(f"/casussen/{case.id}").status_code == 200
    case = db.session.get(Case, case.id)
    case.hidden_at = case.created_at
    db.session.commit()
    as_author = login(author)
    assert as_author.get(f"/casussen/{case.id}").status_code == 200
    assert as_author.get(f"/casussen/{case.id}").status_code == 200
    assert client.get(f"/casussen/{case.id}").status_code == 404


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 0}], indirect=True)
def test_entries_expire(client, case):
    client.get("/casussen")
    time.sleep(0.01)
    assert cache_state(client.get("/casussen")) == "miss"


@pytest.fixture
def app_config(request, tmp_path, postgres_url):
    from tests.conftest import make_config

    return make_config(tmp_path, postgres_url, **getattr(request, "param", {}))


# -- Redis: the generation shared by all processes --------------------------------------------

def test_a_write_in_one_process_shows_in_another(another_app, redis_url, case):
    """Two apps stand for two gunicorn workers: each has its own entries, one generation."""
    url, _proc = redis_url
    reader_app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    writer_app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    reader = reader_app.test_client()
    reader.get(f"/casussen/{case.id}")
    assert cache_state(reader.get(f"/casussen/{case.id}")) == "hit"
    with writer_app.app_context():
        changed = _db.session.get(Case, case.id)
        changed.title = "Titel uit een ander proces"
        _db.session.commit()
    page = reader.get(f"/casussen/{case.id}")
    assert cache_state(page) == "miss"
    assert "Titel uit een ander proces" in page.get_data(as_text=True)


def test_pages_are_served_uncached_when_redis_is_down(another_app, redis_url, case):
    url, proc = redis_url
    app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    reader = app.test_client()
    reader.get("/casussen")
    proc.terminate()
    proc.wait(10)
    response = reader.get("/casussen")
    assert response.status_code == 200
    assert cache_state(response) is None


@pytest.mark.parametrize("app_config", [{"REQUEST_LOG": True}], indirect=True)
def test_the_request_log_names_the_member_of_a_cached_page(login, case):
    import logging

    from smartsociety.ops.logs import logger

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        member = UserFactory()
        reader = login(member)
        warm(reader, f"/casussen/{case.id}")
        records.clear()
        assert cache_state(reader.get(f"/casussen/{case.id}")) == "hit"
    finally:
        logger.removeHandler(handler)
    assert [r.user_id for r in records] == [member.id]
