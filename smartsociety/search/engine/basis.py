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
segment anyway for the facets). A merge moves documents into a new segment (the indexer merges
its small segments every dozen commits or so): for the selected documents of small segments the
basis also keeps their identities, the document key and its fingerprint (a digest of every field
it was indexed with), and after a merge a new segment may select exactly those documents, each
unchanged, and nothing else. Selected documents of a large segment that was merged away: the
page is computed again.

Not covered, by design: the relevance order of unchanged matches drifts a little with the
collection's statistics (BM25's document frequencies and average lengths); a page keeps the
order it was computed with until it is computed again (the page store's age limit bounds this).
Sorting by date has no such drift. Likewise, after a merge, hits of equal score or date keep the
order they had (a search computed then might order such ties by their new document numbers).

Shared (to_shared / from_shared): a basis one process computed can be checked by another that
has the same index version open (every web process with one search index): segment ids and
generations are the index's own, so the same check holds there. The Whoosh query itself is not
sent, only a digest of it; the other process builds the query again from the parsed query and
accepts the basis only if the digest is the same. A process whose index is behind the basis's
generation cannot check it (it has not seen the segments the basis names): a miss.
"""
import hashlib
import pickle
from dataclasses import dataclass

from whoosh.query import Query

from smartsociety.search.engine.masks import (
    _leaf_mask,
    _segment_cache,
    _segment_masks,
    segment_id,
)
from smartsociety.search.query import ParsedQuery, Phrase, Word

_SEGMENT_CACHE_SIZE = 64
# Merges (engine/index.py) gather small segments: the selected documents of segments up to this
# size are named by their identities, at most this many in all (reading them costs a stored-field
# lookup each, on the page's first render).
MERGED_SEGMENT_DOCS = 5000
MAX_IDENTITIES = 256


@dataclass(frozen=True)
class Basis:
    version: object  # the index version the results were computed on
    generation: int
    query: Query | None  # the Whoosh query as run; None: valid for this generation only
    filters: tuple = ()  # ((facet field, (values, ...)), ...)
    segments: tuple = ()  # ((segment id, its selected documents as a bit mask), ...)
    parsed: object = None  # the ParsedQuery, to build the query again on a later generation
    digest: str | None = None  # from another process: its query's digest (query is None)
    # ((segment id, ((key, fingerprint), ...)), ...): what the selected documents of small
    # segments are, so that a merge that only moves them elsewhere leaves the results standing
    identities: tuple = ()

    @property
    def this_generation_only(self) -> bool:
        return self.query is None and self.digest is None

    def same_query(self, query: Query) -> bool:
        if self.query is not None:
            return query == self.query
        return self.digest is not None and query_digest(query) == self.digest


def query_digest(query: Query) -> str | None:
    """Equal only for equal queries: the pickled state (the same class and attributes; never
    unpickled). Equal queries that pickle differently only cost a miss."""
    try:
        return hashlib.sha256(pickle.dumps(query, protocol=5)).hexdigest()
    except Exception:  # a query that cannot be pickled is not shared
        return None


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
    segments, identities, budget = [], [], MAX_IDENTITIES
    for _ls, leaf, offset, sid in _leaves(searcher):
        if sid is None:
            return Basis(version, generation, None)
        size = leaf.doc_count_all()
        mask = (selected >> offset) & ((1 << size) - 1)
        segments.append((sid, mask))
        count = mask.bit_count()
        if mask and size <= MERGED_SEGMENT_DOCS and count <= budget:
            found = _identities(leaf, mask)
            if found is not None:
                identities.append((sid, found))
                budget -= count
    return Basis(version, generation, query,
                 tuple(sorted((k, tuple(v)) for k, v in filters.items())), tuple(segments),
                 parsed, identities=tuple(identities))


def _identities(leaf, mask: int) -> tuple | None:
    """(key, fingerprint) of each document in `mask`: the fingerprint is a digest of all the
    fields it was indexed with (engine/index.py), so an equal pair is the same document."""
    found = []
    while mask:
        low = mask & -mask
        stored = leaf.stored_fields(low.bit_length() - 1)
        pair = (stored.get("key"), stored.get("fingerprint"))
        if None in pair:
            return None
        found.append(pair)
        mask ^= low
    return tuple(sorted(found))


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
    if str(basis.version) != str(version):  # (a shared basis names its version as text)
        return None
    if basis.generation == generation:
        return basis
    if None in (generation, basis.generation) or generation < basis.generation or (
            basis.this_generation_only):
        return None  # this process's index is behind the basis (or it held for its own only)
    query = query_now()
    if not basis.same_query(query):
        return None
    leaves = list(_leaves(searcher))
    if any(sid is None for *_x, sid in leaves):
        return None
    before = dict(basis.segments)
    known = dict(basis.identities)
    here = {sid for *_x, sid in leaves}
    # Selected documents of segments merged away since: each must turn up, as it was, in a
    # segment written since (a merge moves documents without changing them).
    moved: dict[tuple, int] = {}
    for sid, selected in before.items():
        if sid not in here and selected:
            if sid not in known:
                return None  # which documents they were is not known: computed again
            for pair in known[sid]:
                moved[pair] = moved.get(pair, 0) + 1
    segments, identities = [], []
    for leaf_searcher, leaf, _offset, sid in leaves:
        live, values = _live_and_values(leaf)
        if sid in before:
            selected = before[sid]
            if selected & ~live:
                return None  # a selected document was deleted or changed
            segments.append((sid, selected))
            if sid in known:
                identities.append((sid, known[sid]))
            continue
        # A segment written since: does the query select any of its documents?
        found = _leaf_mask(query, leaf_searcher, sid, leaf.doc_count_all()) & live
        for name, wanted in basis.filters:
            if name not in values:
                continue  # (the search ignores it too)
            union = 0
            for value in wanted:
                union |= values.get(name, {}).get(value, 0)
            found &= union
        if found:
            # Only documents a merge moved here may be selected: each the same (key and
            # fingerprint) as one selected before in a segment that went away.
            if found.bit_count() > sum(moved.values()):
                return None  # (more than moved: something new matches; no need to read them)
            pairs = _identities(leaf, found)
            if pairs is None:
                return None
            for pair in pairs:
                if not moved.get(pair):
                    return None  # a new or changed document matches
                moved[pair] -= 1
            identities.append((sid, pairs))
        segments.append((sid, found))
    if any(moved.values()):
        return None  # a selected document went away (or changed) in a merge
    return Basis(basis.version, generation, query, basis.filters, tuple(segments), basis.parsed,
                 identities=tuple(identities))


# -- shared with other processes (as JSON: nothing from Redis is unpickled) -----------------

def _item(it) -> list:
    return ["p", list(it.words)] if isinstance(it, Phrase) else ["w", it.text, it.prefix]


def _from_item(data: list):
    return Phrase(tuple(data[1])) if data[0] == "p" else Word(data[1], bool(data[2]))


def to_shared(basis: Basis) -> dict:
    digest = basis.digest
    parsed = basis.parsed
    if basis.query is not None and isinstance(parsed, ParsedQuery):
        digest = query_digest(basis.query)
    if not isinstance(parsed, ParsedQuery):
        digest = None
    shared = {"v": str(basis.version), "g": basis.generation, "d": digest}
    if digest is not None:
        shared |= {
            "f": [[name, list(values)] for name, values in basis.filters],
            "s": [[sid, format(mask, "x")] for sid, mask in basis.segments],
            "i": [[sid, [list(pair) for pair in pairs]] for sid, pairs in basis.identities],
            "p": [[[_item(it) for it in clause] for clause in parsed.required],
                  [_item(it) for it in parsed.excluded], parsed.truncated],
        }
    return shared


def from_shared(data: dict) -> Basis:
    """The basis to_shared gave (ValueError, KeyError or TypeError when it is malformed)."""
    if data.get("d") is None:
        return Basis(str(data["v"]), int(data["g"]), None)
    required, excluded, truncated = data["p"]
    parsed = ParsedQuery([[_from_item(it) for it in clause] for clause in required],
                         [_from_item(it) for it in excluded], bool(truncated))
    return Basis(str(data["v"]), int(data["g"]), None,
                 tuple((str(name), tuple(values)) for name, values in data["f"]),
                 tuple((str(sid), int(mask, 16)) for sid, mask in data["s"]), parsed,
                 str(data["d"]),
                 tuple((str(sid), tuple((str(k), str(f)) for k, f in pairs))
                       for sid, pairs in data.get("i", ())))
