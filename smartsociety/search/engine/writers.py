"""Writing segments: Whoosh's writer with this index's codec, and building a new index
(`flask search rebuild`) with the bulk writer, in several processes at once.

With more than one process, the parent reads the database and sends batches of documents to
builder processes; each writes whole segments and returns them, and the parent commits all of
them at once. The builders are started with "spawn": a forked copy of a process holding open
database connections and threads is not safe.
"""
import gc
import multiprocessing
import os
import queue
import traceback
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from smartsociety.search.engine.bulk import BulkWriter

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
            self.writer = BulkWriter(self.ix, CODEC, _lk=False)
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


def _build_in_child(version: str, prepare, segment_docs: int, jobs, conn) -> None:
    builder = _Builder(_OwnTempStorage(version).open_index(), prepare, segment_docs)
    parent = multiprocessing.parent_process()
    # Indexing makes few reference cycles but many short-lived containers: automatic
    # collection cost a sixth of a builder's time. Collect once per segment instead.
    gc.disable()
    segments = 0
    try:
        while True:
            try:
                batch = jobs.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not parent.is_alive():  # killed: nobody will send the end of the jobs
                    builder.cancel()
                    return
                continue
            if batch is None:
                break
            for fields in batch:
                builder.add(fields)
            if len(builder.segments) > segments:
                segments = len(builder.segments)
                gc.collect()
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
    context = multiprocessing.get_context("spawn")
    # One queue of batches, a few deep, that each builder takes from when it is free. A
    # queue sends from a thread of its own: with a pipe per builder the parent waited in a
    # send until a busy builder read, while the other builder sat idle.
    jobs = context.Queue(maxsize=2 * procs)
    builders = []
    for _ in range(procs):
        mine, theirs = context.Pipe(duplex=False)  # the builder's result or error
        child = context.Process(target=_build_in_child, daemon=True,
                                args=(str(version), prepare, segment_docs, jobs, theirs))
        child.start()
        theirs.close()
        builders.append(_Child(child, mine))
    try:
        count = 0
        for batch in _batches(documents):
            count += len(batch)
            _put(jobs, batch, builders)
        for _builder in builders:
            _put(jobs, None, builders)
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
        jobs.close()
        jobs.cancel_join_thread()  # (batches no builder will read any more)


def _put(jobs, batch, builders: list["_Child"]) -> None:
    """Queue a batch; while the queue is full, make sure the builders are still there."""
    while True:
        try:
            jobs.put(batch, timeout=POLL_SECONDS)
            return
        except queue.Full:
            for builder in builders:
                builder.check()


class _Child:
    """A builder process and the pipe it answers on: once, with its segments or its error."""

    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.segments = None

    def check(self) -> None:
        """Raise if the builder failed or stopped without an answer."""
        if self.segments is not None:
            return
        if self.conn.poll(0):
            try:
                status, value = self.conn.recv()
            except EOFError:
                raise RuntimeError("an index builder process stopped") from None
            if status == "error":
                raise RuntimeError(f"an index builder process failed:\n{value}")
            self.segments = value
        elif self.process.exitcode is not None and not self.conn.poll(0):
            # (polled again: it may have answered just before it ended)
            raise RuntimeError(
                f"an index builder process stopped (exit code {self.process.exitcode})")

    def result(self) -> list:
        while self.segments is None:
            self.conn.poll(POLL_SECONDS)
            self.check()
        return self.segments


def _batches(documents):
    batch = []
    for fields in documents:
        batch.append(fields)
        if len(batch) >= BATCH_DOCS:
            yield batch
            batch = []
    if batch:
        yield batch
