"""Progress of long commands (`search rebuild`, `opendata export`, `demo load`, `privacy
prepare-exports`): counts and an estimate of the time left, drawn by click's progress bar on a
terminal, and nothing at all when the output is not one (cron, logs, jobs, tests).

A service takes a `progress` argument (default QUIET) and calls `start(total)` once and
`advance(n)` as it goes; the command passes `terminal(label)`.
"""
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import click


class Progress:
    """Does nothing: what services get when nobody watches."""

    def start(self, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def iterate(self, items: Iterable) -> Iterator:
        for item in items:
            yield item
            self.advance()


QUIET = Progress()


class _Bar(Progress):
    def __init__(self, label: str, stream):
        self.label = label
        self.stream = stream
        self.bar = None

    def start(self, total: int) -> None:
        self.close()
        self.bar = click.progressbar(length=max(total, 0), label=self.label, show_pos=True,
                                     show_eta=True, show_percent=True, file=self.stream)
        self.bar.__enter__()

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def terminal(label: str, stream=None) -> Iterator[Progress]:
    """A progress bar for LABEL on STREAM (stdout) if it is a terminal; QUIET otherwise."""
    stream = stream if stream is not None else sys.stdout
    if not is_terminal(stream):
        yield QUIET
        return
    bar = _Bar(label, stream)
    try:
        yield bar
    finally:
        bar.close()
