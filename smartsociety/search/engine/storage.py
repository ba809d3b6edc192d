"""Index files read in place, without a private copy per process: with positional reads
(`PreadStorage`, the default, at the end of this module) or through a memory map
(`MappedStorage`, `open_index(path, reader="mmap")`).

Whoosh maps a compound segment file (<segment>.seg, all of a segment's parts in one file) and
then, in `CompoundStorage.open_file`, wraps each part it opens in a `BufferFile`, whose
`BytesIO(buf)` copies the part: the postings and the term index of every segment, into each
process that opens the index (173 MB a gunicorn worker at 20,000 posts, growing with the index).

`MappedStorage` replaces Whoosh's `FileStorage`: it opens a compound
file itself, as a `MappedFile` over a map of the file. Whoosh's `CompoundStorage` then takes
the parts with `subset()` (it maps a file only when it has a `fileno`, which a MappedFile has
not), and each part is a MappedFile over a slice of the same map: reads slice the map, nothing
is copied. The mapped pages belong to the OS cache, shared by every process. No Whoosh code is
patched; the pickled segments and their files are the same.

A map is closed when its compound file and every part were closed (a SegmentReader closes
them when it closes); a part still referenced elsewhere keeps the map until it is collected,
as Whoosh's own maps do. The file descriptor is closed as soon as the file is mapped (the map
keeps its own until it is closed).
"""
import mmap
import os
from array import array

from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import _SIZEMAP, StructFile
from whoosh.system import (
    IS_LITTLE,
    _byte_struct,
    _float_struct,
    _int_struct,
    _long_struct,
    _sbyte_struct,
    _uint_struct,
    _ulong_struct,
    _ushort_struct,
)

_LINE_CHUNK = 256


class _ViewReader:
    """A read-only file over a memoryview: what StructFile's read_* methods and pickle use."""

    __slots__ = ("view", "pos")

    def __init__(self, view: memoryview):
        self.view = view
        self.pos = 0

    def _bytes(self, start: int, end: int) -> bytes:
        return self.view[start:end].tobytes()

    def _size(self) -> int:
        return len(self.view)

    def read(self, size=-1) -> bytes:
        start = self.pos
        end = self._size()
        if size is not None and size >= 0:
            end = min(end, start + size)
        if end <= start:
            return b""
        self.pos = end
        return self._bytes(start, end)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size=-1) -> bytes:
        start = self.pos
        end = self._size() if size is None or size < 0 else min(self._size(), start + size)
        at = start
        while at < end:
            chunk = self._bytes(at, min(end, at + _LINE_CHUNK))
            newline = chunk.find(b"\n")
            if newline >= 0:
                end = at + newline + 1
                break
            at += len(chunk)
        return self.read(end - start)

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.pos
        elif whence == 2:
            offset += self._size()
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self.pos = offset
        return offset

    def tell(self) -> int:
        return self.pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self.view = memoryview(b"")


class MappedFile(StructFile):
    """A StructFile (read only) over a memoryview of a map: what `BufferFile` is, without
    the BytesIO copy. `get` and the `get_*` reads slice the view; `read_*` move a position."""

    def __init__(self, view: memoryview, name=None, onclose=None, mapping=None):
        self._view = view
        self._name = name
        self.file = _ViewReader(view)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
        self._mapping = mapping  # the map, in the file's own MappedFile (not in its parts)

    def subset(self, position, length, name=None):
        return MappedFile(self._view[position:position + length], name=name or self._name)

    def get(self, position, length):
        return self._view[position:position + length].tobytes()

    def get_byte(self, position):
        return _byte_struct.unpack_from(self._view, position)[0]

    def get_sbyte(self, position):
        return _sbyte_struct.unpack_from(self._view, position)[0]

    def get_int(self, position):
        return _int_struct.unpack_from(self._view, position)[0]

    def get_uint(self, position):
        return _uint_struct.unpack_from(self._view, position)[0]

    def get_ushort(self, position):
        return _ushort_struct.unpack_from(self._view, position)[0]

    def get_long(self, position):
        return _long_struct.unpack_from(self._view, position)[0]

    def get_ulong(self, position):
        return _ulong_struct.unpack_from(self._view, position)[0]

    def get_float(self, position):
        return _float_struct.unpack_from(self._view, position)[0]

    def get_array(self, position, typecode, length):
        found = array(typecode)
        found.frombytes(self.get(position, length * _SIZEMAP[typecode]))
        if IS_LITTLE:
            found.byteswap()
        return found

    def write(self, *args, **kwargs):
        raise OSError(f"{self._name} is read only")

    def close(self):
        if self.is_closed:
            raise Exception("This file is already closed")  # (as StructFile says it)
        if self.onclose:
            self.onclose(self)
        self.is_closed = True
        self.file.close()
        try:
            self._view.release()
        except BufferError:
            pass  # (something holds a buffer of it: released with that)
        mapping, self._mapping = self._mapping, None
        if mapping is not None:
            try:
                mapping.close()
            except BufferError:
                pass  # a part is still open: the map goes when the last part does


class MappedStorage(FileStorage):
    """The index directory, with compound segment files read as MappedFiles (see above)."""

    def open_file(self, name, **kwargs):
        if not name.endswith(Segment.COMPOUND_EXT):
            return super().open_file(name, **kwargs)
        with open(self._fpath(name), "rb") as handle:
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(memoryview(mapping), name=name, mapping=mapping, **kwargs)




# -- positional reads: the index files not mapped at all -------------------------------------
#
# A mapped file's resident pages count in the RSS of every process that touched them (304 MB
# a gunicorn worker at 100,000 posts), although they are the OS file cache. `PreadStorage`
# reads a compound file with os.pread on one file descriptor instead: the file's pages stay
# in the kernel's page cache (in no process's RSS) and only the bytes being decoded are in
# Python memory. Sequential reads (`read_*`, pickles, lines) and the random `get*` reads each
# go through a small read-ahead buffer, so reading a varint or a short posting block costs one
# system call per READAHEAD bytes, not one per field.

READAHEAD = 4096


class _Descriptor:
    """One open file descriptor of a compound file, closed when the file and every part
    opened from it were closed (or, for a part never closed, when the last is collected)."""

    __slots__ = ("fd", "users", "__weakref__")

    def __init__(self, path: str):
        # Set first: when the file is gone (a newer generation replaced it), open raises and
        # __del__ still runs on this half-made object.
        self.fd, self.users = -1, 0
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.close()

    def close(self, _close=os.close) -> None:  # (os.close bound: __del__ at interpreter exit)
        fd, self.fd = self.fd, -1
        if fd >= 0:
            _close(fd)

    __del__ = close


class _Window:
    """Bytes [base, base + size) of a descriptor's file, read with pread through a read-ahead
    buffer (the buffer is one tuple, replaced whole: a reader in another thread sees either
    the old or the new one)."""

    __slots__ = ("descriptor", "base", "size", "buffer")

    def __init__(self, descriptor: _Descriptor, base: int, size: int):
        self.descriptor, self.base, self.size = descriptor, base, size
        self.buffer = (0, b"")

    def bytes(self, start: int, end: int) -> bytes:
        end = min(end, self.size)
        if end <= start:
            return b""
        at, data = self.buffer
        if at <= start and end <= at + len(data):
            return data[start - at:end - at]
        if end - start >= READAHEAD:
            return os.pread(self.descriptor.fd, end - start, self.base + start)
        data = os.pread(self.descriptor.fd, min(READAHEAD, self.size - start), self.base + start)
        self.buffer = (start, data)
        return data[:end - start]


class _WindowReader(_ViewReader):
    """The read-only file of a PreadFile: _ViewReader's reads over a _Window."""

    __slots__ = ()

    def __init__(self, window: _Window):
        self.view = window
        self.pos = 0

    def _bytes(self, start: int, end: int) -> bytes:
        return self.view.bytes(start, end)

    def _size(self) -> int:
        return self.view.size

    def read(self, size=-1) -> bytes:
        # (pickle.load reads stored fields a few bytes at a time: the buffer hit inline)
        start = self.pos
        if size is not None and size >= 0:
            at, data = self.view.buffer
            if at <= start and start + size <= at + len(data):
                self.pos = start + size
                return data[start - at:start + size - at]
        return super().read(size)

    def close(self) -> None:
        pass


class PreadFile(MappedFile):
    """MappedFile's interface over positional reads of a file (see above): `get` and `get_*`
    read their bytes at the position, `read_*` read from the file's position."""

    def __init__(self, descriptor: _Descriptor, base: int, size: int, name=None, onclose=None):
        descriptor.users += 1
        self._descriptor = descriptor
        self._window = _Window(descriptor, base, size)  # for get and get_*
        self._name = name
        self.file = _WindowReader(_Window(descriptor, base, size))  # for read_*
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        window = self._window
        length = max(0, min(length, window.size - position))
        return PreadFile(self._descriptor, window.base + position, length,
                         name=name or self._name)

    def get(self, position, length):
        return self._window.bytes(position, position + length)

    def _unpack(self, struct, position):
        return struct.unpack(self._window.bytes(position, position + struct.size))[0]

    def get_byte(self, position):
        return self._unpack(_byte_struct, position)

    def get_sbyte(self, position):
        return self._unpack(_sbyte_struct, position)

    def get_int(self, position):
        return self._unpack(_int_struct, position)

    def get_uint(self, position):
        return self._unpack(_uint_struct, position)

    def get_ushort(self, position):
        return self._unpack(_ushort_struct, position)

    def get_long(self, position):
        return self._unpack(_long_struct, position)

    def get_ulong(self, position):
        return self._unpack(_ulong_struct, position)

    def get_float(self, position):
        return self._unpack(_float_struct, position)

    def close(self):
        if self.is_closed:
            raise Exception("This file is already closed")  # (as StructFile says it)
        if self.onclose:
            self.onclose(self)
        self.is_closed = True
        self._window.buffer = self.file.view.buffer = (0, b"")
        self._descriptor.release()


class PreadStorage(FileStorage):
    """The index directory, with compound segment files read as PreadFiles (see above)."""

    def open_file(self, name, **kwargs):
        if not name.endswith(Segment.COMPOUND_EXT):
            return super().open_file(name, **kwargs)
        descriptor = _Descriptor(self._fpath(name))
        try:
            size = os.fstat(descriptor.fd).st_size
        except OSError:
            descriptor.close()
            raise
        return PreadFile(descriptor, 0, size, name=name, **kwargs)


READERS = {"pread": PreadStorage, "mmap": MappedStorage}


def open_index(path: str, reader: str = "pread"):
    """The Whoosh index in directory `path`, read through PreadStorage (or, with
    reader="mmap", MappedStorage)."""
    return READERS[reader](path).open_index()
