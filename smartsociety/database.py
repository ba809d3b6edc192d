"""Engine settings that are not configuration: SQLite pragmas for the embedded default, and
PostgreSQL connections without needless round trips (smartsociety/pgconnections.py)."""
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Instead of `db.init_app(app)`."""
    from smartsociety.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    postgres = url.startswith("postgresql+psycopg://")
    if postgres:
        # pgconnections checks a connection on checkout without the pre-ping's round trip.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        # Sessions in UTC from the start-up packet on (no SET round trip): pgconnections.
        connect_args = dict(options.get("connect_args", {}))
        if "options=" not in url and "options" not in connect_args:
            connect_args["options"] = "-c TimeZone=UTC"
            options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if postgres:
        from smartsociety import pgconnections  # imports psycopg: not on SQLite

        with app.app_context():
            pgconnections.init_app(app, db.engines.values())
