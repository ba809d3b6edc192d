"""Batches of page views already added to the counters, so that no batch is added twice."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smartsociety.models.base import Base, utcnow


class ViewBatch(Base):
    __tablename__ = "view_batch"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    views: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
