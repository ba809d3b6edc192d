"""The register's GeoJSON, served as stored bytes (issue 20: 10,000 sensors in ≤ 200 ms).

Building the FeatureCollection of 10,000 sensors costs the database and this process tens of
milliseconds of CPU, and the 3 MB answer as much again to compress. Readers ask for the same few
collections (the whole register, the page's default, a gemeente) far more often than the register
changes, so each collection is kept here, per language and filters, as its bytes, their gzip
form and their ETag.

Why it is never stale: an entry is stored with the page cache's generations (smartsociety/
pagecache.py) of the register's scope, read *before* the collection was built from the database,
and is served only while they are unchanged. Every commit that writes a sensor, an organisation
(names shown in the properties) or anything else without a narrower rule moves the global
generation in its `after_commit`, before its response is sent; so once a write is acknowledged,
the next read builds anew. Comments, cases and other writes with their own scopes leave the
entries alone. Without a page cache (`PAGE_CACHE=off`: no shared generation) nothing is kept and
every request builds; entries also expire after PAGE_CACHE_SECONDS.

The GeoJSON is the same for every reader (only accepted registrations, no per-member view), so
one entry serves everyone; members share it too. Bounded in bytes per process (LRU)."""
import gzip
import hashlib
import time
from dataclasses import astuple, dataclass, field

from flask import Response, current_app, request
from flask_babel import get_locale

from smartsociety.pagescopes import SENSOR_REGISTER
from smartsociety.pagestores import PageStore
from smartsociety.sensors import queries

MEDIA_TYPE = "application/geo+json"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Fast compression: level 1 makes the 3 MB collection ~7x smaller in a few milliseconds; the
# bytes are compressed once per entry, not per request.
GZIP_LEVEL = 1


@dataclass
class Collection:
    body: bytes
    etag: str
    version: tuple | None
    stored_at: float = field(default_factory=time.monotonic)
    _gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, GZIP_LEVEL, mtime=0)
        return self._gzipped


def _store() -> PageStore:
    store = current_app.extensions.get("sensor-geojson")
    if store is None:
        # The page cache's own bounded LRU store (its gzip form, made later, is not counted).
        store = current_app.extensions["sensor-geojson"] = PageStore(
            current_app.config.get("SENSOR_GEOJSON_CACHE_BYTES", DEFAULT_MAX_BYTES),
            current_app.config["PAGE_CACHE_SECONDS"])
    return store


def _version() -> tuple | None:
    cache = current_app.extensions.get("pagecache")
    if cache is None:
        return None
    return cache.current_version([SENSOR_REGISTER])


def collection(filters: queries.SensorFilter) -> Collection:
    """The FeatureCollection for these filters, from the store when still current."""
    version = _version()  # before reading the database: see the module docstring
    key = (str(get_locale()), request.script_root, astuple(filters))
    if version is not None:
        found = _store().get(version, key)
        if found is not None:
            return found
    body = queries.geojson(filters).encode()
    entry = Collection(body, hashlib.blake2b(body, digest_size=16).hexdigest(), version)
    if version is not None:
        _store().put(key, entry)
    return entry


def response(filters: queries.SensorFilter) -> Response:
    """200 with the collection (gzip when the reader accepts it), or 304 when the reader's
    copy (If-None-Match) is current. The ETag is weak: the same for both encodings."""
    entry = collection(filters)
    gzipped = request.accept_encodings.quality("gzip") > 0
    resp = Response(entry.gzipped() if gzipped else entry.body, mimetype=MEDIA_TYPE)
    if gzipped:
        # Flask-Compress leaves a response that already has an encoding alone.
        resp.headers["Content-Encoding"] = "gzip"
    resp.vary.add("Accept-Encoding")
    resp.set_etag(entry.etag, weak=True)
    resp.headers["Cache-Control"] = "no-cache"  # may be kept, but asked again (ETag) each time
    return resp.make_conditional(request)
