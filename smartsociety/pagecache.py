"""Whole-page cache for public GET pages, kept correct by a content generation that every
database commit moves.

Why it is correct: the generation lives where all processes see it (Redis in production) and is
moved in the committing request's `after_commit`, before that request's response is sent. A
reader fetches the generation before it reads anything from the database, so an entry stored
under generation g was rendered from data at least as new as g; once a write is acknowledged,
every later request looks under a newer generation. The search indexer moves the generation too,
so search pages follow the index. Entries also expire after PAGE_CACHE_SECONDS, which bounds
anything that changes with the clock alone.

What is cached: only views decorated with `cached_page`, only 200 HTML responses that did not
touch the session or set a cookie, never while flash messages wait. Members get their own
entries (keyed by their session token and CSRF secret, so forms in the page stay theirs);
anonymous readers share one entry per language.
"""
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartsociety.extensions import limiter
from smartsociety.i18n import visitor_locale

log = logging.getLogger(__name__)

GENERATION_KEY = "smartsociety:content-generation"


class MemoryGeneration:
    """For one process (the embedded default and tests)."""

    def __init__(self):
        self.value = time.time_ns()
        self.lock = threading.Lock()

    def get(self) -> str:
        return str(self.value)

    def bump(self) -> None:
        with self.lock:
            self.value += 1


class RedisGeneration:
    """Shared by every web process, the search worker and command-line jobs."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self) -> str:
        value = self.client.get(GENERATION_KEY)
        if value is None:
            # Start from the clock, so a restarted Redis never repeats an earlier generation.
            self.client.set(GENERATION_KEY, time.time_ns(), nx=True)
            value = self.client.get(GENERATION_KEY)
        return value.decode()

    def bump(self) -> None:
        pipe = self.client.pipeline()
        pipe.set(GENERATION_KEY, time.time_ns(), nx=True)
        pipe.incr(GENERATION_KEY)
        pipe.execute()


@dataclass(frozen=True)
class Entry:
    body: bytes
    mimetype: str
    reader_id: int | None  # the member it was rendered for, for the request log
    stored_at: float = field(default_factory=time.monotonic)


class PageStore:
    """This process's entries for the current generation only, bounded in bytes (LRU)."""

    def __init__(self, max_bytes: int, seconds: float):
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.generation = None
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def _switch(self, generation: str) -> None:
        if generation != self.generation:
            self.entries.clear()
            self.size = 0
            self.generation = generation

    def get(self, generation: str, key: str) -> Entry | None:
        with self.lock:
            self._switch(generation)
            entry = self.entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry.stored_at > self.seconds:
                del self.entries[key]
                self.size -= len(entry.body)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, generation: str, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            if generation != self.generation:
                return  # rendered under a generation that has already moved on
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)


class PageCache:
    def __init__(self, generation, store: PageStore):
        self.generation = generation
        self.store = store

    def current_generation(self) -> str | None:
        try:
            return self.generation.get()
        except Exception:
            log.exception("page cache: generation unavailable; serving uncached")
            return None

    def invalidate(self) -> None:
        try:
            self.generation.bump()
        except Exception:
            # Readers that cannot reach the generation either serve uncached pages.
            log.exception("page cache: could not move the generation")


def _cache() -> PageCache | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("pagecache")


def invalidate() -> None:
    """Every cached page is stale from now on (called after commits and index updates)."""
    cache = _cache()
    if cache is not None:
        cache.invalidate()


WROTE_KEY = "pagecache_wrote"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    session.info[WROTE_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE_KEY] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    # Only commits that wrote: the search worker commits read-only transactions all the time.
    if session.info.pop(WROTE_KEY, False):
        invalidate()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # A savepoint rolled back leaves the outer transaction's writes still to be committed.
    if not previous_transaction.nested:
        session.info.pop(WROTE_KEY, None)


def dont_store() -> None:
    """Keep this request's page out of the cache (it shows something already out of date)."""
    g.page_cache_skip = True


def _reader_key() -> str | None:
    """Who the page is rendered for, or None when this request must not use the cache."""
    if "_flashes" in session:
        return None
    user = session.get("_user_id")
    if user:
        secret = f"{user}\0{session.get('csrf_token', '')}"
        return "m:" + hashlib.sha256(secret.encode()).hexdigest()
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return None  # Flask-Login logs this reader in on first use of current_user
    return "a:" + visitor_locale()


def cached_page(view):
    """Serve this GET view from the page cache when it is on (see the module docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("pagecache")
        if cache is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        reader = _reader_key()
        generation = cache.current_generation() if reader else None
        if generation is None:
            return view(*args, **kwargs)
        key = f"{reader}\0{request.full_path}"
        hit = cache.store.get(generation, key)
        if hit is not None:
            g.page_reader_id = hit.reader_id
            return Response(hit.body, mimetype=hit.mimetype, headers={"X-Page-Cache": "hit"})
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.direct_passthrough
                and not session.modified and "Set-Cookie" not in response.headers
                and not g.get("page_cache_skip")):
            reader_id = current_user.id if current_user.is_authenticated else None
            cache.store.put(generation, key,
                            Entry(response.get_data(), response.mimetype, reader_id))
            response.headers["X-Page-Cache"] = "miss"
        return response

    wrapper.page_cached = True
    return wrapper


@limiter.request_filter
def _is_cached_page() -> bool:
    """Reading public pages has no rate limit; skipping the limiter's bookkeeping for them saves
    a tenth of the time of a page from the cache."""
    view = current_app.view_functions.get(request.endpoint)
    return request.method in ("GET", "HEAD") and getattr(view, "page_cached", False)


def init_app(app: Flask) -> None:
    backend = app.config["PAGE_CACHE"]
    if backend == "off":
        return
    if backend == "redis":
        generation = RedisGeneration(app.config["REDIS_URL"])
    elif backend == "memory":
        generation = MemoryGeneration()
    else:
        raise RuntimeError(f"PAGE_CACHE must be off, memory or redis, not {backend!r}")
    store = PageStore(app.config["PAGE_CACHE_MAX_BYTES"], app.config["PAGE_CACHE_SECONDS"])
    app.extensions["pagecache"] = PageCache(generation, store)
