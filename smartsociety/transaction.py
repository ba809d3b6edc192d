"""One owner of the commit (issue 18).

Services and views only `db.session.flush()` (to get ids, to meet a unique constraint inside
a savepoint); they never commit. The transaction is committed in exactly one place:

- per request, by `register_transaction(app)`: after the view answered with a status below
  400, the session is committed; after an error answer (4xx/5xx, a `Refused`, an exception)
  it is rolled back. So an action is all-or-nothing, however many rows it touches.
- per CLI command or worker batch, by `committed()` (a `with` block) or `@transactional`.

What listens for a commit (the search change log and inline indexer, page-cache invalidation,
mail after the outbox row is committed) still runs once, after that one commit.

A few writes must survive a refused request (the failed-login counters, a spent one-time
code); those commit explicitly, each with a comment saying why (grep `db.session.commit()`).
"""
import functools
import sqlite3
from contextlib import contextmanager

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartsociety.extensions import db

PENDING_KEY = "after_commit_pending"
READY_KEY = "after_commit_ready"


def _session_in_use() -> bool:
    # Do not create a session for a request that never touched the database (a cached page).
    return db.session.registry.has()


def finish(response: Response) -> Response:
    """Commit what the request did when it succeeded; otherwise forget it."""
    if not _session_in_use():
        return response
    session = db.session()
    if response.status_code < 400:
        if not wrote_nothing(session):
            session.commit()  # an error here becomes the 500 page (and a rollback)
    else:
        session.rollback()
    return response


def wrote_nothing(session: Session) -> bool:
    """Whether committing would change nothing: no pending objects, nothing waiting for a
    commit in `session.info` (after_commit callbacks, the page cache's and the search index's
    notes of a flush), and no transaction open in the database on any of its connections (a
    read on PostgreSQL runs outside one, smartsociety/pgconnections.py; SQLite's driver begins
    one only before a write). Then the commit's machinery (a good part of a read-only
    request's hooks) is skipped: Flask-SQLAlchemy's teardown closes the session, which ends
    the empty transaction. Any doubt (another driver, a connection in a transaction, anything
    in `session.info`) commits as before."""
    if session.new or session.deleted or session.dirty or session.info:
        return False
    transaction = session.get_transaction()
    if transaction is None:
        return True
    for connection in transaction.connections:
        if connection.invalidated:
            return False
        raw = connection.connection.dbapi_connection
        if type(raw).__module__.partition(".")[0] == "psycopg":  # imported only when used
            from psycopg.pq import TransactionStatus

            if raw.info.transaction_status != TransactionStatus.IDLE:
                return False
        elif not isinstance(raw, sqlite3.Connection) or raw.in_transaction:
            return False
    return True


def _rollback_on_exception(error: BaseException | None) -> None:
    # An exception no handler turned into a response (or one raised while answering): nothing
    # of the request is kept. Flask-SQLAlchemy closes the session after this.
    if error is not None and _session_in_use():
        db.session.rollback()


def register_transaction(app: Flask) -> None:
    """Called last by the factory: after-request hooks run in reverse order of registration,
    so the commit comes before the other hooks (logging, caching) see the response."""
    app.after_request(finish)
    app.teardown_request(_rollback_on_exception)


@contextmanager
def committed():
    """For a CLI command or one batch of a worker: commit at the end, roll back on error."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def transactional(function):
    """`committed()` around a whole function (a command, one pass of a loop)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with committed():
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def savepoint():
    """`db.session.begin_nested()` that also holds on SQLite: there the driver begins a
    transaction only before the first INSERT/UPDATE/DELETE, so a SAVEPOINT as the request's
    first write opened a transaction of its own, and releasing it committed at once. Use it
    where a service catches an IntegrityError (a unique race): the clash undoes only the
    savepoint, the request's other writes stay for its one commit."""
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested() as nested:
        yield nested


def after_commit(callback) -> None:
    """Run `callback()` once the current transaction is committed (send the mail whose outbox
    row it holds, remove the file whose row it deleted); forgotten when it is rolled back.
    It runs when the commit is complete, so it may use the session (and commit) itself."""
    db.session.info.setdefault(PENDING_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if PENDING_KEY in session.info:
        session.info.setdefault(READY_KEY, []).extend(session.info.pop(PENDING_KEY))


@event.listens_for(Session, "after_transaction_end")
def _run_ready(session: Session, transaction) -> None:
    # Not in after_commit itself: no SQL can be emitted there, and a mail job needs some.
    if transaction.parent is not None or transaction.nested:
        return
    while session.info.get(READY_KEY):
        session.info[READY_KEY].pop(0)()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint rolled back: the rest still commits
        session.info.pop(PENDING_KEY, None)
