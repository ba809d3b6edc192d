"""Helpers for tests of data migrations: a fresh database, and rows as an older schema had them."""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa


def fresh_database_url(tmp_path, postgres) -> str:
    if postgres is None:
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    return postgres.create_database(f"drift_{uuid.uuid4().hex[:10]}")


def insert_row(conn, table_name: str, **values) -> int:
    """Insert a row into the table as the database has it now (reflected), with a value for
    every required column not given; returns its id."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    row = {}
    for column in table.columns:
        if column.nullable or column.primary_key or column.server_default is not None:
            continue
        python_type = column.type.python_type
        row[column.name] = {str: f"x-{uuid.uuid4().hex[:8]}", int: 0, bool: False}.get(
            python_type, datetime.now(UTC))
    row.update(values)
    result = conn.execute(sa.insert(table).values(row))
    return (result.inserted_primary_key or [None])[0]
