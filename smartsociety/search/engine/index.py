"""The Whoosh index on disk: schema, versioned directories, and the indexer that applies the log.

Layout of SEARCH_INDEX_DIR:
    CURRENT          name of the live version directory, replaced atomically (os.replace)
    writer.lock      flock held by whoever writes the live index (indexer, rebuild's swap)
    v-<stamp>/       one Whoosh index per version, plus state.json: how far it applied the log

Consistency: the change log (SearchChange) is written in the same transaction as the change. The
indexer reads the log after the index's high-water mark, re-reads each affected record from the
database (so applying a change twice is harmless), commits Whoosh, then writes state.json. A crash
anywhere in between means the same changes are applied again by the next run.

Out-of-order commits (PostgreSQL: a transaction may take id 7, commit after id 8 was applied):
every id between the old and the new high-water mark that was not seen is remembered as a gap,
with the time it was noticed, and looked up again on every run until it shows up or is older than
SEARCH_GAP_SECONDS (ids of rolled-back transactions never show up).
"""
import fcntl
import gc
import hashlib
import itertools
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, FieldType, Schema
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from smartsociety.models.search import SearchChange

# Indexes written before search/analysis.py existed name the stem filter in their pickled
# schema as smartsociety.search.index.CachedStemFilter: it stays importable from here.
from smartsociety.search.engine.analysis import (  # noqa: F401 (CachedStemFilter)
    ANALYZERS,
    LANGUAGES,
    CachedStemFilter,
    LanguageText,
    LinesField,
    PartsText,
    PrefixField,
    SpellField,
    analysis_key,
    term_prefixes,
    tokens,
)
from smartsociety.search.engine.storage import open_index
from smartsociety.search.engine.writers import Writer, build
from smartsociety.search.registry import REGISTRY, Registry

SPELL_CHARS = 300
MAX_SEGMENTS = 12
PARALLEL_REBUILD_DOCS = 5000
REOPEN_ATTEMPTS = 10
MAX_GAP_SPAN = 50_000
TITLE_BOOST = 3.0
FACET_FIELDS = ("doc_type", "kind", "theme", "status", "org_kind", "language", "year")
# What a dependent document (a comment) takes over from its parent (the case).
INHERITED = ("title", "kind", "status", "theme", "organisation", "org_kind", "language")


def _sort_only(fieldobj):
    # Sorted on and shown, never searched: a date indexed as terms costs ~8 terms a document.
    fieldobj.indexed = False
    return fieldobj


# Like Elasticsearch's index_phrases and index_prefixes, each text field has two shadow fields:
#   <field>_pairs     two consecutive words (after stop words and stemming, as a phrase query
#                     sees them) when both are common words of the collection: a phrase of
#                     common words is then one short posting list instead of the positions of
#                     two very long ones. A phrase with a rarer word is cheap to check as a
#                     phrase, and indexing all pairs would more than double the terms.
#   <field>_prefixes  the first 2..PREFIX_MAX letters of every word, so "ach*" is one posting
#                     list instead of a union of many.
# The common words are chosen when the index is built and kept in its schema (every pair field
# of a language carries them), so writers and readers of one index version always agree.
PAIRS, PREFIXES = "_pairs", "_prefixes"
# Dutch fields also have <field>_parts: the parts of their compound words ("sensor" of
# "parkeersensoren"), counted without positions, weighted less than a whole word.
PARTS = "_parts"
PART_BOOST = 0.3
COMPOUND_LANGUAGES = ("nl",)
PREFIX_MIN, PREFIX_MAX = 2, 3
COMMON_SAMPLE = 2000  # documents looked at to choose the common words
COMMON_SHARE = 0.05  # a common word is in at least this share of them (and 2 documents)
MAX_COMMON = 1000


def _pairs_field(common: frozenset[str], boost: float) -> FieldType:
    fieldobj = LinesField(counted=True, boost=boost)
    fieldobj.common = common
    return fieldobj


def _prefixes_field(source: str, boost: float) -> FieldType:
    return PrefixField(source, boost, PREFIX_MIN, PREFIX_MAX)


def pair_term(first: str, second: str) -> str:
    return f"{first} {second}"


def make_schema(common: dict[str, frozenset[str]] | None = None) -> Schema:
    fields = {
        "key": ID(unique=True, stored=True),
        "doc_type": ID(stored=True, sortable=True),
        "kind": ID(stored=True, sortable=True),
        "status": ID(stored=True, sortable=True),
        "theme": KEYWORD(stored=True, commas=True),
        "org_kind": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "year": ID(stored=True, sortable=True),
        "date": _sort_only(DATETIME(stored=True, sortable=True)),
        "parent": ID(stored=True),
        "organisation": STORED(),
        "title": STORED(),
        "case_id": STORED(),
        "fingerprint": STORED(),
        "inherit": STORED(),
        "spell": SpellField(),
    }
    for lang in ANALYZERS:
        fields[f"title_{lang}"] = LanguageText(lang, field_boost=TITLE_BOOST)
        fields[f"body_{lang}"] = LanguageText(lang, stored=True)
        words = frozenset((common or {}).get(lang, ()))
        for name, boost in ((f"title_{lang}", TITLE_BOOST), (f"body_{lang}", 1.0)):
            fields[name + PAIRS] = _pairs_field(words, boost)
            fields[name + PREFIXES] = _prefixes_field(name, boost)
            if lang in COMPOUND_LANGUAGES:
                fields[name + PARTS] = PartsText(field_boost=boost * PART_BOOST)
    return Schema(**fields)


SCHEMA = make_schema()
def _digest(values) -> str:
    encoded = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(encoded.encode(), digest_size=12).hexdigest()


def index_fields(doc_type: str, doc_id: int, doc: dict) -> dict:
    """A registered loader's document -> the Whoosh fields (and its fingerprint for `check`)."""
    lang = doc.get("language") if doc.get("language") in LANGUAGES else "nl"
    date = doc.get("date") or datetime.now(UTC)
    if date.tzinfo is not None:
        date = date.astimezone(UTC).replace(tzinfo=None)
    fields = {
        "key": f"{doc_type}:{doc_id}",
        "doc_type": doc_type,
        "kind": doc.get("kind") or "",
        "status": doc.get("status") or "",
        "theme": ",".join(sorted(doc.get("themes") or ())),
        "org_kind": doc.get("org_kind") or "",
        "language": lang,
        "year": str(date.year),
        "date": date,
        "parent": doc.get("parent") or "",
        "organisation": doc.get("organisation") or "",
        "title": doc.get("title") or "",
        "case_id": doc.get("case_id"),
        f"body_{lang}": doc.get("body") or "",
        # Spelling suggestions come from titles and the opening of bodies: indexing every body
        # word twice would halve the indexing rate for little gain.
        "spell": " ".join([doc.get("title") or "", (doc.get("body") or "")[:SPELL_CHARS]]),
    }
    if doc.get("index_title", True):
        fields[f"title_{lang}"] = doc.get("title") or ""
    fields["inherit"] = _digest([fields[name] for name in INHERITED])
    fields["fingerprint"] = _digest({k: v for k, v in fields.items() if k != "inherit"})
    # Whoosh indexes an empty ID as a term of its own; leave empty facets out instead.
    return {k: v for k, v in fields.items() if v not in ("", None)}


def with_shadow_fields(fields: dict, schema: Schema, prefixes: bool = True) -> dict:
    """Add the pairs, prefixes and compound parts of a document's text fields (each only if
    the index has it: not in one built before it existed). The bulk writer derives the
    prefixes itself (`prefixes` False)."""
    lang = fields["language"]
    for name in (f"title_{lang}", f"body_{lang}"):
        text = fields.get(name)
        if text and name + PARTS in schema:
            fields[name + PARTS] = text  # (its field type finds the parts)
        if not text or name + PAIRS not in schema:
            continue
        words = tokens(analysis_key(schema[name]), text)
        common = schema[name + PAIRS].common
        if common:
            pairs = [pair_term(a, b) for a, b in zip(words, words[1:])
                     if a in common and b in common]
            if pairs:
                fields[name + PAIRS] = "\n".join(pairs)
        if not prefixes:
            continue
        found = {p for w in set(words) for p in term_prefixes(w, PREFIX_MIN, PREFIX_MAX)}
        if found:
            fields[name + PREFIXES] = "\n".join(found)
    return fields


def bulk_fields(fields: dict, schema: Schema) -> dict:
    """A document as the bulk writer of a rebuild takes it."""
    return with_shadow_fields(fields, schema, prefixes=False)


def common_words(samples) -> dict[str, frozenset[str]]:
    """Per language, the words in at least COMMON_SHARE of the sampled documents."""
    counts = {lang: {} for lang in LANGUAGES}
    docs = dict.fromkeys(LANGUAGES, 0)
    for fields in samples:
        lang = fields["language"]
        docs[lang] += 1
        seen = set()
        for name in (f"title_{lang}", f"body_{lang}"):
            if fields.get(name):
                seen.update(tokens(lang, fields[name]))
        for word in seen:
            counts[lang][word] = counts[lang].get(word, 0) + 1
    common = {}
    for lang, by_word in counts.items():
        floor = max(2, docs[lang] * COMMON_SHARE)
        ranked = sorted((n, w) for w, n in by_word.items() if n >= floor)
        common[lang] = frozenset(w for _n, w in ranked[-MAX_COMMON:])
    return common


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


class IndexStore:
    def __init__(self, root: str | os.PathLike, gap_seconds: float = 600.0):
        self.root = Path(root)
        self.gap_seconds = gap_seconds

    # -- versions --------------------------------------------------------------------------
    def current_version(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
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
