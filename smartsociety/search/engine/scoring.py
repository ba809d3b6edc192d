"""The order of the matches, with numpy: relevance (BM25F, as Whoosh computes it) or date."""
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query import And, AndNot, NullQuery, Or, Phrase, Query, Term
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F

from smartsociety.search.engine.masks import (
    bool_array,
    match_mask,
    numeric_column,
    segment_id,
    term_postings,
)
from smartsociety.search.engine.writers import LENGTH_OF_BYTE

# Whoosh scores a match at a time through several Python calls per document (matcher tree,
# scorer, column lookups), which is most of a query over common words. For the usual queries
# (terms combined with AND, OR and NOT) the score of a document is the sum of its matching
# terms' BM25F scores (AndNot: of its positive side), so it is computed here from each term's
# postings, for the matching documents only (the match mask), with Whoosh's own formula and
# statistics, operation for operation in the same order (so the floats are the same); ties go
# to the lower document number, as in Whoosh's top-N collector.

# A stored length byte -> the length Whoosh's scorer sees (a missing length counts as 1).
_LENGTHS = np.array([LENGTH_OF_BYTE[b] or 1 for b in range(256)], dtype=np.float64)

# Per segment (by id: its columns never change) and field: each document's stored length byte
# (uint8; `_LENGTHS` turns the matches' bytes into lengths), 1 byte a document instead of 8.
_lengths_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
_LENGTHS_CACHE = 64


def _scored_terms(query: Query, searcher) -> list[Term] | None:
    """The terms whose scores add up to a document's score; None when the query holds a
    part scored otherwise (a phrase that matches somewhere, Every, boosted groups)."""
    if isinstance(query, Term):
        return [query]
    if isinstance(query, (And, Or)) and query.boost == 1.0 and type(query) in (And, Or):
        terms = []
        for sub in query.subqueries:
            found = _scored_terms(sub, searcher)
            if found is None:
                return None
            terms += found
        return terms
    if isinstance(query, AndNot):
        return _scored_terms(query.a, searcher)
    if query is NullQuery:
        return []
    if isinstance(query, Phrase) and not match_mask(query, searcher):
        return []  # e.g. the phrase in a language no document is in: adds nothing
    return None


def _field_lengths(reader, segment, fieldname: str, ids: np.ndarray) -> np.ndarray:
    """The field lengths (float64, as Whoosh's scorer sees them) of documents `ids`."""
    key = (segment, fieldname)
    if segment is not None and key in _lengths_cache:
        _lengths_cache.move_to_end(key)
        return _LENGTHS[_lengths_cache[key][ids]]
    size = reader.doc_count_all()
    if not isinstance(reader, SegmentReader):
        return np.array([reader.doc_field_length(int(d), fieldname, 1) or 1 for d in ids],
                        dtype=np.float64)
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    # Byte 0 is length 0, which counts as 1, as with no lengths at all.
    codes = (np.zeros(size, dtype=np.uint8) if column is None else
             numeric_column(column, size).astype(np.uint8))
    if segment is not None:
        _lengths_cache[key] = codes
        if len(_lengths_cache) > _LENGTHS_CACHE:
            _lengths_cache.popitem(last=False)
    return _LENGTHS[codes[ids]]


def scored_top(query: Query, searcher, selected: int, limit: int):
    """[(score, docnum)] best first, like searcher.search(query, limit=limit) restricted to
    the documents in `selected`; None when the query is not a sum of term scores."""
    weighting = searcher.weighting
    if type(weighting) is not BM25F or weighting._field_B:
        return None
    terms = _scored_terms(query, searcher)
    if terms is None:
        return None
    if limit <= 0:
        return []
    size = searcher.doc_count_all()
    chosen = bool_array(selected, size)
    scores = np.zeros(size)
    scored = np.zeros(size, dtype=bool)
    K1, B = weighting.K1, weighting.B
    k1_plus_1 = K1 + 1
    leaves = [(leaf_searcher.reader(), offset) for leaf_searcher, offset in
              searcher.leaf_searchers()]
    for term in terms:
        fieldname, text, boost = term.fieldname, term.text, term.boost
        if not searcher.doc_frequency(fieldname, text):
            continue
        scorable = searcher.schema[fieldname].scorable
        if scorable:
            idf = searcher.idf(fieldname, text)
            avgfl = searcher.avg_field_length(fieldname) or 1
        for reader, offset in leaves:
            if (fieldname, text) not in reader:
                continue
            segment = segment_id(reader)
            postings = term_postings(reader, segment, fieldname, text)
            if postings is None:
                return None
            ids, weights = postings
            docnums = ids + offset
            keep = chosen[docnums]
            if not keep.all():
                ids, weights, docnums = ids[keep], weights[keep], docnums[keep]
            # float32 times a Python float stays float32 (numpy 2): compute in float64.
            weights = weights.astype(np.float64, copy=False)
            if scorable:
                # whoosh.scoring.bm25, then the term's boost (a WrappingMatcher's)
                fl = _field_lengths(reader, segment, fieldname, ids)
                norms = K1 * ((1 - B) + B * fl / avgfl)
                score = idf * ((weights * k1_plus_1) / (weights + norms))
            else:  # Whoosh's WeightScorer
                score = weights
            if boost != 1.0:
                score = score * boost
            # A term's documents are distinct: plain indexing adds each score once.
            scores[docnums] += score
            scored[docnums] = True
    docnums = np.flatnonzero(scored)
    found = scores[docnums]
    if len(found) > limit:
        # Only the documents scoring at least the limit-th best score can be in the top.
        cutoff = -np.partition(-found, limit - 1)[limit - 1]
        best = found >= cutoff
        docnums, found = docnums[best], found[best]
    # Highest score first; equal scores: lower document number first (as Whoosh's collector).
    order = np.lexsort((docnums, -found))[:limit]
    return list(zip(found[order].tolist(), docnums[order].tolist()))


# Per segment (by id: a segment's columns never change): each document's date as the column
# stores it (a number that sorts as the date does).
_dates_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_DATES_CACHE = 64


def _dates(reader) -> np.ndarray:
    segment = segment_id(reader)
    if segment is not None and segment in _dates_cache:
        _dates_cache.move_to_end(segment)
        return _dates_cache[segment]
    size = reader.doc_count_all()
    dates = (numeric_column(reader.column_reader("date", translate=False), size)
             if size else np.zeros(0, dtype=np.int64))
    if segment is not None:
        _dates_cache[segment] = dates
        if len(_dates_cache) > _DATES_CACHE:
            _dates_cache.popitem(last=False)
    return dates


def newest(searcher, mask: int, count: int, limit: int, sparse: int = 2000) -> list[int]:
    """The first `limit` documents of `mask` (`count` of them), newest first, equal dates in
    document order: what sorting every match by date would give, without scoring them. Up to
    `sparse` matches are sorted; of more, the newest `limit` are partitioned out first."""
    if limit <= 0 or not count:
        return []
    dates = np.concatenate([_dates(leaf_searcher.reader())
                            for leaf_searcher, _offset in searcher.leaf_searchers()])
    docnums = np.flatnonzero(bool_array(mask, len(dates)))
    # Bitwise not reverses the order of signed and unsigned numbers alike, without overflow.
    keys = ~dates[docnums]
    if count > sparse and len(keys) > limit:
        cutoff = np.partition(keys, limit - 1)[limit - 1]
        docnums, keys = docnums[keys <= cutoff], keys[keys <= cutoff]
    return docnums[np.lexsort((docnums, keys))[:limit]].tolist()
