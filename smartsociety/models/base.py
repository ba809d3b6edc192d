"""Declarative base shared by every model: naming convention, UTC timestamps, string enums."""
import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set on a dialect whose every connection has TimeZone UTC (smartsociety/pgconnections.py).
UTC_SESSIONS = "smartsociety_utc_sessions"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware datetimes in UTC on every backend (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(timezone.utc)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        # On an engine whose sessions run in UTC (smartsociety/pgconnections.py) psycopg already
        # returns datetimes with `datetime.UTC` as their zone: no call per value (a page of 50
        # comments reads 250 of them).
        if getattr(dialect, UTC_SESSIONS, False):
            return self.impl_instance.result_processor(dialect, coltype)
        return super().result_processor(dialect, coltype)


class EncryptedString(sa.types.TypeDecorator):
    """A string stored encrypted (smartsociety/secretbox.py) and read back in plain text."""

    impl = sa.String
    cache_ok = True

    # secretbox is imported only for a value to encrypt or decrypt: it imports cryptography
    # (11 MB of libraries and objects), which every web worker loading a member without a
    # secret would otherwise map.
    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        from smartsociety import secretbox

        return secretbox.encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        from smartsociety import secretbox

        return secretbox.decrypt(value)


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store an enum by its value in a plain VARCHAR, portable across SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class Hideable:
    """Moderation's "hidden": the row is kept but shown only to its author and moderators.

    Mixed into every model a moderator can hide (cases, comments, solutions, amendments); the
    two columns are the same in each table as before the mixin (no schema change).
    """

    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def hide(self, reason: str) -> None:
        self.hidden_at = utcnow()
        self.hidden_reason = reason

    def unhide(self) -> None:
        self.hidden_at = None
        self.hidden_reason = None

    @classmethod
    def not_hidden_clause(cls) -> sa.ColumnElement[bool]:
        return cls.hidden_at.is_(None)
