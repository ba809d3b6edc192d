"""The bulk segment writer of `flask search rebuild`: postings kept as arrays, written a field
at a time in Whoosh's W3 file format.

Whoosh's SegmentWriter puts every posting as a tuple in a pool, sorts them all, then hands them
to the postings writer one at a time, and adds each term to the term table with several calls:
that was most of a rebuild. Here a document's terms are numbered as they arrive (a dict lookup
in C per posting), and when the segment is written each field's postings are grouped by term,
split into blocks and summed up with numpy; what is left per term is pickling its blocks. A
test checks every term, posting, statistic and stored field against an index written by
SegmentWriter.
"""
import zlib
from array import array
from hashlib import md5
from itertools import accumulate, repeat
from pickle import dumps
from struct import Struct

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import md5_hash
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

# What W3TermInfo writes for a term (whoosh/codec/whoosh3.py), and the lengths of a term table
# entry's key and value (whoosh/filedb/filetables.py).
_TERMINFO = Struct("!BfIBBfII")
_ENTRY_LENGTHS = Struct("!II")
# Bytes: a smaller block is stored uncompressed (each block says which). Compressing blocks
# took a third of writing a segment; leaving the smaller ones makes postings ~25% larger.
SMALL_BLOCK = 4096
PACK_POSTINGS = 1 << 16
WRITE_CHUNKS = 10_000  # terms' posting lists per write to the file
NO_LENGTH = 256  # above every length byte: "no length" when taking a minimum
# A block's length statistics: what length_to_byte gives for the length a byte stands for.
_LENGTH_BYTE = np.array([length_to_byte(byte_to_length(b)) if b else 0 for b in range(256)]
                        + [0], dtype=np.int64)


class _TermNumbers(dict):
    """Term -> its number in the segment, numbered in order of first appearance."""

    __slots__ = ()

    def __missing__(self, term):
        number = self[term] = len(self)
        return number


class _FieldPostings:
    """One field's postings in the order they were added: term number, document, weight and
    (if the format keeps one) encoded value; and each document's length byte. Collected in
    lists (extending an array from a Python sequence costs more) and packed into arrays every
    PACK_POSTINGS."""

    __slots__ = ("numbers", "terms", "docs", "weights", "values", "lengths", "_packed")

    def __init__(self, keep_values: bool):
        self.numbers = _TermNumbers()
        self.terms, self.docs, self.weights = [], [], []
        self.values = [] if keep_values else None
        self.lengths: dict[int, int] = {}
        self._packed = []

    def add(self, docnum: int, terms, weights, values) -> None:
        self.terms += map(self.numbers.__getitem__, terms)
        self.docs += repeat(docnum, len(terms))
        self.weights += weights
        if self.values is not None:
            self.values += values
        if len(self.terms) >= PACK_POSTINGS:
            self._pack()

    def _pack(self) -> None:
        self._packed.append((np.array(self.terms, dtype=np.uint32),
                             np.array(self.docs, dtype=np.uint32),
                             np.array(self.weights, dtype=np.float32)))
        self.terms, self.docs, self.weights = [], [], []

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term numbers, documents, weights) of all postings."""
        if self.terms or not self._packed:
            self._pack()
        terms, docs, weights = (np.concatenate(parts) for parts in zip(*self._packed))
        self._packed = [(terms, docs, weights)]
        return terms, docs, weights


def _postings(fieldobj, value) -> tuple[list, list, list | None, int]:
    """(terms, weights, values, length) of one field of a document."""
    fast = getattr(fieldobj, "postings", None)
    if fast is not None:
        terms, counts, values = fast(value)
        boost = fieldobj.format.field_boost
        weights = counts if boost == 1.0 else [count * boost for count in counts]
        return terms, weights, values, sum(counts)
    items = list(fieldobj.index(value))  # Whoosh's own field types (facets, the key)
    return ([item[0] for item in items], [item[2] for item in items],
            [item[3] for item in items], sum(item[1] for item in items))


class BulkWriter(SegmentWriter):
    """A SegmentWriter for new documents only (no deletions, no merging), for this schema's
    kinds of fields (no term vectors, no separate spelling fields, no per-document boosts);
    used on a fresh index version by one rebuild."""

    def __init__(self, ix, codec, **kwargs):
        super().__init__(ix, codec=codec, **kwargs)
        self._fields: dict[str, _FieldPostings] = {}
        self._derived = {name for name, fieldobj in self.schema.items()
                         if getattr(fieldobj, "source", None) is not None}

    def add_document(self, **fields):
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        perdoc.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None or fieldname in self._derived:
                continue
            fieldobj = schema[fieldname]
            length = 0
            if fieldobj.indexed:
                postings = self._fields.get(fieldname)
                if postings is None:
                    postings = self._fields[fieldname] = _FieldPostings(
                        fieldobj.format.fixed_value_size() != 0)
                terms, weights, values, length = _postings(fieldobj, value)
                postings.add(docnum, terms, weights, values)
                if not fieldobj.scorable:
                    length = 0
                elif length:
                    postings.lengths[docnum] = length_to_byte(length)
            perdoc.add_field(fieldname, fieldobj, value if fieldobj.stored else None, length)
            column = fieldobj.column_type
            if column:
                perdoc.add_column_value(fieldname, column, fieldobj.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _derive_prefixes(self) -> None:
        """Fields that index the prefixes of another field's terms (PrefixField: `source`,
        `shortest`, `longest`) get their postings from that field's: each prefix's documents
        are the union of its terms' documents."""
        for fieldname, fieldobj in self.schema.items():
            source = self._fields.get(getattr(fieldobj, "source", None))
            if source is None:
                continue
            derived = _FieldPostings(keep_values=False)
            terms, docs, _weights = source.arrays()
            docs = docs.astype(np.int64)
            words = list(source.numbers)
            pairs = []  # prefix number * documents + document
            for n in range(fieldobj.shortest, fieldobj.longest + 1):
                numbers = derived.numbers
                prefix_of = np.array([numbers[word[:n]] if len(word) >= n else -1
                                      for word in words], dtype=np.int64)
                prefixes = prefix_of[terms]
                found = prefixes >= 0
                pairs.append(prefixes[found] * self.docnum + docs[found])
            if not derived.numbers:
                continue
            pairs = np.concatenate(pairs)
            pairs.sort()  # (np.unique hashes, which was slower than this)
            pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
            derived._packed = [((pairs // self.docnum).astype(np.uint32),
                                (pairs % self.docnum).astype(np.uint32),
                                np.full(len(pairs), fieldobj.format.field_boost,
                                        dtype=np.float32))]
            self._fields[fieldname] = derived

    def _flush_segment(self):
        self.perdocwriter.close()
        self._derive_prefixes()
        fieldwriter = self.fieldwriter
        # The term table must be written in order: fields by name, then terms by bytes.
        for fieldname in sorted(self._fields):
            if not len(self._fields[fieldname].arrays()[0]):
                continue  # (as in Whoosh's writer: no terms, no field in the term table)
            fieldobj = self.schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            _write_field(fieldwriter, self._fields.pop(fieldname), fieldobj, self.docnum,
                         self.codec._blocklimit, self.codec._compression)
            fieldwriter.finish_field()
        fieldwriter.close()


def _write_field(fieldwriter, postings: _FieldPostings, fieldobj, doc_count: int,
                 blocklimit: int, compression: int) -> None:
    """Write one field's posting lists to the postings file and its terms to the term table,
    as W3PostingsWriter and W3FieldWriter would."""
    words = list(postings.numbers)
    by_word = sorted(range(len(words)), key=words.__getitem__)  # str order is UTF-8 order
    rank = np.empty(len(words), dtype=np.int64)
    rank[by_word] = np.arange(len(words))
    terms, docs, weights = postings.arrays()
    ranks = rank[terms]
    # A stable sort: each term's postings stay in document order.
    order = np.argsort(ranks, kind="stable")
    ranks = ranks[order]
    docs = docs.astype(np.int64)[order]
    weights = weights.astype(np.float64)[order]
    values = None
    if postings.values is not None:
        values = np.empty(len(postings.values), dtype=object)
        values[:] = postings.values
        values = values[order].tolist()
    count = len(docs)

    # Terms and blocks as slices of the sorted postings.
    starts = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])
    ends = np.r_[starts[1:], count]
    within = np.arange(count) - np.repeat(starts, ends - starts)
    blocks = np.flatnonzero(within % blocklimit == 0)
    block_ends = np.r_[blocks[1:], count]
    first_block = np.searchsorted(blocks, starts)
    last_block = np.zeros(len(blocks), dtype=bool)
    last_block[np.r_[first_block[1:] - 1, len(blocks) - 1]] = True
    deltas = docs - np.r_[0, docs[:-1]]
    deltas[blocks] = docs[blocks]

    # Block and term statistics.
    lengths = np.zeros(doc_count, dtype=np.int64)
    if postings.lengths:
        lengths[list(postings.lengths)] = list(postings.lengths.values())
    lengths = lengths[docs]
    known = np.where(lengths == 0, NO_LENGTH, lengths)
    low = np.minimum.reduceat(weights, blocks)
    high = np.maximum.reduceat(weights, blocks)
    # A block's weights as W3PostingsWriter minifies them: None when all are 1.0, one number
    # when all are equal, else all of them (left None here, filled in below).
    same = np.where(low == 1.0, None, low.astype(object))
    same[low != high] = None
    varied = (low != high).tolist()
    block_info = zip(
        (block_ends - blocks).tolist(), docs[block_ends - 1].tolist(),
        np.maximum(high, 0).tolist(), _LENGTH_BYTE[np.minimum.reduceat(known, blocks)].tolist(),
        _LENGTH_BYTE[np.maximum.reduceat(lengths, blocks)].tolist())
    fixedsize = fieldobj.format.fixed_value_size()
    keep_tuple = fixedsize is None or fixedsize < 0

    deltas = deltas.tolist()
    written = []
    for a, z, mini_weights, vary, is_last, (size, last_id, maxweight, minlength, maxlength) in zip(
            blocks.tolist(), block_ends.tolist(), same.tolist(), varied, last_block.tolist(),
            block_info):
        if vary:
            mini_weights = tuple(weights[a:z].tolist())
        if values is None:
            mini_values = None
        else:
            found = [v for v in values[a:z] if v]
            mini_values = tuple(found) if keep_tuple else emptybytes.join(found)
        data = dumps((tuple(deltas[a:z]), mini_weights, mini_values), 2)
        comp = compression if len(data) >= SMALL_BLOCK else 0
        if comp:
            data = zlib.compress(data, comp)
        info = dumps((size, last_id, maxweight, comp, minlength, maxlength), 2)
        size = len(info) + len(data)
        written.append(pack_int(-size if is_last else size) + info + data)

    # Each term's posting list: a header, then its blocks.
    postfile = fieldwriter._postfile
    chunks = [WHOOSH3_HEADER_MAGIC + written[b] if b + 1 == e else
              WHOOSH3_HEADER_MAGIC + emptybytes.join(written[b:e])
              for b, e in zip(first_block.tolist(), first_block[1:].tolist() + [len(written)])]
    del written
    extents = list(map(len, chunks))
    offsets = list(accumulate(extents, initial=postfile.tell()))
    for first in range(0, len(chunks), WRITE_CHUNKS):
        postfile.write(emptybytes.join(chunks[first:first + WRITE_CHUNKS]))
    del chunks
    pack = _TERMINFO.pack
    infos = [pack(0, *stats) + pack_long(offset) + pack_int(extent) for stats, offset, extent in zip(
        zip(np.add.reduceat(weights, starts).tolist(), (ends - starts).tolist(),
            _LENGTH_BYTE[np.minimum.reduceat(known, starts)].tolist(),
            _LENGTH_BYTE[np.maximum.reduceat(lengths, starts)].tolist(),
            np.maximum(np.maximum.reduceat(weights, starts), 0).tolist(),
            docs[starts].tolist(), docs[ends - 1].tolist()),
        offsets, extents)]
    key = pack_ushort(fieldwriter._fieldid)
    _add_terms(fieldwriter._tindex, [key + words[i].encode() if isinstance(words[i], str)
                                     else key + words[i] for i in by_word], infos)


def _add_terms(tindex, keys: list[bytes], values: list[bytes]) -> None:
    """OrderedHashWriter.add for many keys (in order) at once."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    dbfile = tindex.dbfile
    pack = _ENTRY_LENGTHS.pack
    entries = [pack(len(key), len(value)) + key + value for key, value in zip(keys, values)]
    positions = list(accumulate(map(len, entries), initial=dbfile.tell()))[:-1]
    dbfile.write(emptybytes.join(entries))
    buckets = tindex.buckets
    if tindex.hashfn is md5_hash:  # its value is the digest's last four bytes
        hashes = [int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
                  for key in keys]
    else:
        hashes = list(map(tindex.hashfn, keys))
    for h, position in zip(hashes, positions):
        buckets[h & 255].append((h, position))
    index = tindex.index
    try:
        index.array.extend(array(index.typecode, positions))
    except OverflowError:
        index._retype(positions[-1])
        index.array.extend(array(index.typecode, positions))
    tindex.lastkey = keys[-1]
