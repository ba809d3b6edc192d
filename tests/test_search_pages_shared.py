"""Search pages shared by every web process (issue 23 item 2): with the page cache on Redis, a
results page one worker rendered is served by the others, under the same checks as in its own
process (the database version it shows, and its basis: no selected document changed and no new
one matches). Two apps on one Redis stand for two gunicorn workers. Also: a basis survives a
merge of the index's small segments only when its documents come through unchanged."""
import re

import pytest

from smartsociety.models import Case
from smartsociety.search import service
from smartsociety.search.engine import basis as basis_module
from smartsociety.search.engine.basis import from_shared, holds, to_shared
from smartsociety.search.engine.searching import run_query, searcher_cache
from tests.factories import CaseFactory, CommentFactory


def keys(response) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', response.get_data(as_text=True))


def search(client, q, **args):
    return client.get("/zoeken", query_string={"q": q, **args})


def state(response) -> str:
    return response.headers.get("X-Page-Cache", "")


def matches(n=3):
    return {f"case:{CaseFactory(title=f'Paginacache {i}').id}" for i in range(n)}


@pytest.fixture
def workers(app, another_app, redis_url):
    url, proc = redis_url
    first = another_app(PAGE_CACHE="redis", REDIS_URL=url).test_client()
    second = another_app(PAGE_CACHE="redis", REDIS_URL=url).test_client()
    return first, second, proc


def test_a_page_one_worker_rendered_is_served_by_another(workers):
    first, second, _proc = workers
    shown = matches()
    rendered = search(first, "paginacache")
    assert state(rendered) == "miss" and set(keys(rendered)) == shown
    served = search(second, "paginacache")
    assert state(served) == "hit" and served.headers["X-Search-Cache"] == "page"
    assert served.data == rendered.data
    # Another address is another page.
    assert state(search(second, "paginacache", sort="date")) == "miss"


def test_a_new_match_or_an_edited_hit_shows_at_once_in_either_worker(workers, db):
    first, second, _proc = workers
    shown = matches()
    search(first, "paginacache")
    new = CaseFactory(title="Paginacache nieuw")  # committed and indexed (inline)
    for client in (second, first):
        response = search(client, "paginacache")
        assert set(keys(response)) == shown | {f"case:{new.id}"}
    assert state(search(second, "paginacache")) == "hit"
    db.session.get(Case, new.id).title = "Paginacache herzien"
    db.session.commit()
    for client in (first, second):
        response = search(client, "paginacache")
        assert "Paginacache herzien" in response.get_data(as_text=True)


def test_a_comment_that_does_not_match_leaves_the_shared_page_kept(workers):
    first, second, _proc = workers
    matches()
    rendered = search(first, "paginacache")
    before = service.index_generation()
    CommentFactory(case=CaseFactory(title="Iets anders"), body="Over fietsen")
    assert service.index_generation() != before
    served = search(second, "paginacache")  # checks the basis first rendered by `first`
    assert state(served) == "hit" and served.data == rendered.data


def test_a_write_the_page_shows_from_the_database_moves_it_in_every_worker(workers):
    """The facet names it shows follow the page cache's global generation (in Redis)."""
    from smartsociety import pagecache

    first, second, _proc = workers
    matches()
    search(first, "paginacache")
    assert state(search(second, "paginacache")) == "hit"
    with first.application.app_context():
        pagecache.invalidate()
    assert state(search(second, "paginacache")) == "miss"


@pytest.mark.parametrize("q", [
    "x" * 5000,
    "paginacache\n\r\t|search-page|a:nl|",
    "paginacache \x00 \u202e \U0001f600 %00 %ZZ",
    "paginacache&sort=date",
])
def test_hostile_queries_give_their_own_pages(workers, q):
    first, second, _proc = workers
    matches()
    plain = search(first, "paginacache")
    response = search(first, q)
    assert response.status_code in (200, 422)
    again = search(second, q)
    assert again.status_code == response.status_code and again.data == response.data
    assert search(second, "paginacache").data == plain.data


def test_undecodable_query_strings(workers):
    first, second, _proc = workers
    matches()
    for client in (first, second, first):
        response = client.get("/zoeken?q=paginacache%ED%A0%80%FF")
        assert response.status_code in (200, 422)


def test_without_redis_pages_are_rendered_without_errors(workers):
    first, second, proc = workers
    shown = matches()
    search(first, "paginacache")
    proc.terminate()
    proc.wait(10)
    for client in (first, second, first):
        response = search(client, "paginacache")
        assert response.status_code == 200 and set(keys(response)) == shown
        assert state(response) != "hit"


def test_when_the_shared_store_fails_pages_are_kept_per_process(workers, caplog):
    first, second, _proc = workers

    def broken(*_args, **_kwargs):
        raise ConnectionError("redis is gone")

    for client in (first, second):
        shared = client.application.extensions["pagecache"].shared
        shared.get = shared.put = shared.peek = broken
    shown = matches()
    assert state(search(first, "paginacache")) == "miss"
    assert state(search(second, "paginacache")) == "miss"  # (nothing shared)
    for client in (first, second):
        response = search(client, "paginacache")
        assert state(response) == "hit" and set(keys(response)) == shown


# -- the basis as another process reads it -------------------------------------------------

def current(app):
    with app.app_context():
        cache = searcher_cache(service.store())
        return cache, cache.current()


def kept_basis(app, key_part="paginacache"):
    pages = app.extensions["search-pages"].entries
    return next(page.basis for key, page in pages.items() if key_part in key[1])


def test_a_shared_basis_holds_as_the_original_does(app, client):
    app.extensions.pop("pagecache", None)  # (kept in this process: its basis is at hand)
    matches()
    search(client, "paginacache")
    original = kept_basis(app)
    shared = from_shared(to_shared(original))
    assert shared.query is None and shared.digest and shared.segments == original.segments
    CommentFactory(case=CaseFactory(title="Iets anders"), body="Over fietsen")
    cache, searcher = current(app)

    def query_now():
        return run_query(shared.parsed, searcher.reader())

    moved = holds(shared, cache.version, searcher, query_now)
    assert moved is not None and moved.generation == searcher.reader().generation()
    # A process whose index is behind the basis cannot check it.
    ahead = from_shared({**to_shared(original), "g": moved.generation + 1})
    assert holds(ahead, cache.version, searcher, query_now) is None
    # Another query's digest, another version: no.
    other = from_shared({**to_shared(original), "d": "0" * 64})
    assert holds(other, cache.version, searcher, query_now) is None
    assert holds(shared, str(cache.version) + "x", searcher, query_now) is None
    CommentFactory(case=CaseFactory(title="Iets anders"), body="Ook paginacache")
    cache, searcher = current(app)
    assert holds(shared, cache.version, searcher, query_now) is None


# -- merges ---------------------------------------------------------------------------------

def segment_ids(app) -> set[str]:
    _cache, searcher = current(app)
    return {leaf.reader().segment().segment_id() for leaf, _o in searcher.leaf_searchers()}


def merge(app, before: set[str]) -> None:
    """Non-matching posts until the indexer has merged the segments `before` names away."""
    for i in range(40):
        CaseFactory(title=f"Over fietsen {i}")
        if not before & segment_ids(app):
            return
    raise AssertionError("no merge")


def test_a_merge_that_moves_the_selected_documents_leaves_the_page_kept(no_page_cache, client):
    app = no_page_cache
    shown = matches()
    first = search(client, "paginacache")
    assert kept_basis(app).identities
    merge(app, segment_ids(app))
    again = search(client, "paginacache")
    assert again.headers["X-Search-Cache"] == "page" and again.data == first.data
    assert set(keys(again)) == shown


def test_a_hit_edited_before_a_merge_shows(no_page_cache, client, db):
    app = no_page_cache
    shown = matches()
    search(client, "paginacache")
    edited = int(sorted(shown)[0].partition(":")[2])
    db.session.get(Case, edited).title = "Paginacache herzien"
    db.session.commit()
    merge(app, segment_ids(app))
    response = search(client, "paginacache")
    assert response.headers["X-Search-Cache"] != "page"
    assert "Paginacache herzien" in response.get_data(as_text=True)


def test_a_hit_hidden_before_a_merge_leaves(no_page_cache, client, db):
    from smartsociety.models import utcnow

    app = no_page_cache
    shown = matches()
    search(client, "paginacache")
    gone = int(sorted(shown)[0].partition(":")[2])
    case = db.session.get(Case, gone)
    case.hidden_at, case.hidden_reason = utcnow(), "test"
    db.session.commit()
    merge(app, segment_ids(app))
    response = search(client, "paginacache")
    assert response.headers["X-Search-Cache"] != "page"
    assert set(keys(response)) == shown - {f"case:{gone}"}


def test_without_identities_a_merge_computes_the_page_again(no_page_cache, client,
                                                             monkeypatch):
    app = no_page_cache
    monkeypatch.setattr(basis_module, "MAX_IDENTITIES", 0)
    matches()
    search(client, "paginacache")
    assert not kept_basis(app).identities
    merge(app, segment_ids(app))
    assert search(client, "paginacache").headers["X-Search-Cache"] != "page"


# -- rendering once: a reader that misses a page another is rendering waits for that render --

def test_a_miss_waits_for_the_render_another_worker_claimed(workers):
    import threading

    from smartsociety.pagestores import Entry

    first, second, _proc = workers
    caches = [c.application.extensions["pagecache"] for c in (first, second)]
    with first.application.app_context():
        version = caches[0].current_version(["home"])
    key = "a:nl\0/"
    assert caches[0].shared.claim(version, key)  # `first` renders it
    rendered = Entry(b"<p>rendered once</p>", "text/html", None, version)
    threading.Timer(0.05, caches[0].put, (key, rendered)).start()
    found = caches[1].get(version, key)  # `second` waits for it instead
    assert found is not None and found.body == rendered.body
    # A claim under older generations makes no one wait: this request renders under its own.
    newer = (version[0], str(int(version[1]) + 1))
    assert caches[1].get(newer, key) is None
    assert not caches[0].shared.claim(newer, key)  # (claimed by `second` just now)
    caches[1].unclaim(key)
    assert caches[0].shared.claim(newer, key)


def test_a_claimed_page_that_is_never_stored_is_rendered_after_a_short_wait(workers):
    first, second, _proc = workers
    cache = second.application.extensions["pagecache"]
    with first.application.app_context():
        version = cache.current_version(["home"])
    assert first.application.extensions["pagecache"].shared.claim(version, "a:nl\0/")
    assert cache.get(version, "a:nl\0/") is None  # waited, then renders it itself


def test_a_page_that_is_not_kept_gives_up_its_claim(workers, monkeypatch):
    """No one waits for a render that will not be stored (here: a page marked out of date)."""
    from smartsociety import pagecache

    first, _second, _proc = workers
    cache = first.application.extensions["pagecache"]
    released = []
    monkeypatch.setattr(cache.shared, "unclaim", released.append)
    first.application.before_request(pagecache.dont_store)
    assert first.get("/").status_code == 200
    assert released == ["a:nl\0/?"]  # (its key: request.full_path)
