"""What a page of results was computed from, and whether it still holds after the index moved on.

A search's results (the matches, their total, the facet counts, the hits shown) are a function of
the set of documents the query and filters select. When the index moves from generation g to g',
that set changes only through documents that changed: Whoosh marks a changed or deleted document
deleted in its segment and writes a changed or new one into a new segment. So the results of g
still hold at g' when
- the query is the same Whoosh query at g' (a prefix expands to the same words, phrases use the
  same shadow fields),
- none of the documents it selected at g was deleted since (their segments are still there, and
  none of their bits left the live set): so no shown hit changed, and no match went away,
- no document in a segment written since g is selected by it (no new or changed document
  matches),
- it shows no "did you mean" (a suggestion follows the words of the whole index; a page that
  could show one follows every change).
Segments are named by id and never change except for their deletions, so this needs no change
log: only the per-segment sets of the selected documents at g, and the live sets now (kept per
segment anyway for the facets). A merge moves documents into a new segment: a page that selected
any of them is computed again; pages that did not stay.

Not covered, by design: the relevance order of unchanged matches drifts a little with the
collection's statistics (BM25's document frequencies and average lengths); a page keeps the
order it was computed with until it is computed again (the page store's age limit bounds this).
Sorting by date has no such drift.
"""
from dataclasses import dataclass

from whoosh.query import Query

from smartsociety.search.engine.masks import (
    _leaf_mask,
    _segment_cache,
    _segment_masks,
    segment_id,
)

_SEGMENT_CACHE_SIZE = 64


@dataclass(frozen=True)
class Basis:
    version: object  # the index version the results were computed on
    generation: int
    query: Query | None  # the Whoosh query as run; None: valid for this generation only
    filters: tuple = ()  # ((facet field, (values, ...)), ...)
    segments: tuple = ()  # ((segment id, its selected documents as a bit mask), ...)
    parsed: object = None  # the ParsedQuery, to build the query again on a later generation

    @property
    def this_generation_only(self) -> bool:
        return self.query is None


def _leaves(searcher):
    for leaf_searcher, offset in searcher.leaf_searchers():
        leaf = leaf_searcher.reader()
        yield leaf_searcher, leaf, offset, segment_id(leaf)


def basis_of(version, searcher, parsed, query: Query | None, filters: dict[str, list[str]],
             selected: int, follow: bool = False) -> Basis:
    """The basis of results that selected `selected` (a mask over `searcher`'s documents)."""
    generation = searcher.reader().generation()
    if follow or query is None:
        return Basis(version, generation, None)
    segments = []
    for _ls, leaf, offset, sid in _leaves(searcher):
        if sid is None:
            return Basis(version, generation, None)
        size = leaf.doc_count_all()
        segments.append((sid, (selected >> offset) & ((1 << size) - 1)))
    return Basis(version, generation, query,
                 tuple(sorted((k, tuple(v)) for k, v in filters.items())), tuple(segments),
                 parsed)


def _live_and_values(leaf):
    segment = leaf.segment()
    key = (segment.segment_id(), segment.deleted_count())
    masks = _segment_cache.get(key)
    if masks is None:
        masks = _segment_masks(leaf)
        if len(_segment_cache) >= _SEGMENT_CACHE_SIZE:
            _segment_cache.pop(next(iter(_segment_cache)))
        _segment_cache[key] = masks
    return masks


def holds(basis: Basis, version, searcher, query_now) -> Basis | None:
    """`basis` moved to `searcher`'s generation when the results it describes hold there too,
    else None. `query_now()` gives the query as it would be built on `searcher` now."""
    generation = searcher.reader().generation()
    if basis.version != version:
        return None
    if basis.generation == generation:
        return basis
    if basis.this_generation_only or query_now() != basis.query:
        return None
    before = dict(basis.segments)
    segments = []
    for leaf_searcher, leaf, _offset, sid in _leaves(searcher):
        if sid is None:
            return None
        live, values = _live_and_values(leaf)
        if sid in before:
            selected = before.pop(sid)
            if selected & ~live:
                return None  # a selected document was deleted or changed
            segments.append((sid, selected))
            continue
        # A segment written since: does the query select any of its documents?
        found = _leaf_mask(basis.query, leaf_searcher, sid, leaf.doc_count_all()) & live
        for name, wanted in basis.filters:
            if name not in values:
                continue  # (the search ignores it too)
            union = 0
            for value in wanted:
                union |= values.get(name, {}).get(value, 0)
            found &= union
        if found:
            return None
        segments.append((sid, 0))
    if any(before.values()):
        return None  # selected documents were merged into another segment (or went away)
    return Basis(basis.version, generation, basis.query, basis.filters, tuple(segments),
                 basis.parsed)
