"""Which documents a query or facet value matches, as bit masks (Python ints), via numpy."""
import pickle
import zlib
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Every, NullQuery, Or, Query, Term
from whoosh.reading import SegmentReader

from smartsociety.search.engine.schema import FACET_FIELDS


def mask_of(ids, size: int) -> int:
    """The mask with the bits of `ids` (document numbers below `size`) set."""
    bits = np.zeros(size, dtype=bool)
    bits[np.asarray(ids, dtype=np.int64)] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def bool_array(mask: int, size: int) -> np.ndarray:
    """A mask as one bool per document number below `size`."""
    data = np.frombuffer(mask.to_bytes((size >> 3) + 1, "little"), dtype=np.uint8)
    return np.unpackbits(data, bitorder="little")[:size].view(bool)


def decode_postings(matcher, weights: bool = True):
    """A posting list's document numbers (int64) and, with `weights`, weights (float64) as
    numpy arrays; None for a kind of matcher this does not know. Whoosh decodes a block's ids
    a document at a time in Python; here each block's pickled deltas are only collected, and
    added up by numpy."""
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        ids, found = getattr(matcher, "_ids", None), getattr(matcher, "_weights", None)
        if ids is None or not hasattr(matcher, "_all_weights"):  # not a ListMatcher
            return None
        if not weights:
            return np.asarray(ids, dtype=np.int64), None
        # ListMatcher.weight(): all_weights if set, else the weights if any, else 1.0.
        all_weights = matcher._all_weights
        found = ([all_weights] * len(ids) if all_weights else
                 found if found else [1.0] * len(ids))
        return np.asarray(ids, dtype=np.int64), np.asarray(found, dtype=np.float64)
    deltas, found = [], []
    previous_last = 0
    # Positions (a field's values) are most of a block and the slowest part to unpickle.
    skip_values = matcher._fixedsize is None or matcher._fixedsize < 0
    matcher.reset()  # from the first block, wherever a wrapper has moved it to
    while True:
        block = None
        if skip_values:
            block = block_ids_weights(
                matcher._postfile.get(matcher._dataoffset,
                                      matcher._nextoffset - matcher._dataoffset),
                matcher._compression, matcher._blocklength)
        if block is None:
            matcher._read_data()
            block = matcher._data
        block_deltas, block_weights = block[0], block[1]
        start = len(deltas)
        deltas.extend(block_deltas)
        # A block's first delta is its first document number: make it relative to the
        # previous block's last one, so one running sum gives every number.
        deltas[start] -= previous_last
        previous_last = matcher._maxid
        if weights:
            if block_weights is None:
                found.extend([1.0] * len(block_deltas))
            elif isinstance(block_weights, float):
                found.extend([block_weights] * len(block_deltas))
            else:
                found.extend(block_weights)
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    return ids, (np.array(found, dtype=np.float64) if weights else None)


# Opcodes of pickle protocol 2, as Whoosh pickles a block: (deltas, weights, values).
_PROTO2, _MARK, _TUPLE, _BINPUT, _LONG_BINPUT, _NONE = b"\x80\x02", 40, 116, 113, 114, 78
_BININT1, _BININT2, _BININT, _BINFLOAT = 75, 77, 74, 71
_INT_SIZES = {_BININT1: 2, _BININT2: 3, _BININT: 5}
_SMALL_TUPLES = {1: 0x85, 2: 0x86, 3: 0x87}  # TUPLE1..3 (no MARK before the items)


def block_ids_weights(raw: bytes, compression: int, count: int):
    """A posting block's (deltas, weights) without its values: only the start of the block is
    decompressed, and only that part unpickled. None when the block is not laid out as
    expected (the caller then unpickles the whole block)."""
    # The longest the deltas and weights can be: 5 bytes an int, 9 a float, and the framing.
    need = 16 + 14 * count
    data = zlib.decompressobj().decompress(raw, need) if compression else raw[:need]
    try:
        if not data.startswith(_PROTO2) or count < 1:
            return None
        pos = 2
        end = _SMALL_TUPLES.get(count, _TUPLE)
        if count > 3:
            if data[pos] != _MARK:
                return None
            pos += 1
        # A block's first delta is a document number (often 2 or 4 bytes), the others are
        # mostly small: check them all at once, one at a time only if that fails.
        pos += _INT_SIZES.get(data[pos], len(data))
        rest = count - 1
        if data[pos:pos + 2 * rest:2] == b"K" * rest:
            pos += 2 * rest
        else:
            for _ in range(rest):
                pos += _INT_SIZES.get(data[pos], len(data))
        if data[pos] != end:
            return None
        pos += 1
        pos += 2 if data[pos] == _BINPUT else 5 if data[pos] == _LONG_BINPUT else len(data)
        op = data[pos]
        if op == _NONE:  # every weight 1.0
            pos += 1
        elif op == _BINFLOAT and (count == 1 or count > 3 or data[pos + 9] != _BINFLOAT):
            pos += 9  # one weight for all (values never start with a float)
        else:
            if count > 3:
                if op != _MARK:
                    return None
                pos += 1
            if data[pos:pos + 9 * count:9] != b"G" * count or data[pos + 9 * count] != end:
                return None
            pos += 9 * count + 1
        if pos > len(data):
            return None
        # The two, as a pickle of their own: TUPLE2, STOP.
        deltas, weights = pickle.loads(data[:pos] + b"\x86.")
    except (IndexError, ValueError, EOFError, pickle.UnpicklingError):
        return None
    if not isinstance(deltas, tuple) or len(deltas) != count or not (
            weights is None or isinstance(weights, float)
            or isinstance(weights, tuple) and len(weights) == count):
        return None
    return deltas, weights


def numeric_column(column, size: int) -> np.ndarray:
    """A Whoosh numeric column's values for documents 0..size-1 as a numpy array, read in one
    piece (iterating the column reads and unpacks a value at a time)."""
    if not isinstance(column, NumericColumn.Reader):
        return np.array(list(column), dtype=np.int64)
    count = min(column._count, size)
    data = column._dbfile.get(column._basepos, count * column._fixedlen)
    values = np.frombuffer(data, dtype=np.dtype(column._typecode).newbyteorder(">"))
    if count < size:  # documents after the last one with a value have the default
        values = np.concatenate([values, np.full(size - count, column._default, values.dtype)])
    return values


def raw_postings(reader, fieldname: str, text):
    """A term's postings in a segment, deleted documents included (masks and scores are
    restricted to live documents afterwards). Whoosh filters out a segment's deleted documents
    with a wrapper, which would leave only its slow per-document path."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        matcher = matcher.child
    return matcher


def posting_ids(matcher) -> np.ndarray:
    decoded = decode_postings(matcher, weights=False)
    if decoded is None:
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    return decoded[0]


# A term's postings in a segment, decoded (ids, weights), by segment id (a segment's postings
# never change): the match mask and the scores of a query read the same ones. Bounded by size.
# Weights kept as float32 when that loses nothing (Whoosh stores them so): 12 bytes a posting
# instead of 16. (Ids stay int64: numpy converts int32 indexes to intp at every use, which
# costs the scoring more than the 4 bytes save.)
_postings_cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_postings_cache_bytes = 0
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024


def compact_postings(ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights), the weights as float32 if that holds them exactly."""
    small = weights.astype(np.float32)
    return ids, (small if np.array_equal(small, weights) else weights)


def term_postings(reader, segment, fieldname: str, text: str):
    """(ids, weights) of a term in one segment (`segment` its id, or None: not cached); None
    for postings this cannot decode. The weights may be float32 (exact): convert them with
    `astype(np.float64)` before computing with Python floats."""
    global _postings_cache_bytes
    key = (segment, fieldname, text)
    if segment is not None and key in _postings_cache:
        _postings_cache.move_to_end(key)
        return _postings_cache[key]
    decoded = decode_postings(raw_postings(reader, fieldname, text))
    if decoded is not None and segment is not None:
        decoded = compact_postings(*decoded)
        _postings_cache[key] = decoded
        _postings_cache_bytes += decoded[0].nbytes + decoded[1].nbytes
        while _postings_cache_bytes > POSTINGS_CACHE_BYTES and _postings_cache:
            _key, (old_ids, old_weights) = _postings_cache.popitem(last=False)
            _postings_cache_bytes -= old_ids.nbytes + old_weights.nbytes
    return decoded


# -- facets --------------------------------------------------------------------------------

def _segment_masks(leaf) -> tuple[int, dict[str, dict[str, int]]]:
    size = leaf.doc_count_all()
    if isinstance(leaf, SegmentReader):
        # All but the deleted ones (asking each document whether it is deleted is slow).
        live = ((1 << size) - 1) & ~mask_of(list(leaf._perdoc.deleted_docs()), size)
    else:
        live = mask_of(list(leaf.all_doc_ids()), size)
    values = {}
    for name in FACET_FIELDS:
        values[name] = {
            (term.decode() if isinstance(term, bytes) else str(term)):
            mask_of(posting_ids(raw_postings(leaf, name, term)), size) & live
            for term in leaf.lexicon(name)
        }
    return live, values


# Segment masks outlive searchers: after a small commit only the new segment is read.
_segment_cache: dict[tuple, tuple[int, dict]] = {}
_SEGMENT_CACHE_SIZE = 64


class FacetMasks:
    """Per searcher: for every facet value, the set of its documents as a bit mask (a Python
    int), so counting a value among the matches is one AND and a popcount, not a loop."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = 0
        self.values: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
        for leaf, offset in reader.leaf_readers():
            segment = leaf.segment()
            key = (id(leaf),) if segment is None else (
                segment.segment_id(), segment.deleted_count())
            masks = _segment_cache.get(key) if segment is not None else None
            if masks is None:
                masks = _segment_masks(leaf)
                if segment is not None:
                    if len(_segment_cache) >= _SEGMENT_CACHE_SIZE:
                        _segment_cache.pop(next(iter(_segment_cache)))
                    _segment_cache[key] = masks
            live, values = masks
            self.live |= live << offset
            for name, by_value in values.items():
                merged = self.values[name]
                for value, mask in by_value.items():
                    merged[value] = merged.get(value, 0) | (mask << offset)

    def mask(self, ids) -> int:
        return mask_of(ids, self.size)


# -- queries -------------------------------------------------------------------------------

# Which documents of a segment a term (or a phrase, or a prefix) matches, as a bit mask, by
# segment id: a segment's postings never change (deletions are masked out with the live mask),
# so a mask stays valid until the segment is merged away. Bounded by total size in bytes.
_match_cache: OrderedDict[tuple, tuple[int, int]] = OrderedDict()
_match_cache_bytes = 0
MATCH_CACHE_BYTES = 64 * 1024 * 1024


def _leaf_ids(query: Query, leaf_searcher, segment):
    reader = leaf_searcher.reader()
    if isinstance(query, Term):
        if (query.fieldname, query.text) not in reader:
            return ()
        decoded = term_postings(reader, segment, query.fieldname, query.text)
        if decoded is not None:
            return decoded[0]
        return posting_ids(raw_postings(reader, query.fieldname, query.text))
    return np.fromiter(query.matcher(leaf_searcher).all_ids(), dtype=np.int64)


def _leaf_mask(query: Query, leaf_searcher, segment, size: int) -> int:
    global _match_cache_bytes
    if isinstance(query, And):
        mask = -1
        for sub in query.subqueries:
            mask &= _leaf_mask(sub, leaf_searcher, segment, size)
            if not mask:
                break
        return mask
    if isinstance(query, Or):
        mask = 0
        for sub in query.subqueries:
            mask |= _leaf_mask(sub, leaf_searcher, segment, size)
        return mask
    if isinstance(query, AndNot):
        return (_leaf_mask(query.a, leaf_searcher, segment, size)
                & ~_leaf_mask(query.b, leaf_searcher, segment, size))
    if isinstance(query, Every):
        return (1 << size) - 1
    if query is NullQuery:
        return 0
    key = (segment, query.fieldname, query.text) if isinstance(query, Term) else (
        segment, query)
    if segment is not None and key in _match_cache:
        _match_cache.move_to_end(key)
        return _match_cache[key][0]
    mask = mask_of(_leaf_ids(query, leaf_searcher, segment), size)
    if segment is not None:
        nbytes = (size >> 3) + 1
        _match_cache[key] = (mask, nbytes)
        _match_cache_bytes += nbytes
        while _match_cache_bytes > MATCH_CACHE_BYTES and _match_cache:
            _key, (_old, old_bytes) = _match_cache.popitem(last=False)
            _match_cache_bytes -= old_bytes
    return mask


def segment_id(reader):
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def match_mask(query: Query, searcher) -> int:
    """The documents `query` matches (deleted ones included: AND with the live mask)."""
    mask = 0
    for leaf_searcher, offset in searcher.leaf_searchers():
        leaf = leaf_searcher.reader()
        mask |= _leaf_mask(query, leaf_searcher, segment_id(leaf),
                           leaf.doc_count_all()) << offset
    return mask
