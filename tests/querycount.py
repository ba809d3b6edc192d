"""Counting the SQL statements a block of code sends, with an engine event listener."""
from contextlib import contextmanager

from sqlalchemy import event


class Counter:
    def __init__(self):
        self.count = 0
        self.statements: list[str] = []


@contextmanager
def count_queries(engine):
    counter = Counter()

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.count += 1
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
