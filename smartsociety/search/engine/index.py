"""The indexer: applies the change log to the live index, and rebuilds or checks it against the
database (the schema: schema.py; a document's fields: documents.py; the directories on disk:
versions.py).

Consistency: the change log (SearchChange) is written in the same transaction as the change. The
indexer reads the log after the index's high-water mark, re-reads each affected record from the
database (so applying a change twice is harmless), commits Whoosh, then writes state.json. A crash
anywhere in between means the same changes are applied again by the next run.

Out-of-order commits (PostgreSQL: a transaction may take id 7, commit after id 8 was applied):
every id between the old and the new high-water mark that was not seen is remembered as a gap,
with the time it was noticed, and looked up again on every run until it shows up or is older than
SEARCH_GAP_SECONDS (ids of rolled-back transactions never show up).
"""
import gc
import itertools
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh.searching import Searcher

from smartsociety.models.search import SearchChange

# Indexes written before search/analysis.py existed name the stem filter in their pickled
# schema as smartsociety.search.index.CachedStemFilter (engine/__init__.py aliases that name
# to this module): it stays importable from here.
from smartsociety.search.engine.analysis import CachedStemFilter  # noqa: F401
from smartsociety.search.engine.documents import (
    bulk_fields,
    common_words,
    index_fields,
    with_shadow_fields,
)
from smartsociety.search.engine.schema import COMMON_SAMPLE
from smartsociety.search.engine.versions import IndexState, IndexStore, reopen
from smartsociety.search.engine.writers import Writer, build
from smartsociety.search.registry import REGISTRY, Registry

MAX_SEGMENTS = 12
PARALLEL_REBUILD_DOCS = 5000
MAX_GAP_SPAN = 50_000


# The indexer's own searcher per index version (used only under the writer lock): finding the
# old version of a document must not mean opening every segment again.
_writer_searchers: dict[str, Searcher] = {}


def _writer_searcher(ix, version: Path) -> Searcher:
    key = str(version)
    old = _writer_searchers.get(key)
    if old is None:
        for stale in list(_writer_searchers):
            _writer_searchers.pop(stale).close()
        fresh = ix.searcher()
    elif old.up_to_date():
        return old
    else:
        fresh = reopen(ix, old)
    _writer_searchers[key] = fresh
    return fresh


class Indexer:
    """Applies the change log to the live index, and rebuilds or checks it against the database."""

    def __init__(self, store: IndexStore, engine: sa.Engine, registry: Registry = REGISTRY,
                 batch_size: int = 2000, rebuild_procs: int = 1,
                 on_change: Callable[[set[str] | None], None] = lambda doc_types: None):
        self.store = store
        # Called once the index shows a change, with the document types it changed (None: all);
        # the page cache keys the pages that show the index by it.
        self.on_change = on_change
        self.changed_types: set[str] = set()
        self.engine = engine
        self.registry = registry
        self.batch_size = batch_size
        self.rebuild_procs = rebuild_procs

    def pending(self) -> int:
        version = self.store.current_version()
        state = IndexState.read(version) if version else IndexState()
        with Session(self.engine) as session:
            return session.scalar(
                sa.select(sa.func.count()).select_from(SearchChange).where(
                    self._unapplied(state)
                )
            )

    def oldest_pending(self):
        """When the oldest change not yet in the index was logged (None: nothing pending)."""
        version = self.store.current_version()
        state = IndexState.read(version) if version else IndexState()
        with Session(self.engine) as session:
            return session.scalar(
                sa.select(sa.func.min(SearchChange.created_at)).where(self._unapplied(state))
            )

    def last_applied_at(self) -> float | None:
        """Unix time the index last recorded progress (its state file was written)."""
        version = self.store.current_version()
        try:
            return (version / "state.json").stat().st_mtime if version else None
        except FileNotFoundError:
            return None

    def has_pending(self) -> bool:
        version = self.store.current_version()
        if version is None:
            return True
        state = IndexState.read(version)
        with Session(self.engine) as session:
            return session.scalar(
                sa.select(SearchChange.id).where(self._unapplied(state)).limit(1)
            ) is not None

    def _unapplied(self, state: IndexState):
        clause = SearchChange.id > state.high_water
        if state.gaps:
            clause = sa.or_(clause, SearchChange.id.in_(sorted(state.gaps)))
        return clause

    def apply_pending(self) -> int:
        """Apply every logged change not yet in the index; returns how many log rows it read."""
        if not self.store.exists():
            self.rebuild()
            return 0
        total = 0
        self.changed_types = set()
        with self.store.writing():
            version = self.store.current_version()
            ix = self.store.open(version)
            try:
                while True:
                    state = IndexState.read(version)
                    read = self._apply_batch(ix, version, state)
                    total += read
                    if read < self.batch_size:
                        break
            finally:
                ix.close()
        if total:
            self.on_change(set(self.changed_types))
        return total

    def _apply_batch(self, ix, version: Path, state: IndexState) -> int:
        now = time.time()
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(SearchChange.id, SearchChange.doc_type, SearchChange.doc_id)
                .where(self._unapplied(state))
                .order_by(SearchChange.id)
                .limit(self.batch_size)
            ).all()
            seen = {row.id for row in rows}
            expired = {i for i, t in state.gaps.items()
                       if i not in seen and now - t > self.gap_seconds}
            if not rows and not expired:
                return 0
            if rows:
                docs = self.registry.affected(session, [(r.doc_type, r.doc_id) for r in rows])
                self.changed_types.update(doc_type for doc_type, _id in docs)
                searcher = _writer_searcher(ix, version)
                writer = Writer(ix, timeout=30)
                try:
                    self._write(ix, writer, session, docs, searcher)
                except BaseException:
                    writer.cancel()
                    raise
                # Small commits add a segment each; merging on every one would make the
                # latency of a post depend on the size of the index. Merge once segments pile up.
                try:
                    writer.commit(merge=len(ix._segments()) >= MAX_SEGMENTS)
                except BaseException:
                    # A failed commit keeps whoosh's write lock until the writer is collected,
                    # and every later commit of this process would wait 30 s for it.
                    _release(writer)
                    raise
                # Let go of segments a merge just removed (and be ready for the next batch).
                _writer_searcher(ix, version)
        top = max(seen, default=state.high_water)
        gaps = {i: t for i, t in state.gaps.items() if i not in seen and i not in expired}
        # A transaction cannot plausibly be further behind than this; a sequence that jumped
        # (PostgreSQL caches, manual setval) must not create millions of gaps.
        for missing in range(max(state.high_water + 1, top - MAX_GAP_SPAN), top):
            if missing not in seen:
                gaps[missing] = now
        IndexState(max(top, state.high_water), gaps).write(version)
        return len(rows)

    @property
    def gap_seconds(self) -> float:
        return self.store.gap_seconds

    def _write(self, ix, writer, session: Session, docs: set[tuple[str, int]],
               searcher) -> None:
        dependents: set[tuple[str, int]] = set()
        for name, ids in _group(docs).items():
            doc_type = self.registry.types[name]
            loaded = doc_type.load(session, sorted(ids))
            for doc_id in ids:
                key = f"{name}:{doc_id}"
                old = searcher.document(key=key)
                fields = index_fields(name, doc_id, loaded[doc_id]) if doc_id in loaded else None
                if old is not None and fields is not None and old.get(
                        "fingerprint") == fields["fingerprint"]:
                    # Indexed as it is (a case whose comment count moved): writing it again
                    # would change nothing but make every page that shows it look changed.
                    continue
                writer.delete_by_term("key", key, searcher=searcher)
                if fields is not None:
                    writer.add_document(**with_shadow_fields(dict(fields), ix.schema))
                if doc_type.dependents and (
                    (old or {}).get("inherit") != (fields or {}).get("inherit")
                ):
                    dependents.update(doc_type.dependents(session, [doc_id]))
                    for child in searcher.documents(parent=key):
                        child_type, _, child_id = child["key"].partition(":")
                        dependents.add((child_type, int(child_id)))
        for name, ids in _group(dependents - docs).items():
            if name not in self.registry.types:
                continue
            loaded = self.registry.types[name].load(session, sorted(ids))
            for doc_id in ids:
                writer.delete_by_term("key", f"{name}:{doc_id}", searcher=searcher)
                if doc_id in loaded:
                    fields = index_fields(name, doc_id, loaded[doc_id])
                    writer.add_document(**with_shadow_fields(fields, ix.schema))

    # -- rebuild and check -----------------------------------------------------------------
    def expected_documents(self, session: Session, batch: int = 1000):
        """Every public document as (doc_type, id, fields), straight from the database.

        The garbage collector runs between batches only: reading 100,000 cases with automatic
        collection, Python 3.11.7 with SQLAlchemy 2.1 crashed (segfault in a collection that
        started while a batch loaded, after expunge_all) every time, reproducibly in a script
        of a dozen lines; collecting after expunge_all never did."""
        automatic = gc.isenabled()
        gc.disable()
        try:
            for name, doc_type in self.registry.types.items():
                ids = list(session.scalars(doc_type.public_ids()))
                for start in range(0, len(ids), batch):
                    chunk = ids[start:start + batch]
                    loaded = doc_type.load(session, chunk)
                    for doc_id in chunk:
                        if doc_id in loaded:
                            yield name, doc_id, index_fields(name, doc_id, loaded[doc_id])
                    session.expunge_all()
                    del loaded
                    gc.collect(1)
        finally:
            if automatic:
                gc.enable()

    def rebuild(self, catch_up: bool = True, progress=None) -> int:
        """Build a new version from the database and swap it in; searches go on meanwhile.
        `progress` (smartsociety/progress.py) is told the documents as they are read."""
        now = time.time()
        with Session(self.engine) as session:
            top = session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
            # Ids below `top` not yet visible belong to transactions still running: gaps.
            window = self.batch_size * 5
            visible = set(session.scalars(
                sa.select(SearchChange.id).where(SearchChange.id > top - window)
            ))
            gaps = {i: now for i in range(max(1, top - window + 1), top + 1) if i not in visible}
            documents = (fields for _n, _i, fields in self.expected_documents(session))
            if progress is not None:
                progress.start(self._document_total(session))
                documents = progress.iterate(documents)
            sample = list(itertools.islice(documents, COMMON_SAMPLE))
            version = self.store.new_version(common_words(sample))
            try:
                count = build(version, itertools.chain(sample, documents), bulk_fields,
                              procs=self._rebuild_procs(session))
            except BaseException:
                shutil.rmtree(version, ignore_errors=True)
                raise
        IndexState(top, gaps).write(version)
        with self.store.writing():
            self.store.swap(version)
        self.on_change(None)
        if catch_up:
            self.apply_pending()
        self.store.prune_versions()
        return count

    def _rebuild_procs(self, session: Session) -> int:
        """Builder processes pay for themselves only on a large index (each starts in ~1 s)."""
        if self.rebuild_procs <= 1:
            return 1
        total = self._document_total(session)
        return self.rebuild_procs if total >= PARALLEL_REBUILD_DOCS else 1

    def _document_total(self, session: Session) -> int:
        return sum(
            session.scalar(sa.select(sa.func.count()).select_from(t.public_ids().subquery()))
            for t in self.registry.types.values()
        )

    def check(self) -> list[str]:
        """Differences between the database and the index, one line each (empty when equal)."""
        with Session(self.engine) as session:
            expected = {
                fields["key"]: fields["fingerprint"]
                for _n, _i, fields in self.expected_documents(session)
            }
        if not self.store.exists():
            return [f"missing from index: {key}" for key in sorted(expected)] or []
        ix = self.store.open()
        try:
            with ix.searcher() as searcher:
                indexed = {
                    stored["key"]: stored.get("fingerprint")
                    for stored in searcher.reader().all_stored_fields()
                }
        finally:
            ix.close()
        problems = []
        for key in sorted(expected.keys() | indexed.keys(), key=_key_order):
            if key not in indexed:
                problems.append(f"missing from index: {key}")
            elif key not in expected:
                problems.append(f"in index but not public in database: {key}")
            elif expected[key] != indexed[key]:
                problems.append(f"out of date in index: {key}")
        return problems


def _key_order(key: str):
    name, _, doc_id = key.partition(":")
    return name, int(doc_id) if doc_id.isdigit() else 0


def _group(docs) -> dict[str, set[int]]:
    grouped: dict[str, set[int]] = {}
    for name, doc_id in docs:
        grouped.setdefault(name, set()).add(doc_id)
    return grouped


def _release(writer) -> None:
    lock = getattr(writer, "writelock", None)
    try:
        if lock is not None:
            lock.release()
    except Exception:  # noqa: BLE001 - already released
        pass
