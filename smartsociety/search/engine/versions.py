"""The index on disk: versioned directories, how far each applied the change log, the writer's
lock, and opening a new generation of a version without opening its unchanged segments again.

Layout of SEARCH_INDEX_DIR:
    CURRENT          name of the live version directory, replaced atomically (os.replace)
    writer.lock      flock held by whoever writes the live index (indexer, rebuild's swap)
    v-<stamp>/       one Whoosh index per version, plus state.json: how far it applied the log
"""
import fcntl
import json
import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from smartsociety.search.engine.schema import SCHEMA, make_schema
from smartsociety.search.engine.storage import open_index

REOPEN_ATTEMPTS = 10


def reopen(index, old):
    """A searcher on the latest generation that keeps the old searcher's readers of segments
    that did not change (opening a large segment costs far more than a search).

    Not Searcher.refresh(): in whoosh-reloaded 2.7.5 its reader reuse brings back segments the
    writer merged away, so deleted documents would reappear. Here a reader is reused only for
    the same segment with the same deletions."""
    reusable = {}
    for leaf, _offset in old.reader().leaf_readers():
        segment = leaf.segment()
        if segment is not None:
            reusable[(segment.segment_id(), segment.deleted_count())] = leaf
    for _attempt in range(REOPEN_ATTEMPTS):
        toc = index._read_toc()
        readers, opened = [], []
        try:
            for segment in toc.segments:
                leaf = reusable.get((segment.segment_id(), segment.deleted_count()))
                if leaf is None:
                    leaf = SegmentReader(index.storage, toc.schema, segment,
                                         generation=toc.generation)
                    opened.append(leaf)
                readers.append(leaf)
        except OSError:
            # The writer merged a segment away (and deleted its file) after this list was
            # read: read the list again, as Whoosh's own FileIndex.reader() does.
            for leaf in opened:
                leaf.close()
            continue
        for leaf in reusable.values():
            if all(leaf is not used for used in readers):
                leaf.close()
        reader = MultiReader(readers, generation=toc.generation) if readers else EmptyReader(
            toc.schema)
        return Searcher(reader, fromindex=index)
    return old  # still whole (its files stay open); the next search tries again


@dataclass
class IndexState:
    high_water: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # change id -> when first missed

    @classmethod
    def read(cls, path: Path) -> "IndexState":
        try:
            data = json.loads((path / "state.json").read_text())
        except (FileNotFoundError, ValueError):
            return cls()
        return cls(int(data["high_water"]), {int(k): v for k, v in data["gaps"].items()})

    def write(self, path: Path) -> None:
        tmp = path / f"state.json.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(json.dumps({"high_water": self.high_water, "gaps": self.gaps}))
        os.replace(tmp, path / "state.json")


_thread_locks: dict[str, threading.Lock] = {}
# Every view with suggestions asks for the current version: CURRENT is read again only when
# its stat changed. swap() only ever replaces the file, so a file that was CURRENT keeps its
# name; a later one has another inode, or (reusing a freed inode) an mtime after the stat
# that was remembered. Only a file older than the timestamps' granularity is remembered, so
# that "after" shows in the mtime (as Git treats a racily clean index).
SETTLED_SECONDS = 2.0
_current_names: dict[Path, tuple[tuple, str]] = {}  # CURRENT -> (stat key, name it holds)


def stat_key(path: Path) -> tuple[tuple, bool]:
    """What tells this file or directory (its entries) apart from a later state, and whether
    that is settled: changed longer ago than the timestamps' granularity, so that any later
    change shows in the mtime."""
    now = time.time()
    seen = os.stat(path)
    key = (seen.st_ino, seen.st_dev, seen.st_mtime_ns, seen.st_size)
    return key, seen.st_mtime_ns < (now - SETTLED_SECONDS) * 1e9


class IndexStore:
    def __init__(self, root: str | os.PathLike, gap_seconds: float = 600.0):
        self.root = Path(root)
        self.gap_seconds = gap_seconds

    # -- versions --------------------------------------------------------------------------
    def current_version(self) -> Path | None:
        pointer = self.root / "CURRENT"
        try:
            key, settled = stat_key(pointer)
        except FileNotFoundError:
            return None
        known = _current_names.get(pointer)
        if known is not None and known[0] == key:
            name = known[1]
        else:
            try:
                name = pointer.read_text().strip()
            except FileNotFoundError:
                return None
            if settled:
                _current_names[pointer] = (key, name)
        path = self.root / name
        return path if name and path.is_dir() else None

    def new_version(self, common: dict[str, frozenset[str]] | None = None) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"v-{stamp}-{secrets.token_hex(3)}"
        path.mkdir()
        whoosh_index.create_in(str(path), make_schema(common) if common else SCHEMA)
        return path

    def swap(self, version: Path) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(version.name)
        os.replace(tmp, self.root / "CURRENT")

    def prune_versions(self, keep: int = 2) -> None:
        """Old versions go, except the newest `keep`: readers may still be on the previous one."""
        current = self.current_version()
        versions = sorted(
            (p for p in self.root.glob("v-*") if p.is_dir()), key=lambda p: p.stat().st_mtime
        )
        for path in versions[:-keep]:
            if path != current:
                shutil.rmtree(path, ignore_errors=True)

    def exists(self) -> bool:
        return self.current_version() is not None

    def open(self, version: Path | None = None):
        # Through PreadStorage: segments are read with positional reads, not copied or mapped.
        return open_index(str(version or self.current_version()))

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """The one-writer lock, across threads (Lock) and processes (flock)."""
        self.root.mkdir(parents=True, exist_ok=True)
        thread_lock = _thread_locks.setdefault(str(self.root.resolve()), threading.Lock())
        with thread_lock, open(self.root / "writer.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
