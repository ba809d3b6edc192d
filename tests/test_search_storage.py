"""The index read through positional reads (the default) and through mapped files
(engine/storage.py, issue 23 item 4): the same answers as Whoosh's own reader, which copies
every segment part it opens, without that copy, no maps or files left open by reopening and
rebuilding, and with positional reads no map of an index file at all."""
import gc
import itertools
import os
import random
import tracemalloc
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import BufferFile

from smartsociety.search.engine import searching
from smartsociety.search.engine import versions as versions_module
from smartsociety.search.engine.documents import (
    bulk_fields,
    common_words,
    index_fields,
    with_shadow_fields,
)
from smartsociety.search.engine.similar import similar
from smartsociety.search.engine.storage import MappedFile, PreadFile, open_index
from smartsociety.search.engine.versions import IndexState, IndexStore
from smartsociety.search.engine.writers import Writer, build
from smartsociety.search.query import parse

SYLLABLES = ("ka mer lon ste vi ra do pel zon ge bo ter wa ning sen sor huis ver keer data "
             "wijk stad plan de be ren lo").split()
WORDS = ["gemeente", "sensoren", "parkeersensor", "bewoners", "privacy", "camera", "wijk",
         "luchtkwaliteit", "meten", "delen"]
QUERIES = ["gemeente", "sensor", "wijk data", '"gemeente wijk"', "ka*", "ste*", "bewoners -camera",
           "privacy OR camera", "parkeersensoren", "gemeentte", "kamerlon", "xyzzyq",
           "luchtkwaliteit meten", "lo"]


def _documents(count: int, seed: int = 23):
    rng = random.Random(seed)
    vocabulary = WORDS + sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
                                 for _ in range(4000)})
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    start = datetime(2024, 1, 1)
    for n in range(count):
        words = rng.choices(vocabulary, weights, k=rng.randint(40, 200))
        yield "case", n + 1, index_fields("case", n + 1, {
            "title": " ".join(rng.choices(vocabulary, weights, k=5)),
            "body": " ".join(words),
            "kind": rng.choice(["dilemma", "project"]),
            "status": rng.choice(["open", "pilot", "closed"]),
            "themes": rng.sample(["data", "wonen", "energie", "mobiliteit"], rng.randint(0, 2)),
            "organisation": f"Gemeente {n % 17}",
            "org_kind": rng.choice(["gemeente", "bedrijf"]),
            "language": "en" if n % 9 == 0 else "nl",
            "date": start + timedelta(hours=n * 7),
        })


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An index of 3,000 posts in three compound segments of the rebuild's bulk writer, and a
    segment written by Whoosh's writer that deletes some of them (as the indexer does)."""
    store = IndexStore(tmp_path_factory.mktemp("storage") / "index")
    documents = [fields for _name, _id, fields in _documents(3000)]
    version = store.new_version(common_words(documents[:500]))
    build(version, iter(documents), bulk_fields, segment_docs=1000)
    IndexState(0, {}).write(version)
    store.swap(version)
    _change(store, range(1, 3000, 41))
    assert len([p for p in version.iterdir() if p.suffix == ".seg"]) >= 3
    return store


def _change(store: IndexStore, ids, title: str = "gewijzigd") -> None:
    """Replace documents `ids` (a commit of a new generation, without merging)."""
    ix = whoosh_index.open_dir(str(store.current_version()))
    writer = Writer(ix)
    for doc_id in ids:
        fields = index_fields("case", doc_id, {"title": f"{title} {doc_id}", "body": "gemeente wijk",
                                               "language": "nl", "date": datetime(2025, 1, 1)})
        writer.delete_by_term("key", fields["key"])
        writer.add_document(**with_shadow_fields(fields, ix.schema))
    writer.commit(merge=False)
    ix.close()


def _stock(path):
    return whoosh_index.open_dir(str(path))


@pytest.fixture
def fresh_caches():
    searching.close_all()
    yield
    searching.close_all()
    gc.collect()


@pytest.fixture(params=["pread", "mmap"])
def reader(request, monkeypatch):
    """Each reader of engine/storage.py in turn, as the engine's open_index."""
    monkeypatch.setattr(versions_module, "open_index",
                        lambda path: open_index(path, reader=request.param))
    return request.param


READER_FILES = {"pread": PreadFile, "mmap": MappedFile}


def _answers(store: IndexStore) -> list:
    """Searches of every kind through the engine (phrase, prefix, exclusion, facets, sort by
    date, pages, did-you-mean, snippets) and more-like-this."""
    found = []
    for query, filters, sort, page in itertools.product(
            QUERIES, ({}, {"kind": ["project"]}, {"theme": ["data", "wonen"], "language": ["nl"]}),
            ("relevance", "date"), (1, 2)):
        found.append(searching.search(store, parse(query), filters, sort, page))
    found.append(searching.search(store, parse(""), {"status": ["open"]}, "date", 3, browse=True))
    found = [replace(results, timings={}, cached=False) for results in found]
    for text in ("gemeente sensoren in de wijk", "privacy camera bewoners", "kamerlon"):
        found.append(similar(store, text, "case", "nl", limit=5))
    return found


def test_searches_answer_as_with_whoosh_own_reader(store, reader, fresh_caches, monkeypatch):
    mapped = _answers(store)
    assert sum(r.total for r in mapped if hasattr(r, "total")) > 1000
    assert any(r.suggestion for r in mapped if hasattr(r, "suggestion"))
    assert any("<mark>" in hit.snippet for r in mapped if hasattr(r, "hits") for hit in r.hits)
    assert any(r for r in mapped if isinstance(r, list))
    searching.close_all()
    monkeypatch.setattr(versions_module, "open_index", _stock)
    assert _answers(store) == mapped


def test_every_read_equals_whoosh_own_reader(store, reader):
    """Terms, postings (weights, positions), stored fields, field lengths and columns of every
    segment, read through each reader and through Whoosh's BufferFile copies."""
    version = store.current_version()
    ours, theirs = store.open(version), _stock(version)
    try:
        with ours.reader() as mine, theirs.reader() as stock:
            assert mine.doc_count_all() == stock.doc_count_all()
            assert list(mine.all_stored_fields()) == list(stock.all_stored_fields())
            for fieldname in mine.schema.names():
                if not mine.schema[fieldname].indexed:
                    continue
                kind = ("positions" if mine.schema[fieldname].format.supports("positions")
                        else "weight")
                terms = list(mine.lexicon(fieldname))
                assert terms == list(stock.lexicon(fieldname))
                for text in terms[::7]:
                    assert mine.term_info(fieldname, text).__dict__ == (
                        stock.term_info(fieldname, text).__dict__)
                    left, right = mine.postings(fieldname, text), stock.postings(fieldname, text)
                    assert list(left.items_as(kind)) == list(right.items_as(kind))
                if mine.schema[fieldname].scorable:
                    assert ([mine.doc_field_length(d, fieldname) for d in range(0, 3000, 13)]
                            == [stock.doc_field_length(d, fieldname) for d in range(0, 3000, 13)])
            for fieldname in ("date", "kind", "year"):
                assert list(mine.column_reader(fieldname)) == list(stock.column_reader(fieldname))
            assert mine.most_distinctive_terms("body_nl", 10) == (
                stock.most_distinctive_terms("body_nl", 10))
    finally:
        ours.close()
        theirs.close()


def _segment_files(ix) -> list:
    with ix.reader() as reader:
        return [leaf._terms._dbfile for leaf, _offset in reader.leaf_readers()
                if leaf.segment().is_compound()]


def test_segments_are_read_in_place_not_copied(store, reader, fresh_caches):
    version = store.current_version()
    on_disk = sum(p.stat().st_size for p in version.iterdir() if p.suffix == ".seg")
    assert on_disk > 5_000_000

    def allocated(open_index):
        gc.collect()
        tracemalloc.start()
        try:
            ix = open_index(version)
            with ix.searcher() as searcher:
                for query in QUERIES:
                    parsed = parse(query)
                    whoosh_query = searching.to_whoosh(parsed, searcher.reader())
                    if whoosh_query is not None:
                        [hit["key"] for hit in searcher.search(whoosh_query, limit=20)]
            files = _segment_files(ix)
            ix.close()
            return tracemalloc.get_traced_memory()[1], files
        finally:
            tracemalloc.stop()

    mapped, files = allocated(store.open)
    assert files and all(type(f) is READER_FILES[reader] for f in files)
    copied, stock_files = allocated(_stock)
    assert all(isinstance(f, BufferFile) for f in stock_files)  # (what the test tells apart)
    assert copied > on_disk / 2, (copied, on_disk)
    assert mapped < on_disk / 10, (mapped, on_disk)


def _held(root: Path) -> tuple[int, int]:
    """Maps and file descriptors of this process on files under `root`."""
    maps = sum(1 for line in Path("/proc/self/maps").read_text().splitlines()
               if str(root) in line)
    fds = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds += os.readlink(f"/proc/self/fd/{fd}").startswith(str(root))
        except OSError:
            continue
    return maps, fds


def test_reopening_and_rebuilding_leave_no_maps_or_files_open(tmp_path, reader, fresh_caches):
    store = IndexStore(tmp_path / "index")
    documents = [fields for _name, _id, fields in _documents(300, seed=5)]

    def rebuild():
        version = store.new_version(common_words(documents))
        build(version, iter(documents), bulk_fields, segment_docs=100)
        IndexState(0, {}).write(version)
        store.swap(version)
        store.prune_versions()

    rebuild()
    cache = searching.searcher_cache(store)
    held = []
    for round_ in range(4):
        for n in range(8):
            _change(store, [1 + (round_ * 8 + n) * 3 % 300], f"ronde{round_}")
            assert searching.search(store, parse(f"ronde{round_}"), {}).total >= 1
        rebuild()
        assert searching.search(store, parse("gemeente"), {}).total
        gc.collect()
        held.append(_held(store.root))
    # Reopened searchers share unchanged segments; what is held stays bounded (a leak would
    # grow by every generation's and every version's segments).
    assert max(maps for maps, _fds in held) <= 12, held
    assert held[-1][0] <= held[0][0] + 2 and held[-1][1] <= held[0][1] + 2, held
    cache.close()
    gc.collect()
    assert _held(store.root) == (0, 0)


def test_positional_reads_map_no_index_file(store, fresh_caches):
    """With the default reader, opening the index, searching and more-like-this leave no map of
    an index file in the process (its pages stay in the kernel's cache, out of RSS), and the
    file descriptors go when the searchers close."""
    root = store.root
    assert _answers(store)
    maps, fds = _held(root)
    assert fds >= 3 and maps == 0, (maps, fds)  # (the searcher is open: the test tells apart)
    searching.close_all()
    gc.collect()
    assert _held(root) == (0, 0)


def test_positional_reads_across_read_ahead_boundaries(tmp_path):
    """PreadFile's reads (buffered and direct, of a part and of the whole file) give the bytes
    at their positions, across the read-ahead buffer's edges and at the end of a part."""
    from smartsociety.search.engine.storage import READAHEAD, PreadStorage
    data = bytes(random.Random(4).randrange(256) for _ in range(3 * READAHEAD + 77))
    data = data.replace(b"\n", b"x")[:READAHEAD - 3] + b"ab\ncd" + data[READAHEAD + 2:]
    (tmp_path / "x.seg").write_bytes(data)
    whole = PreadStorage(str(tmp_path)).open_file("x.seg")
    part = whole.subset(100, 2 * READAHEAD)
    expected = data[100:100 + 2 * READAHEAD]
    for start, length in ((0, 1), (READAHEAD - 2, 4), (5, READAHEAD + 9), (2 * READAHEAD - 3, 10)):
        assert part.get(start, length) == expected[start:start + length]
    assert part.get_uint(READAHEAD - 2) == int.from_bytes(expected[READAHEAD - 2:READAHEAD + 2],
                                                          "big")
    part.seek(READAHEAD - 10)
    assert part.read(20) == expected[READAHEAD - 10:READAHEAD + 10]
    assert part.read() == expected[READAHEAD + 10:]
    assert part.read(5) == b""
    whole.seek(READAHEAD - 10)
    assert whole.readline() == data[READAHEAD - 10:data.index(b"\n") + 1]
    part.close()
    whole.close()
    assert _held(tmp_path) == (0, 0)


def test_a_segment_file_gone_before_it_opened_fails_cleanly(tmp_path):
    """A newer generation may replace a segment file between listing and opening it: the open
    raises, and the half-made descriptor is collected without an error of its own (an
    AttributeError in __del__ showed in a server log under load)."""
    from smartsociety.search.engine.storage import _Descriptor

    with pytest.raises(FileNotFoundError):
        _Descriptor(str(tmp_path / "gone.seg"))
    gc.collect()  # an error in __del__ here fails the test (filterwarnings = error)
