"""Server-Timing: where a page's time went, for benchmarks and operators (bench/search.py).

Off unless SEARCH_SERVER_TIMING. A view names its steps with `lap("search")` (the time since the
request started or since the previous lap) and `add({...})` (steps it measured itself); the
header then lists them, the time this process spent collecting garbage during the request,
the CPU time the request took in this thread (from the first before-request hook to the last
after-request hook: bench/read_heavy.py adds it up per kind of request) and the process id
(which gunicorn worker served it).
"""
import gc
import os
import time

from flask import Flask, current_app, g

# Time this process spent in garbage collection (ms), counted only once timing is on: the
# callback runs on every collection.
_gc_ms = 0.0
_gc_started = 0.0


def _time_gc(phase, _info) -> None:
    global _gc_ms, _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        _gc_ms += (time.perf_counter() - _gc_started) * 1000


def _start() -> None:
    if not current_app.config["SEARCH_SERVER_TIMING"]:
        return
    if _time_gc not in gc.callbacks:
        gc.callbacks.append(_time_gc)
    g.server_timing = {}
    g.server_timing_lap = time.perf_counter()
    g.server_timing_gc = _gc_ms
    g.server_timing_cpu = time.thread_time()


def lap(name: str) -> None:
    """Record step `name`: the time since the previous lap (or the start of the request)."""
    steps = g.get("server_timing")
    if steps is None:
        return
    now = time.perf_counter()
    steps[name] = (now - g.server_timing_lap) * 1000
    g.server_timing_lap = now


def add(timings: dict[str, float]) -> None:
    """Record steps measured elsewhere (ms), e.g. the search engine's own."""
    steps = g.get("server_timing")
    if steps is not None:
        steps.update(timings)


def _header(response):
    steps = g.get("server_timing")
    if steps is not None:
        steps = {**steps, "gc": _gc_ms - g.server_timing_gc,
                 "cpu": (time.thread_time() - g.server_timing_cpu) * 1000}
        response.headers["Server-Timing"] = ", ".join(
            [f"{name};dur={ms:.2f}" for name, ms in steps.items()]
            + [f'worker;desc="{os.getpid()}"'])
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_header)
