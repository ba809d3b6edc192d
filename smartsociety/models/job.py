"""The state of each scheduled job (smartsociety/jobs/): when it is due, who runs it now, and
how its last run went. A worker claims a due run with one conditional UPDATE on this row, so
several workers never run one job at the same time (docs/jobs.md)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smartsociety.models.base import Base


class JobState(Base):
    __tablename__ = "job_state"

    # The job's name, or "name@scope" for a job that runs once per node (the search indexer).
    name: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    next_run_at: Mapped[datetime]
    # The worker holding the current run ("host:pid") and until when its claim holds; a worker
    # that dies leaves a claim that expires, and the run is then taken by another worker.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_until: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    last_result: Mapped[str | None] = mapped_column(sa.String(300))
    # Failed runs in a row (0 after a success); retries back off with it.
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    runs: Mapped[int] = mapped_column(default=0, server_default="0")
