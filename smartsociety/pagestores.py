"""Where the page cache keeps its state: the content generations (one process: MemoryGeneration;
all processes: RedisGeneration) and the rendered entries (PageStore, a bounded LRU per process,
also used by other kept things such as the sensor GeoJSON and search pages; SharedStore, the
entries every web process shares through Redis). The rules for when an entry may be served are
in pagecache.py."""
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from smartsociety.pagescopes import GLOBAL

GENERATION_KEY = "smartsociety:content-generation"
SCOPE_KEY = "smartsociety:content-scope:"


class MemoryGeneration:
    """For one process (the embedded default and tests)."""

    def __init__(self):
        self.value = time.time_ns()
        self.scopes: dict[str, int] = {}
        self.lock = threading.Lock()

    def get(self) -> str:
        return str(self.value)

    def get_many(self, scopes: list[str]) -> tuple:
        return (self.value, *(self.scopes.get(s, 0) for s in scopes))

    def bump(self) -> None:
        with self.lock:
            self.value += 1

    def bump_many(self, scopes: set[str]) -> None:
        if GLOBAL in scopes:
            return self.bump()
        with self.lock:
            for scope in scopes:
                self.scopes[scope] = self.scopes.get(scope, 0) + 1


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

    def get_many(self, scopes: list[str]) -> tuple:
        """The global generation and each scope's counter, in one round trip. A scope's counter
        may start again from 0 when Redis restarts; the global one then starts from the clock,
        so no entry stored before the restart matches again."""
        values = self.client.mget([GENERATION_KEY, *(SCOPE_KEY + s for s in scopes)])
        first = self.get() if values[0] is None else values[0].decode()
        return (first, *((v or b"0").decode() for v in values[1:]))

    def bump(self) -> None:
        pipe = self.client.pipeline()
        pipe.set(GENERATION_KEY, time.time_ns(), nx=True)
        pipe.incr(GENERATION_KEY)
        pipe.execute()

    def bump_many(self, scopes: set[str]) -> None:
        if GLOBAL in scopes:
            return self.bump()
        pipe = self.client.pipeline()
        for scope in sorted(scopes):
            pipe.incr(SCOPE_KEY + scope)
        pipe.execute()


@dataclass(frozen=True)
class Entry:
    body: bytes
    mimetype: str
    reader_id: int | None  # the member it was rendered for, for the request log
    version: tuple = ()  # the generations of its scopes, read before it was rendered
    stored_at: float = field(default_factory=time.monotonic)
    extra: dict | None = None  # kept with it in the shared store (JSON), e.g. a search basis


class PageStore:
    """This process's entries, each valid while its scopes' generations stay as they were when
    it was rendered; bounded in bytes (LRU)."""

    def __init__(self, max_bytes: int, seconds: float):
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, version: tuple, key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.version != version or time.monotonic() - entry.stored_at > self.seconds:
                del self.entries[key]
                self.size -= len(entry.body)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)


class SharedStore:
    """Entries every web process can serve (Redis): a page one worker rendered saves the others
    rendering it again. Valid under the same rule as this process's entries: an entry is served
    only while the generations it was rendered under are unchanged.

    Rendering once: a request that misses claims the page for its generations (claim); another
    request that misses the same page under the same generations meanwhile waits, briefly, for
    that render (wait) instead of rendering it too. What it then serves was rendered under the
    generations it read itself, as any entry it serves is."""

    PREFIX = "smartsociety:page:"
    CLAIM = "smartsociety:rendering:"
    CLAIM_SECONDS = 1.0  # a claim whose render failed or was not stored lapses after this
    POLL_SECONDS = 0.003

    def __init__(self, client, seconds: float, max_bytes: int):
        self.client = client
        self.seconds = seconds
        self.max_bytes = max_bytes

    @staticmethod
    def _name(key: str) -> str:
        return SharedStore.PREFIX + hashlib.sha256(key.encode()).hexdigest()

    def get(self, version: tuple, key: str) -> Entry | None:
        entry = self.peek(key)
        if entry is None or entry.version != tuple(str(v) for v in version) or (
                time.monotonic() - entry.stored_at > self.seconds):
            return None
        return Entry(entry.body, entry.mimetype, entry.reader_id, version, entry.stored_at,
                     entry.extra)

    def peek(self, key: str) -> Entry | None:
        """The entry under this key, whatever its generations (versions as strings)."""
        raw = self.client.get(self._name(key))
        if raw is None:
            return None
        head, _, body = raw.partition(b"\n")
        meta = json.loads(head)
        age = time.time() - meta["t"]
        return Entry(body, meta["m"], meta["r"], tuple(meta["v"]), time.monotonic() - age,
                     meta.get("x"))

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        age = time.monotonic() - entry.stored_at
        head = json.dumps({"v": [str(v) for v in entry.version], "m": entry.mimetype,
                           "r": entry.reader_id, "t": time.time() - age,
                           **({"x": entry.extra} if entry.extra is not None else {})}).encode()
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self._name(key), head + b"\n" + entry.body, ex=max(1, int(self.seconds - age)))
        pipe.delete(self._claim_name(key))
        pipe.execute()

    @staticmethod
    def _claim_name(key: str) -> str:
        return SharedStore.CLAIM + hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def _version_text(version: tuple) -> bytes:
        return json.dumps([str(v) for v in version]).encode()

    def claim(self, version: tuple, key: str) -> bool:
        """True: this request renders the page (no other claims it under these generations)."""
        name, mine = self._claim_name(key), self._version_text(version)
        if self.client.set(name, mine, nx=True, px=int(self.CLAIM_SECONDS * 1000)):
            return True
        if self.client.get(name) == mine:
            return False
        # Claimed under other generations (an older render): this one renders under its own.
        self.client.set(name, mine, px=int(self.CLAIM_SECONDS * 1000))
        return True

    def unclaim(self, key: str) -> None:
        self.client.delete(self._claim_name(key))

    def wait(self, version: tuple, key: str, seconds: float) -> Entry | None:
        """The entry another request is rendering under these generations, once it is stored
        (None: not within `seconds`, or it was not stored)."""
        name, mine = self._claim_name(key), self._version_text(version)
        deadline = time.monotonic() + seconds
        while self.client.get(name) == mine:
            if time.monotonic() > deadline:
                return None
            time.sleep(self.POLL_SECONDS)
        return self.get(version, key)
