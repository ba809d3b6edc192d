"""Whole-page cache for public GET pages, kept correct by content generations that every
database commit moves: one global generation and one counter per scope (smartsociety/pagescopes.py).

Why it is correct: the generations live where all processes see them (Redis in production) and
are moved in the committing request's `after_commit`, before that request's response is sent. A
commit moves the scopes of every row it wrote (for a comment on case 12: "case:12", and for the
case's new comment count "home", "cases" and "lists"), or the global generation for a row no rule
knows and for bulk statements. A page depends on the global generation and on the scopes of what
it shows (smartsociety/pagescopes.py): a case's own page on "case:<id>", home on "home", the case
lists on "cases", search on "search", a page that names none on "lists", a member's entries also
on "member:<id>". A reader fetches those generations before it reads anything from the database
and stores them with its entry; an entry is served only while they are all unchanged. So an entry
was rendered from data at least as new as its generations, and once a write is acknowledged every
page that shows what it wrote looks under a newer one, while the page of another case, or the
principles, stay cached. The search indexer moves "search" (and the case pages' similar
solutions), so search pages follow the index. Entries also expire after PAGE_CACHE_SECONDS, which
bounds anything that changes with the clock alone.

Where: each process keeps its own entries, and with Redis also shares them (SharedStore), so a
page one gunicorn worker rendered is served by the others until its generations move.

What is cached: only views decorated with `cached_page`, only 200 HTML responses that did not
touch the session or set a cookie, never while flash messages wait. Members get their own
entries (keyed by their session token and CSRF secret, so forms in the page stay theirs);
anonymous readers share one entry per language.
"""
import hashlib
import logging
import time
from functools import wraps

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartsociety.extensions import limiter, login_manager
from smartsociety.i18n import visitor_locale
from smartsociety.pagescopes import (
    GLOBAL,
    INDEXED_ON_CASE_PAGES,
    LISTS,
    SEARCH,
    index_scope,
    member_scope,
    scopes_of,
)
from smartsociety.pagestores import (
    Entry,
    MemoryGeneration,
    PageStore,
    RedisGeneration,
    SharedStore,
)

log = logging.getLogger(__name__)

WAIT_SECONDS = 0.15  # at most this long for another worker's render of the same page


class PageCache:
    def __init__(self, generation, store: PageStore, moves_log: str = "",
                 shared: SharedStore | None = None):
        self.generation = generation
        self.store = store
        self.shared = shared
        self.moves_log = moves_log  # a file to note every move in (benchmarks), or ""

    def log_move(self, scopes, wrote: str) -> None:
        """One line per move: who wrote (request or process), what, and the scopes moved; lines
        under PIPE_BUF bytes appended with O_APPEND do not interleave between processes."""
        source = f"{request.method} {request.url_rule}" if has_request_context() else "job"
        kinds = ",".join(sorted({k.partition(":")[0] + (":*" if ":" in k else "")
                                 for k in scopes}))
        line = f"{source}\t{wrote}\t{kinds}\n"
        with open(self.moves_log, "a", encoding="utf-8") as out:
            out.write(line[:500])

    def get(self, version: tuple, key: str) -> Entry | None:
        if self.moves_log and has_request_context():  # benchmarks: say why a page missed
            g.page_cache_miss = self.why_missed(version, key)
        hit = self.store.get(version, key)
        if hit is None and self.shared is not None:
            try:
                hit = self.shared.get(version, key)
            except Exception:
                log.exception("page cache: shared entries unavailable")
            if hit is None and key.startswith("a:"):
                hit = self._rendered_by_another(version, key)
            if hit is not None:
                self.store.put(key, hit)
        return hit

    def _rendered_by_another(self, version: tuple, key: str) -> Entry | None:
        """An anonymous page that another request is rendering under these generations right
        now (after a write, several readers miss the same page at once): its render, rather
        than one more. None: this request renders it."""
        try:
            if self.shared.claim(version, key):
                return None
            return self.shared.wait(version, key, WAIT_SECONDS)
        except Exception:
            log.exception("page cache: shared entries unavailable")
            return None

    def why_missed(self, version: tuple, key: str) -> str:
        """"absent" (never stored here or in the shared store, or dropped), "expired", or
        "moved:<scopes>" (stored under generations of which these have moved since)."""
        entry = self.store.entries.get(key)
        if entry is None and self.shared is not None:
            try:
                entry = self.shared.peek(key)
            except Exception:
                entry = None
        if entry is None:
            return "absent"
        if time.monotonic() - entry.stored_at > self.store.seconds:
            return "expired"
        names = [GLOBAL, *g.get("page_cache_scopes", ())]
        moved = [names[i] if i < len(names) else str(i)
                 for i, (old, new) in enumerate(zip(entry.version, version))
                 if str(old) != str(new)]
        return "moved:" + ",".join(sorted({m.partition(":")[0] for m in moved})) if moved \
            else "hit"

    def put(self, key: str, entry: Entry) -> None:
        self.store.put(key, entry)
        if self.shared is not None:
            try:
                self.shared.put(key, entry)
            except Exception:
                log.exception("page cache: could not share an entry")

    def unclaim(self, key: str) -> None:
        if self.shared is not None:
            try:
                self.shared.unclaim(key)
            except Exception:
                log.exception("page cache: shared entries unavailable")

    def current_version(self, scopes: list[str]) -> tuple | None:
        if self.moves_log and has_request_context():
            g.page_cache_scopes = scopes
        try:
            return self.generation.get_many(scopes)
        except Exception:
            log.exception("page cache: generation unavailable; serving uncached")
            return None

    def invalidate(self, scopes: set[str] = frozenset({GLOBAL}), wrote: str = "") -> None:
        if self.moves_log:
            self.log_move(scopes, wrote)
        try:
            self.generation.bump_many(set(scopes))
        except Exception:
            # Readers that cannot reach the generation either serve uncached pages.
            log.exception("page cache: could not move the generation")


def _cache() -> PageCache | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("pagecache")


def invalidate(scopes=frozenset({GLOBAL}), wrote: str = "") -> None:
    """The cached pages of these scopes (by default: every page) are stale from now on (called
    after commits and index updates)."""
    cache = _cache()
    if cache is not None:
        cache.invalidate(scopes, wrote)


def invalidate_index(doc_types: set[str] | None = None) -> None:
    """The search index changed: the search pages show it, and a case's own page shows solutions
    the index finds similar (so it depends on the solution documents). No other page reads the
    index."""
    shown = INDEXED_ON_CASE_PAGES if doc_types is None else doc_types & INDEXED_ON_CASE_PAGES
    invalidate({SEARCH, *(index_scope(t) for t in shown)},
               "index:" + ",".join(sorted(doc_types or {"*"})))


WROTE_KEY = "pagecache_wrote"
WROTE_TYPES_KEY = "pagecache_wrote_types"  # for the moves log only


def _note(session: Session, scopes: set[str], wrote: str) -> None:
    session.info.setdefault(WROTE_KEY, set()).update(scopes)
    session.info.setdefault(WROTE_TYPES_KEY, set()).add(wrote)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    scopes: set[str] = set()
    # An object in `dirty` whose attributes were set to what they were writes nothing.
    changed = [*session.new, *(o for o in session.dirty if session.is_modified(o)),
               *session.deleted]
    for obj in changed:
        scopes |= scopes_of(obj)
        if GLOBAL in scopes:
            break
    # A flush without objects (e.g. only association rows) is still a write.
    wrote = ",".join(sorted({type(o).__name__ for o in changed})) or "rows"
    _note(session, scopes or {GLOBAL}, wrote)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, {GLOBAL}, "statement")  # rows unknown: every page


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    # Only commits that wrote: the search worker commits read-only transactions all the time.
    scopes = session.info.pop(WROTE_KEY, None)
    wrote = ";".join(sorted(session.info.pop(WROTE_TYPES_KEY, ())))
    if scopes:
        invalidate({GLOBAL} if GLOBAL in scopes else scopes, wrote)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # A savepoint rolled back leaves the outer transaction's writes still to be committed.
    if not previous_transaction.nested:
        session.info.pop(WROTE_KEY, None)
        session.info.pop(WROTE_TYPES_KEY, None)


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


def anonymous_reader() -> str | None:
    """"a:<language>" for an anonymous reader whose page may be shared with other anonymous
    readers (no flash messages waiting, no log-in cookie), else None."""
    reader = _reader_key()
    return reader if reader is not None and reader.startswith("a:") else None


def _page_scopes(reader: str, scope) -> list[str]:
    scopes = [scope] if isinstance(scope, str) else list(scope or [LISTS])
    if reader.startswith("m:"):
        # The session holds a login token, not the id: one query by primary key.
        scopes.append(member_scope(current_user.id if current_user.is_authenticated else 0))
    return scopes


def cached_page(view=None, *, scope=None):
    """Serve this GET view from the page cache when it is on (see the module docstring).

    `scope` names the scopes the page shows besides global data (smartsociety/pagescopes.py):
    a scope, a list of them, or `scope(**view_args)` returning them (a case's own page:
    "case:<id>"); without it the page depends on "lists", which every scoped write moves."""
    if view is None:
        return lambda view: cached_page(view, scope=scope)
    if scope is not None and not callable(scope):
        fixed = scope
        scope = lambda **_kwargs: fixed  # noqa: E731

    def page_scopes(**kwargs):
        return scope(**kwargs) if scope else None

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("pagecache")
        if cache is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        early = g.pop("page_cache_early", None)
        if early is not None:  # found by `_early_hit` before the other hooks
            return _hit_response(early)
        reader = _reader_key()
        looked_up = g.pop("page_cache_lookup", None)
        if looked_up is not None and looked_up[0] == reader:
            # `_early_hit` read them: no second round trip
            _reader, key, scopes, version = looked_up
        else:
            version = None
            if reader:
                scopes = _page_scopes(reader, page_scopes(**kwargs))
                version = cache.current_version(scopes)
            if version is None:
                return view(*args, **kwargs)
            key = f"{reader}\0{request.full_path}"
            hit = cache.get(version, key)
            if hit is not None:
                return _hit_response(hit)
        # What the page is rendered under, for its parts kept the same way (fragments.py).
        g.page_cache_version = (scopes, version)
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.direct_passthrough
                and not session.modified and "Set-Cookie" not in response.headers
                and not g.get("page_cache_skip")):
            reader_id = current_user.id if current_user.is_authenticated else None
            cache.put(key, Entry(response.get_data(), response.mimetype, reader_id, version))
            response.headers["X-Page-Cache"] = "miss"
        elif key.startswith("a:"):
            cache.unclaim(key)  # no one waits for a page that is not stored
        if g.get("page_cache_miss"):  # benchmarks only (PAGE_CACHE_MOVES_LOG)
            response.headers["X-Page-Cache-Miss"] = g.page_cache_miss
            if g.get("page_parts"):  # how many of its case cards were kept (fragments.py)
                response.headers["X-Page-Cache-Parts"] = f"{g.page_parts_kept}/{g.page_parts}"
        return response

    wrapper.page_cached = True
    wrapper.page_cache_scopes = page_scopes
    return wrapper


def _hit_response(hit: Entry) -> Response:
    g.page_reader_id = hit.reader_id
    return Response(hit.body, mimetype=hit.mimetype, headers={"X-Page-Cache": "hit"})


def _early_hit():
    """An anonymous reader's GET of a cached page, answered from the cache before the other
    before-request hooks (rate limits, log-in, suspension and terms checks, CSRF: none of them
    applies to an anonymous read) and before Flask-Login looks for a member. The view is still
    called through its outer decorators (a case page's view count), and every after-request
    hook runs as for any page (security headers, CSP). A miss only keeps the generations it read
    for the view's wrapper, so they are read once."""
    cache = current_app.extensions.get("pagecache")
    if (cache is None or request.method not in ("GET", "HEAD")
            or request.routing_exception is not None or "Authorization" in request.headers):
        return None
    view = current_app.view_functions.get(request.endpoint)
    scopes = getattr(view, "page_cache_scopes", None)
    if scopes is None:
        return None
    reader = anonymous_reader()
    if reader is None:
        return None
    page_scopes = _page_scopes(reader, scopes(**request.view_args))
    version = cache.current_version(page_scopes)
    if version is None:
        return None
    key = f"{reader}\0{request.full_path}"
    hit = cache.get(version, key)
    if hit is None:
        g.page_cache_lookup = (reader, key, page_scopes, version)
        return None
    g._login_user = login_manager.anonymous_user()  # known: no member's session or cookie
    g.page_cache_early = hit
    return current_app.ensure_sync(view)(**request.view_args)


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
    shared = None
    if backend == "redis":
        generation = RedisGeneration(app.config["REDIS_URL"])
        shared = SharedStore(generation.client, app.config["PAGE_CACHE_SECONDS"],
                             app.config["PAGE_CACHE_MAX_BYTES"] // 4)
    elif backend == "memory":
        generation = MemoryGeneration()
    else:
        raise RuntimeError(f"PAGE_CACHE must be off, memory or redis, not {backend!r}")
    store = PageStore(app.config["PAGE_CACHE_MAX_BYTES"], app.config["PAGE_CACHE_SECONDS"])
    app.extensions["pagecache"] = PageCache(generation, store,
                                            app.config.get("PAGE_CACHE_MOVES_LOG", ""), shared)
    # After talisman's HTTPS redirect and nonce, the request log's and Server-Timing's start;
    # before the rate limiter (moved behind it: its bookkeeping was a tenth of a hit) and every
    # hook registered later (blueprints' log-in, suspension and terms checks).
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.append(_early_hit)
    for hook in [h for h in hooks if getattr(h, "__self__", None) is limiter]:
        hooks.remove(hook)
        hooks.append(hook)
