"""IndexStore.current_version remembers the name in CURRENT while the file's stat stays the
same, and the searcher cache skips Whoosh's directory listing while the version directory's
stat stays the same (a case page asks both on every view); neither ever answers with a
replaced version or an older generation."""
import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from smartsociety.search.engine import searching, versions
from smartsociety.search.engine.documents import index_fields, with_shadow_fields
from smartsociety.search.engine.versions import IndexStore
from smartsociety.search.engine.writers import Writer


@pytest.fixture
def reads(monkeypatch):
    """How often a CURRENT file was read."""
    count = {"n": 0}
    original = Path.read_text

    def counting(self, *args, **kwargs):
        if self.name == "CURRENT":
            count["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    monkeypatch.setattr(versions, "_current_names", {})
    return count


def _settle(store: IndexStore, mtime_ns: int | None = None) -> None:
    """Make CURRENT look written long ago (or at exactly `mtime_ns`)."""
    when = mtime_ns if mtime_ns is not None else time.time_ns() - 60 * 10**9
    os.utime(store.root / "CURRENT", ns=(when, when))


def test_a_settled_current_is_read_once_and_a_swap_is_seen_next(tmp_path, reads):
    store = IndexStore(tmp_path / "index")
    first, second = store.new_version(), store.new_version()
    store.swap(first)
    _settle(store)
    assert [store.current_version() for _ in range(3)] == [first] * 3
    assert reads["n"] == 1
    store.swap(second)
    assert store.current_version() == second
    _settle(store)
    assert store.current_version() == second
    store.swap(first)
    assert store.current_version() == first


def test_a_replaced_current_with_the_same_mtime_and_size_is_read_again(tmp_path, reads):
    store = IndexStore(tmp_path / "index")
    first, second = store.new_version(), store.new_version()
    assert len(first.name) == len(second.name)
    store.swap(first)
    _settle(store)
    assert store.current_version() == first
    mtime = os.stat(store.root / "CURRENT").st_mtime_ns
    store.swap(second)
    _settle(store, mtime)  # only the inode tells them apart
    assert store.current_version() == second


def test_a_fresh_current_is_read_every_time(tmp_path, reads):
    # Written within the timestamps' granularity: a second swap in the same tick could bring
    # back the same inode number and mtime, so nothing is remembered yet.
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    store.swap(version)
    assert [store.current_version() for _ in range(3)] == [version] * 3
    assert reads["n"] == 3


def test_no_current_and_a_removed_version(tmp_path, reads):
    store = IndexStore(tmp_path / "index")
    assert store.current_version() is None
    version = store.new_version()
    store.swap(version)
    _settle(store)
    assert store.current_version() == version
    (store.root / "CURRENT").unlink()
    assert store.current_version() is None


def _add(version: Path, doc_id: int) -> None:
    """A commit of one document: a new generation of the version."""
    ix = whoosh_index.open_dir(str(version))
    writer = Writer(ix)
    fields = index_fields("case", doc_id, {"title": f"casus {doc_id}", "body": "wijk",
                                           "language": "nl", "date": datetime(2025, 1, 1)})
    writer.add_document(**with_shadow_fields(fields, ix.schema))
    writer.commit(merge=False)
    ix.close()


def _settle_dir(path: Path) -> None:
    when = time.time_ns() - 60 * 10**9
    os.utime(path, ns=(when, when))


@pytest.fixture
def up_to_date_checks(monkeypatch):
    count = {"n": 0}
    original = Searcher.up_to_date

    def counting(self):
        count["n"] += 1
        return original(self)

    monkeypatch.setattr(Searcher, "up_to_date", counting)
    searching.close_all()
    yield count
    searching.close_all()


def test_a_settled_version_is_not_listed_again_and_a_commit_is_seen_next(tmp_path,
                                                                         up_to_date_checks):
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    store.swap(version)
    _add(version, 1)
    _settle_dir(version)
    cache = searching.searcher_cache(store)
    with cache.lock:
        first = cache.current()
        assert cache.current() is first and cache.current() is first
    assert up_to_date_checks["n"] == 1  # opened, then found up to date and settled
    _add(version, 2)  # a new generation: a new file in the directory
    with cache.lock:
        fresh = cache.current()
        assert fresh is not first and not cache.behind
        assert fresh.doc_count() == 2
    _settle_dir(version)
    with cache.lock:
        assert cache.current() is fresh and cache.checked_dir is not None
    _add(version, 3)
    with cache.lock:
        assert cache.current().doc_count() == 3


def test_a_fresh_version_directory_is_listed_every_time(tmp_path, up_to_date_checks):
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    store.swap(version)
    _add(version, 1)
    cache = searching.searcher_cache(store)
    with cache.lock:
        for _ in range(4):
            cache.current()
    assert up_to_date_checks["n"] == 3
