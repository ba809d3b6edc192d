"""Timestamps in UTC without a call per value (issue 23, item 3): on PostgreSQL every session
runs in UTC (smartsociety/pgconnections.py), so psycopg returns `datetime.UTC`-zoned values
and UTCDateTime (models/base.py) has no result processor there; on SQLite it still has one."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
import sqlalchemy as sa

from smartsociety.extensions import db as _db
from smartsociety.models.base import UTCDateTime
from smartsociety.pgconnections import in_utc
from tests.conftest import USE_POSTGRES

postgres_only = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL sessions")

# Amsterdam's summer time began an hour before: UTC+2.
MOMENT = datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _read_back(moment: datetime) -> datetime:
    return _db.session.scalar(sa.select(sa.literal(moment, UTCDateTime())))


def test_a_timestamp_reads_back_as_the_same_moment_in_utc(app, db):
    read = _read_back(MOMENT)
    assert read == MOMENT and read.tzinfo is UTC
    assert read.isoformat() == "2026-03-29T01:30:00+00:00"
    assert _db.session.scalar(sa.select(sa.cast(None, UTCDateTime()))) is None


def test_the_result_processor_is_skipped_only_on_utc_sessions(app, db):
    processor = UTCDateTime()._cached_result_processor(db.engine.dialect, None)
    assert (processor is None) == USE_POSTGRES


@postgres_only
def test_the_apps_sessions_run_in_utc(app, db):
    assert db.session.scalar(sa.text("SHOW TimeZone")) == "UTC"
    assert db.session.scalar(sa.text("SELECT now()")).tzinfo is UTC


@postgres_only
def test_a_url_with_options_of_its_own_still_gets_utc_sessions(app_config, another_app):
    url = app_config["SQLALCHEMY_DATABASE_URI"] + "?options=-c%20TimeZone%3DEurope%2FAmsterdam"
    other = another_app(SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        assert _db.session.scalar(sa.text("SHOW TimeZone")) == "UTC"
        read = _read_back(MOMENT)
        assert read == MOMENT and read.tzinfo is UTC
        _db.session.remove()


@postgres_only
def test_a_session_in_another_zone_is_set_to_utc_for_good(app_config):
    url = app_config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, options="-c TimeZone=Europe/Amsterdam") as connection:
        assert connection.info.timezone is not UTC
        in_utc(connection)
        connection.rollback()  # the SET was no part of a transaction to undo
        assert connection.execute("SHOW TimeZone").fetchone()[0] == "UTC"
        assert connection.info.timezone is UTC
        assert not connection.autocommit
