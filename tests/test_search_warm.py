"""A gunicorn worker opens the search index when it starts, not on its first search."""
from types import SimpleNamespace

from smartsociety.ops import gunicorn_conf
from smartsociety.search import engine, service
from tests.factories import CaseFactory


def test_post_fork_opens_the_searcher(app, client):
    CaseFactory(title="Slimme lantaarnpalen")
    assert client.get("/zoeken?q=lantaarnpalen").status_code == 200  # builds the index
    with app.app_context():
        store = service.store()
    cache = engine.searcher_cache(store)
    cache.close()
    assert cache.searcher is None
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    gunicorn_conf.post_fork(server, None)
    assert cache.searcher is not None


def test_post_fork_without_an_index_still_starts(app):
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    gunicorn_conf.post_fork(server, None)  # no index yet: nothing to open, no error
