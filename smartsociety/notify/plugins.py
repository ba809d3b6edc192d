"""The notification jobs (notify/jobs.py): the outbox sender and the digests."""
from flask import Flask

from smartsociety.notify import jobs  # noqa: F401 (its @job decorators register the jobs)


def register(app: Flask) -> None:
    """Nothing beyond the jobs, which registered when this module was imported."""
