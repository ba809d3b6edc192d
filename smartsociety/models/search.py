"""The search change log: one row per write to a searchable record, in the writer's transaction."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smartsociety.models.base import Base, utcnow

# BIGINT on PostgreSQL (the log outgrows 2^31 long before the records do); SQLite's
# AUTOINCREMENT works only on a column declared INTEGER.
BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class SearchChange(Base):
    """`doc_type` names a registered document type (or a watched source such as "organisation");
    the indexer re-reads the record from the database, so the row carries no content."""

    __tablename__ = "search_change"
    # AUTOINCREMENT: SQLite must never reuse the id of a pruned row, or the indexer would skip it.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(40))
    doc_id: Mapped[int] = mapped_column(BIG_ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.doc_type}:{self.doc_id}>"
