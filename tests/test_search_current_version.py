"""IndexStore.current_version remembers the name in CURRENT while the file's stat stays the
same (a case page asks for it on every view), and never answers with a replaced version."""
import os
import time
from pathlib import Path

import pytest

from smartsociety.search.engine import versions
from smartsociety.search.engine.versions import IndexStore


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
