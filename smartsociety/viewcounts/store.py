"""Where views wait until `flask views flush` adds them to the database: Redis in production, an
append-only file in the instance folder for the embedded default.

Both hand out pending views as batches with an id: taking a batch moves the pending views aside
atomically (RENAME of a Redis hash, rename(2) of the file), so views recorded meanwhile wait for
the next batch. A batch is deleted only after its id was committed with its counts, so a crash
at any point means the batch is either retried (not yet committed) or skipped (committed)."""
import hashlib
import os
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

PREFIX = "smartsociety:views:"

# Count a viewer's view of a page once per window: SET NX EX, and only if new, HINCRBY. Either
# way the key's remaining life in milliseconds comes back, so the calling process can skip this
# viewer until then, also when another process counted the view (it used to learn nothing from
# a refused view and asked again on every repeat).
_RECORD = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return redis.call('PTTL', KEYS[1])
"""


def viewer_key(target: str, viewer: str) -> str:
    return hashlib.sha256(f"{target}\0{viewer}".encode()).hexdigest()[:32]


COUNTED_MAX = 20_000  # viewer keys a process remembers (about 3 MB at most)


class RedisViews:
    def __init__(self, url: str, window: int):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.window = window
        self.script = self.client.register_script(_RECORD)
        # Viewer keys this process saw in Redis, with when (at the latest) they expire there: a
        # repeat view before then would be refused by the script anyway, so it costs no round
        # trip.
        self.counted: dict[str, float] = {}
        self.lock = threading.Lock()

    def record(self, target: str, viewer: str) -> None:
        key = viewer_key(target, viewer)
        now = time.monotonic()
        if self.counted.get(key, now) > now:
            return
        ttl_ms = self.script(keys=[PREFIX + "seen:" + key, PREFIX + "pending"],
                             args=[self.window, target])
        if ttl_ms > 0:  # -1/-2 (no expiry, gone) cannot follow the SET; remember nothing then
            with self.lock:
                if len(self.counted) >= COUNTED_MAX:
                    # Only a saving of round trips: when pruning frees too little, start over
                    # rather than prune on every view (and keep a worker's memory bounded).
                    kept = {k: t for k, t in self.counted.items() if t > now}
                    self.counted = kept if len(kept) < COUNTED_MAX // 2 else {}
                # `now` was read before the call, so this is never later than the key's expiry.
                self.counted[key] = now + ttl_ms / 1000

    def take(self) -> list[tuple[str, Counter]]:
        import redis

        try:
            self.client.rename(PREFIX + "pending", PREFIX + "batch:" + uuid.uuid4().hex)
        except redis.ResponseError:
            pass  # nothing pending
        batches = []
        for key in self.client.scan_iter(match=PREFIX + "batch:*"):
            counts = Counter({k.decode(): int(v) for k, v in self.client.hgetall(key).items()})
            batches.append((key.decode().removeprefix(PREFIX + "batch:"), counts))
        return batches

    def done(self, batch_id: str) -> None:
        self.client.delete(PREFIX + "batch:" + batch_id)


class FileViews:
    """One process per machine reading, any number appending (O_APPEND writes of one short line
    do not interleave)."""

    def __init__(self, directory: str, window: int):
        self.directory = Path(directory)
        self.window = window
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()

    def _first_view(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.seen) > 100_000:
                self.seen = {k: t for k, t in self.seen.items() if now - t < self.window}
            if now - self.seen.get(key, -self.window - 1) < self.window:
                return False
            self.seen[key] = now
            return True

    def record(self, target: str, viewer: str) -> None:
        if not self._first_view(viewer_key(target, viewer)):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / "pending.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{target}\n".encode())
        finally:
            os.close(fd)

    def take(self) -> list[tuple[str, Counter]]:
        pending = self.directory / "pending.log"
        if pending.exists():
            os.rename(pending, self.directory / f"batch-{uuid.uuid4().hex}.log")
        batches = []
        for path in sorted(self.directory.glob("batch-*.log")):
            counts = Counter(line for line in path.read_text().split("\n") if line)
            batches.append((path.stem.removeprefix("batch-"), counts))
        return batches

    def done(self, batch_id: str) -> None:
        (self.directory / f"batch-{batch_id}.log").unlink(missing_ok=True)
