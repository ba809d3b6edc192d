"""A gunicorn worker opens the search index when it starts, not on its first search."""
from types import SimpleNamespace

from smartsociety.extensions import db
from smartsociety.ops import gunicorn_conf
from smartsociety.search import service
from smartsociety.search.engine import searching as engine
from tests.factories import CaseFactory


def post_fork(app) -> None:
    """gunicorn_conf.post_fork as in a fresh worker; here in the test's own process, so first
    close the pool's connections (post_fork drops them unclosed, as a forked child must)."""
    db.session.remove()
    db.engine.dispose()
    gunicorn_conf.post_fork(SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)), None)


def test_post_fork_opens_the_searcher(app, client):
    CaseFactory(title="Slimme lantaarnpalen")
    assert client.get("/zoeken?q=lantaarnpalen").status_code == 200  # builds the index
    with app.app_context():
        store = service.store()
    cache = engine.searcher_cache(store)
    cache.close()
    assert cache.searcher is None
    post_fork(app)
    assert cache.searcher is not None


def test_post_fork_without_an_index_still_starts(app):
    post_fork(app)  # no index yet: nothing to open, no error
