"""Writing segments: Whoosh's writer with this index's codec, and the fast path that builds a
new index (`flask search rebuild`) from memory, in several processes at once.

Whoosh's SegmentWriter puts every posting as a tuple in a pool, sorts them all, then hands them
one at a time to the postings writer: several Python calls per posting, most of the rebuild.
BulkWriter keeps each term's postings in arrays as documents arrive and writes them a block at
a time, in Whoosh's own file format (a test checks the result against an index written by
SegmentWriter).

With more than one process, the parent reads the database and sends batches of documents to
builder processes; each writes whole segments and returns them, and the parent commits all of
them at once. The builders are started with "spawn": a forked copy of a process holding open
database connections and threads is not safe.
"""
import multiprocessing
import os
import struct
import traceback
import zlib
from array import array
from itertools import chain
from multiprocessing.connection import wait
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, _lenfield
from whoosh.compat import dumps
from whoosh.filedb.filestore import FileStorage
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from smartsociety.search.analysis import term_prefixes

SEGMENT_DOCS = 25_000  # documents per segment: its postings are held in memory until written
BATCH_DOCS = 500  # documents per message to a builder process
POLL_SECONDS = 1.0

# Posting blocks are compressed lightly: most are the few postings of a rare word.
CODEC = W3Codec(compression=1)

LENGTH_OF_BYTE = [0] + [byte_to_length(b) for b in range(1, 256)]


class _SegmentLengths:
    """The new segment's field lengths, read once per field: Whoosh looks each one up in the
    column file again for every posting it writes."""

    def __init__(self, per_doc_reader):
        self.reader = per_doc_reader
        self.fields = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self.fields.get(fieldname)
        if lengths is None:
            column = self.reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = self.fields[fieldname] = (
                [LENGTH_OF_BYTE[b] for b in column] if column is not None else ()
            )
        return lengths[docnum] if docnum < len(lengths) else default


class Writer(SegmentWriter):
    """Whoosh's segment writer with the codec above and cached field lengths."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, codec=CODEC, **kwargs)

    def _flush_segment(self):
        self.perdocwriter.close()
        reader = self.per_document_reader()
        self.fieldwriter.add_postings(self.schema, _SegmentLengths(reader),
                                      self.pool.iter_postings())
        self.fieldwriter.close()
        reader.close()


class BulkWriter(Writer):
    """A SegmentWriter for new documents only (no deletions, no merging); used on a fresh index
    version by one rebuild."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        # fieldname -> term bytes -> (document numbers, weights, encoded values)
        self._postings: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        # fieldname -> document number -> field length as the lengths column gives it back
        self._lengths: dict[str, dict[int, int]] = {}
        self._derived = {name for name, fieldobj in self.schema.items()
                         if getattr(fieldobj, "source", None) is not None}

    def add_document(self, **fields):
        """SegmentWriter.add_document without the pool, for this schema's kinds of fields (no
        term vectors, no separate spelling fields, no per-document boosts)."""
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
                terms = self._postings.get(fieldname)
                if terms is None:
                    terms = self._postings[fieldname] = {}
                keep_values = fieldobj.format.fixed_value_size() != 0
                for tbytes, freq, weight, vbytes in fieldobj.index(value):
                    length += freq
                    posting = terms.get(tbytes)
                    if posting is None:
                        posting = terms[tbytes] = (array("I"), array("f"), [])
                    posting[0].append(docnum)
                    posting[1].append(weight)
                    if keep_values:
                        posting[2].append(vbytes)
                if not fieldobj.scorable:
                    length = 0
                elif length:
                    self._lengths.setdefault(fieldname, {})[docnum] = LENGTH_OF_BYTE[
                        length_to_byte(length)]
            perdoc.add_field(fieldname, fieldobj, value if fieldobj.stored else None, length)
            column = fieldobj.column_type
            if column:
                perdoc.add_column_value(fieldname, column, fieldobj.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _derive_prefixes(self) -> None:
        """Fields that index the prefixes of another field's terms (PrefixField: `source`,
        `shortest`, `longest`) get their postings from that field's, here: a union of a
        few thousand posting lists instead of ~150 postings added per document."""
        for fieldname, fieldobj in self.schema.items():
            source = getattr(fieldobj, "source", None)
            if source is None or source not in self._postings:
                continue
            groups: dict[str, set[int]] = {}
            for tbytes, (ids, _weights, _values) in self._postings[source].items():
                for prefix in term_prefixes(tbytes.decode(), fieldobj.shortest, fieldobj.longest):
                    found = groups.get(prefix)
                    if found is None:
                        groups[prefix] = set(ids)
                    else:
                        found.update(ids)
            boost = fieldobj.format.field_boost
            self._postings[fieldname] = {
                prefix.encode(): (array("I", sorted(ids)), array("f", [boost]) * len(ids), [])
                for prefix, ids in groups.items()
            }

    def _flush_segment(self):
        self.perdocwriter.close()
        self._derive_prefixes()
        fieldwriter = self.fieldwriter
        blocklimit = self.codec._blocklimit
        compression = self.codec._compression
        # The term table must be written in order: fields by name, then terms by bytes.
        for fieldname in sorted(self._postings):
            terms = self._postings.pop(fieldname)
            lengths = self._lengths.pop(fieldname, {})
            fieldobj = self.schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            key = pack_ushort(fieldwriter._fieldid)
            fixedsize = fieldobj.format.fixed_value_size()
            postfile, add_term = fieldwriter._postfile, fieldwriter._tindex.add
            for tbytes in sorted(terms):
                ids, weights, values = terms.pop(tbytes)
                add_term(key + tbytes, _write_postings(postfile, ids, weights, values, lengths,
                                                       blocklimit, compression, fixedsize))
            fieldwriter.finish_field()
        fieldwriter.close()


# What W3PostingsWriter and W3TermInfo write for a term's postings (whoosh/codec/whoosh3.py),
# written here a block at a time instead of through a method call per posting.
_TERMINFO = struct.Struct("!BfIBBfII")
SMALL_BLOCK = 256  # bytes: a smaller block is stored uncompressed (each block says which)


def _write_postings(postfile, ids: array, weights: array, values: list, lengths: dict,
                    blocklimit: int, compression: int, fixedsize) -> bytes:
    """Write one term's postings to the postings file; returns its term info."""
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    count = len(ids)
    total_weight = 0.0
    minlength, maxlength, maxweight = None, 0, 0
    for first in range(0, count, blocklimit):
        last = min(first + blocklimit, count)
        block_ids, block_weights = ids[first:last], weights[first:last]
        deltas = tuple(b - a for a, b in zip(chain((0,), block_ids), block_ids))
        if all(w == 1.0 for w in block_weights):
            mini_weights = None
        elif all(w == block_weights[0] for w in block_weights):
            mini_weights = block_weights[0]
        else:
            mini_weights = tuple(block_weights)
        if fixedsize == 0:
            mini_values = None
        else:
            block_values = [v for v in values[first:last] if v]
            mini_values = (tuple(block_values) if fixedsize is None or fixedsize < 0
                           else emptybytes.join(block_values))
        data = dumps((deltas, mini_weights, mini_values), 2)
        comp = compression if len(data) >= SMALL_BLOCK else 0
        if comp:
            data = zlib.compress(data, comp)
        found = [n for n in map(lengths.get, block_ids) if n] if lengths else ()
        block_min = min(found) if found else None
        block_max = max(found) if found else 0
        block_maxweight = max(0, max(block_weights))
        info = dumps((last - first, block_ids[-1], block_maxweight, comp,
                      length_to_byte(block_min), length_to_byte(block_max)), 2)
        size = len(info) + len(data)
        postfile.write_int(-size if last == count else size)
        postfile.write(info)
        postfile.write(data)
        total_weight += sum(block_weights)
        if block_min is not None:
            minlength = block_min if minlength is None else min(minlength, block_min)
        maxlength = max(maxlength, block_max)
        maxweight = max(maxweight, block_maxweight)
    extent = postfile.tell() - start
    return _TERMINFO.pack(
        0, total_weight, count, 0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength), maxweight, ids[0], ids[-1],
    ) + pack_long(start) + pack_int(extent)


class _Builder:
    """Adds documents to a version, a segment per SEGMENT_DOCS; finish() returns the segments
    (written, not yet committed). `prepare(fields, schema)` completes each document."""

    def __init__(self, ix, prepare, segment_docs: int = SEGMENT_DOCS):
        self.ix = ix
        self.segment_docs = segment_docs
        self.prepare = prepare
        self.writer = None
        self.segments = []
        self.schema = ix.schema  # (a property that reads the index's table of contents)

    def add(self, fields: dict) -> None:
        fields = self.prepare(fields, self.schema)
        if self.writer is None:
            # _lk=False: the rebuild owns this new version; builders in other processes write
            # their own segments of it.
            self.writer = BulkWriter(self.ix, _lk=False)
        self.writer.add_document(**fields)
        if self.writer.doc_count() >= self.segment_docs:
            self._close()

    def _close(self) -> None:
        writer, self.writer = self.writer, None
        self.segments.append(writer._finalize_segment())
        writer._finish()

    def finish(self) -> list:
        if self.writer is not None:
            self._close()
        return self.segments

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


class _OwnTempStorage(FileStorage):
    """Temporary files in directories of this process's own: a writer deletes its temporary
    directory ("MAIN.tmp") when it finishes, while another builder may be using it."""

    def temp_storage(self, name=None):
        return super().temp_storage(f"{name or 'tmp'}.{os.getpid()}")


def _build_in_child(version: str, prepare, segment_docs: int, conn) -> None:
    builder = _Builder(_OwnTempStorage(version).open_index(), prepare, segment_docs)
    parent = multiprocessing.parent_process()
    try:
        while True:
            if not conn.poll(POLL_SECONDS):
                if not parent.is_alive():  # killed: nobody will send the end of the jobs
                    builder.cancel()
                    return
                continue
            batch = conn.recv()
            if batch is None:
                break
            for fields in batch:
                builder.add(fields)
            conn.send(("ready", None))
        conn.send(("ok", builder.finish()))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        builder.cancel()
        conn.send(("error", traceback.format_exc()))


def build(version: Path, documents, prepare=lambda fields, schema: fields, procs: int = 1,
          segment_docs: int = SEGMENT_DOCS) -> int:
    """Index `documents` (dicts of fields, completed by `prepare`: a module-level function when
    procs > 1) into the empty index `version` and commit them."""
    ix = whoosh_index.open_dir(str(version))
    try:
        if procs > 1:
            count, segments = _build_parallel(version, documents, prepare, procs, segment_docs)
        else:
            builder = _Builder(ix, prepare, segment_docs)
            count = 0
            try:
                for fields in documents:
                    builder.add(fields)
                    count += 1
            except BaseException:
                builder.cancel()
                raise
            segments = builder.finish()
        if segments:
            writer = Writer(ix)
            writer._close_segment()
            writer._commit_toc(segments)
            writer._finish()
        return count
    finally:
        ix.close()


def _build_parallel(version: Path, documents, prepare, procs: int,
                    segment_docs: int) -> tuple[int, list]:
    # One pipe per builder, so that work goes to whichever has the least queued.
    context = multiprocessing.get_context("spawn")
    builders = []
    for _ in range(procs):
        mine, theirs = context.Pipe()
        child = context.Process(target=_build_in_child,
                                args=(str(version), prepare, segment_docs, theirs), daemon=True)
        child.start()
        theirs.close()
        builders.append(_Child(child, mine))
    try:
        count = 0
        for batch in _batches(documents):
            count += len(batch)
            _free_builder(builders).send(batch)
        for builder in builders:
            builder.send(None)
        segments = []
        for builder in builders:
            segments += builder.result()
        for builder in builders:
            builder.process.join()
        return count, segments
    finally:
        for builder in builders:
            if builder.process.is_alive():
                builder.process.terminate()
            builder.process.join()
            builder.conn.close()


class _Child:
    """A builder process, and how many batches it has been sent but not finished."""

    def __init__(self, process, conn):
        self.process, self.conn, self.pending = process, conn, 0

    def send(self, batch) -> None:
        self.conn.send(batch)
        self.pending += 1

    def check_alive(self) -> None:
        if self.process.exitcode is not None and not self.conn.poll(0):
            raise RuntimeError(
                f"an index builder process stopped (exit code {self.process.exitcode})")

    def receive(self) -> tuple:
        """The builder's next message; raises when it failed or stopped."""
        while not self.conn.poll(POLL_SECONDS):
            self.check_alive()
        try:
            status, value = self.conn.recv()
        except EOFError:
            raise RuntimeError("an index builder process stopped") from None
        if status == "error":
            raise RuntimeError(f"an index builder process failed:\n{value}")
        if status == "ready":
            self.pending -= 1
        return status, value

    def result(self) -> list:
        while (message := self.receive())[0] != "ok":
            pass
        return message[1]


def _batches(documents):
    batch = []
    for fields in documents:
        batch.append(fields)
        if len(batch) >= BATCH_DOCS:
            yield batch
            batch = []
    if batch:
        yield batch


def _free_builder(builders: list[_Child]) -> _Child:
    """The builder with the least work queued, once one has fewer than two batches."""
    while True:
        for builder in builders:
            while builder.conn.poll(0):
                builder.receive()
        ready = min(builders, key=lambda b: b.pending)
        if ready.pending < 2:
            return ready
        wait([b.conn for b in builders] + [b.process.sentinel for b in builders],
             timeout=POLL_SECONDS)
        for builder in builders:
            builder.check_alive()
