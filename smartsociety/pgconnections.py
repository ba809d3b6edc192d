"""PostgreSQL connections without the round trips a read does not need (issue 23, item 3).

A read-only GET with two queries used to make five round trips: a pre-ping (`SELECT 1`), the
`BEGIN` psycopg sends before the first query, the two queries, and the `COMMIT` of
`transaction.finish`. Now it makes two:

- Reads of a safe request (GET, HEAD, OPTIONS) run in psycopg's autocommit mode: no BEGIN, and
  the commit at the end has nothing to send. At READ COMMITTED (PostgreSQL's default, the
  only level this app uses) every statement of a transaction takes its own snapshot anyway, so
  a plain SELECT sees the same rows inside or outside one.
- Before the first statement that is not a plain SELECT (INSERT, UPDATE, DELETE, SAVEPOINT,
  SET, a CTE, `SELECT ... FOR UPDATE/SHARE`, or a call of a function that acts: advisory locks,
  sequences, transaction ids) the connection leaves autocommit: psycopg sends BEGIN, and that
  statement and everything after it in the request is one transaction, committed or rolled
  back by `transaction.finish` as before. A GET that writes stays all-or-nothing, and a row
  lock is held until the commit.
- Instead of SQLAlchemy's `pool_pre_ping` (one round trip per checkout), a checkout looks at the
  connection's socket without a round trip: when PostgreSQL ends a backend (a restart,
  `pg_terminate_backend`, an idle timeout) it sends a last message and closes the socket, so
  an idle connection whose socket has anything to read is pinged, and replaced if dead. A
  connection idle for more than `SQLALCHEMY_PING_AFTER_SECONDS` is pinged as before (a
  connection dropped without a word, e.g. by a firewall, shows nothing on its socket).

- Every connection's session runs in UTC (`TimeZone`, asked for in the connection's start-up
  packet by smartsociety/database.py, set here if the server ignored that): psycopg then
  returns timestamps with `datetime.UTC` as their zone, the value models/base.py's UTCDateTime
  promises, and that type skips its call per value on this engine. No query of the app depends
  on the session's zone (timestamps are stored as `timestamptz`, dates are made in Python).

SQLite is left as it was.
"""
import re
import select
import time
from datetime import UTC

import psycopg
from flask import Flask, has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from smartsociety.models.base import UTC_SESSIONS

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDLE_SINCE = "idle_since"
READS_OUTSIDE = "reads_outside_transaction"

_PLAIN_SELECT = re.compile(r"\s*SELECT\s", re.IGNORECASE)
# A SELECT that locks or changes something must run in the request's transaction.
_ACTS = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b"
    r"|\b(?:pg_\w+|txid_\w+|nextval|setval|set_config|lo_\w+|dblink\w*)\s*\(",
    re.IGNORECASE,
)


# Verdicts by statement: SQLAlchemy sends the same few hundred strings again and again (its
# compiled cache), and the search through a long SELECT cost more than the dict lookup.
_verdicts: dict[str, bool] = {}


def is_plain_read(statement: str) -> bool:
    verdict = _verdicts.get(statement)
    if verdict is None:
        verdict = bool(_PLAIN_SELECT.match(statement)) and not _ACTS.search(statement)
        if len(_verdicts) > 5000:  # statements built with literal values: not worth keeping
            _verdicts.clear()
        _verdicts[statement] = verdict
    return verdict


def _idle_since(dbapi_connection, record) -> None:
    if record is not None:
        record.info[IDLE_SINCE] = time.monotonic()


def _socket_has_news(connection: psycopg.Connection) -> bool:
    """Anything to read on an idle connection: most likely the server's goodbye (or EOF)."""
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _alive(connection: psycopg.Connection, idle: float, ping_after: float) -> bool:
    try:
        if idle > ping_after or connection.broken or _socket_has_news(connection):
            connection.autocommit = True  # the ping is no transaction of its own
            connection.execute("SELECT 1").close()
        return True
    except psycopg.Error:  # a closed connection raises on `.pgconn.socket` already
        return False


def in_utc(connection: psycopg.Connection) -> None:
    """The session's zone UTC: a round trip only if the start-up options did not set it."""
    if connection.pgconn.parameter_status(b"TimeZone") != b"UTC":
        autocommit = connection.autocommit
        connection.autocommit = True  # a SET in a transaction is undone by its rollback
        connection.execute("SET TIME ZONE 'UTC'").close()
        connection.autocommit = autocommit
    if connection.info.timezone is not UTC:
        raise RuntimeError("the PostgreSQL session's TimeZone is not UTC")


def install(engine: Engine, ping_after: float) -> None:
    """Listeners on one PostgreSQL engine (its pool's events survive `engine.dispose()`)."""

    @event.listens_for(engine.pool, "connect")
    def _connected(dbapi_connection, record) -> None:
        in_utc(dbapi_connection)
        _idle_since(dbapi_connection, record)

    # UTCDateTime reads its values as psycopg returns them (models/base.py).
    setattr(engine.dialect, UTC_SESSIONS, True)

    event.listen(engine.pool, "checkin", _idle_since)

    @event.listens_for(engine.pool, "checkout")
    def _checkout(dbapi_connection, record, proxy) -> None:
        idle = time.monotonic() - record.info.get(IDLE_SINCE, 0.0)
        if not _alive(dbapi_connection, idle, ping_after):
            # As pool_pre_ping did: a restart ended every connection opened before it.
            raise exc.InvalidatePoolError("connection found closed on checkout")
        reads_outside = has_request_context() and request.method in SAFE_METHODS
        if dbapi_connection.autocommit != reads_outside:  # the setter runs a psycopg generator
            dbapi_connection.autocommit = reads_outside
        record.info[READS_OUTSIDE] = reads_outside

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_acting(conn, cursor, statement, parameters, context, executemany) -> None:
        info = conn.info
        if info.get(READS_OUTSIDE) and not is_plain_read(statement):
            info[READS_OUTSIDE] = False
            cursor.connection.autocommit = False  # psycopg sends BEGIN before this statement


def init_app(app: Flask, engines) -> None:
    for engine in engines:
        if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            install(engine, app.config["SQLALCHEMY_PING_AFTER_SECONDS"])
