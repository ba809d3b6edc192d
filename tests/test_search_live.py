"""Search in the production shape: gunicorn (3 workers) reading, `flask search worker` writing."""
import uuid

import pytest

from bench.concurrent_posts import POSTS, post_concurrently, stack, wait_until_findable

# Generous: the test asserts that every post becomes findable and none is lost; how fast is a
# figure for bench/concurrent_posts.py (a 2-second bound failed on a busy machine).
CONVERGE_SECONDS = 120


@pytest.fixture
def production(app, tmp_path):
    """gunicorn and the index worker on the test's database and index directory."""
    with stack(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"],
               tmp_path / "servers.log") as base:
        yield base


def test_concurrent_posts_all_become_findable(production, db):
    token = "zoektoken" + uuid.uuid4().hex[:8]
    assert not post_concurrently(db.engine, token)
    found, _seconds = wait_until_findable(production, token, CONVERGE_SECONDS)
    assert found == POSTS, f"{found} of {POSTS} findable {CONVERGE_SECONDS} s after the last commit"
