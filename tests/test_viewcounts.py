"""Page-view counts: counted on every view (cached pages too), added to the database in batches,
each exactly once, never written by the viewing request."""
import pytest
import sqlalchemy as sa

from smartsociety.extensions import db as _db
from smartsociety.models import Case, ViewBatch
from smartsociety.viewcounts import services
from tests.factories import CaseFactory, UserFactory
from tests.querycount import count_queries

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def view_count(db, case_id: int) -> int:
    return db.session.scalar(sa.select(Case.view_count).where(Case.id == case_id))


def visit(app, case_id: int, address: str = "192.0.2.1", client=None, **headers):
    client = client or app.test_client()
    return client.get(f"/casussen/{case_id}", headers={**BROWSER, **headers},
                      environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def case(db):
    case = CaseFactory()
    db.session.commit()
    return case


def test_views_are_counted_after_a_flush(app, db, case):
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert visit(app, case.id, address).status_code == 200
    assert view_count(db, case.id) == 0  # nothing written while viewing
    assert services.flush() == 3
    assert view_count(db, case.id) == 3
    assert "3 keer bekeken" in visit(app, case.id, "192.0.2.9").get_data(as_text=True)


def test_viewing_does_not_write_to_the_database(app, db, case):
    visit(app, case.id)
    with count_queries(_db.engine) as queries:
        visit(app, case.id, "192.0.2.50")
        visit(app, case.id, "192.0.2.51")  # the second one comes from the page cache
    writes = [q for q in queries.statements
              if q.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_pages_from_the_cache_are_counted(app, db, case):
    first = visit(app, case.id, "192.0.2.1")
    second = visit(app, case.id, "192.0.2.2")
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert services.flush() == 2


def test_a_viewer_counts_once_per_window(app, db, login, case):
    for _ in range(3):
        visit(app, case.id, "192.0.2.1")
    member = login(UserFactory())
    for address in ("192.0.2.7", "192.0.2.8"):  # a member moving between networks
        visit(app, case.id, address, client=member)
    assert services.flush() == 2


@pytest.mark.parametrize("agent", ["Googlebot/2.1 (+http://www.google.com/bot.html)", ""])
def test_robots_and_missing_user_agents_are_not_counted(app, db, case, agent):
    visit(app, case.id, **{"User-Agent": agent})
    assert services.flush() == 0


def test_missing_pages_are_not_counted(app, db):
    assert visit(app, 424242).status_code == 404
    assert services.flush() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ViewBatch)) == 0


def test_a_flush_that_crashed_after_its_commit_adds_nothing_twice(app, db, case, monkeypatch):
    visit(app, case.id, "192.0.2.1")
    visit(app, case.id, "192.0.2.2")
    store = services._store()
    done = store.done
    monkeypatch.setattr(store, "done", lambda batch_id: (_ for _ in ()).throw(SystemExit(9)))
    with pytest.raises(SystemExit):
        services.flush()  # committed, then "killed" before the batch was deleted
    monkeypatch.setattr(store, "done", done)
    db.session.rollback()
    visit(app, case.id, "192.0.2.3")
    assert services.flush() == 1  # the committed batch is dropped, the new view is added
    assert view_count(db, case.id) == 3


def test_a_flush_that_crashed_before_its_commit_loses_nothing(app, db, case, monkeypatch):
    visit(app, case.id, "192.0.2.1")

    def crash():
        raise SystemExit(9)

    with monkeypatch.context() as patched:
        patched.setattr(_db.session, "commit", crash)
        with pytest.raises(SystemExit):
            services.flush()
    db.session.rollback()
    assert services.flush() == 1
    assert view_count(db, case.id) == 1


def test_the_flush_command(app, db, case):
    visit(app, case.id)
    result = app.test_cli_runner().invoke(args=["views", "flush"])
    assert result.exit_code == 0, result.output
    assert "added 1 views" in result.output
    assert view_count(db, case.id) == 1


def test_views_wait_in_redis_in_production(another_app, redis_url, db, case):
    url, _proc = redis_url
    web = another_app(REDIS_URL=url, PAGE_CACHE="redis")
    other_web = another_app(REDIS_URL=url, PAGE_CACHE="redis")
    visit(web, case.id, "192.0.2.1")
    visit(other_web, case.id, "192.0.2.1")  # the same reader on another web node
    visit(other_web, case.id, "192.0.2.2")
    with web.app_context():
        assert services.flush() == 2
        assert services.flush() == 0
    assert view_count(db, case.id) == 2


def test_an_idle_flush_writes_nothing(app, db, case):
    """Each commit that writes empties every page cache: a flush with nothing to add must not."""
    from tests.querycount import count_queries

    with count_queries(_db.engine) as queries:
        assert services.flush() == 0
    assert not [q for q in queries.statements
                if q.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_repeat_view_within_the_window_costs_no_redis_call(another_app, redis_url, db, case,
                                                             monkeypatch):
    """Issue 23: a reader's repeat view would be refused by the script; the worker that counted
    the first one knows it, until the Redis key expires."""
    from smartsociety.viewcounts import store as store_module

    url, _proc = redis_url
    web = another_app(REDIS_URL=url, PAGE_CACHE="off")
    visit(web, case.id, "192.0.2.1")
    views = web.extensions["viewcounts"]["store"]
    calls = []
    script = views.script
    monkeypatch.setattr(views, "script", lambda **kw: calls.append(kw) or script(**kw))
    visit(web, case.id, "192.0.2.1")
    assert calls == []
    visit(web, case.id, "192.0.2.2")  # another reader
    assert len(calls) == 1
    later = store_module.time.monotonic() + views.window
    monkeypatch.setattr(store_module.time, "monotonic", lambda: later)
    visit(web, case.id, "192.0.2.1")  # the window is over: Redis decides again
    assert len(calls) == 2
    with web.app_context():
        assert services.flush() == 2
    assert view_count(db, case.id) == 2


def test_a_view_counted_by_another_worker_is_remembered_until_its_key_expires(
        another_app, redis_url, db, case, monkeypatch):
    """Under gunicorn a reader's requests go to any worker: a worker whose first call was
    refused (another worker counted the view) learns the key's remaining life from the script
    and skips Redis until then, exactly: once the key is gone, it asks again and counts."""
    from smartsociety.viewcounts import store as store_module

    url, _proc = redis_url
    first = another_app(REDIS_URL=url, PAGE_CACHE="off")
    second = another_app(REDIS_URL=url, PAGE_CACHE="off")
    visit(first, case.id, "192.0.2.1")
    visit(second, case.id)  # initialise the second worker's store
    views = second.extensions["viewcounts"]["store"]
    views.counted.clear()
    calls = []
    script = views.script
    monkeypatch.setattr(views, "script",
                        lambda **kw: calls.append(kw) or script(**kw))
    visit(second, case.id, "192.0.2.1")  # refused: counted by the first worker
    assert len(calls) == 1
    (key, until), = views.counted.items()
    seen = store_module.PREFIX + "seen:" + key
    ttl = views.client.pttl(seen) / 1000
    now = store_module.time.monotonic()
    assert 0 < until - now <= ttl + 0.05  # never later than Redis forgets the key
    visit(second, case.id, "192.0.2.1")
    visit(second, case.id, "192.0.2.1")
    assert len(calls) == 1  # remembered: no round trip
    views.client.delete(seen)  # the window is over in Redis...
    later = until + 0.001
    monkeypatch.setattr(store_module.time, "monotonic", lambda: later)
    visit(second, case.id, "192.0.2.1")  # ...and here: Redis decides again, and counts
    assert len(calls) == 2
    with first.app_context():
        assert services.flush() == 2
    assert view_count(db, case.id) == 2


def test_the_remembered_views_stay_bounded(another_app, redis_url, db, case, monkeypatch):
    """A full memory of counted views is pruned, or started over when pruning frees too little,
    and counting goes on through Redis either way."""
    from smartsociety.viewcounts import store as store_module

    url, _proc = redis_url
    monkeypatch.setattr(store_module, "COUNTED_MAX", 4)
    web = another_app(REDIS_URL=url, PAGE_CACHE="off")
    for n in range(1, 12):
        visit(web, case.id, f"192.0.2.{n}")
        assert len(web.extensions["viewcounts"]["store"].counted) <= 4
    with web.app_context():
        assert services.flush() == 11
    assert view_count(db, case.id) == 11
