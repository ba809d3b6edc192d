"""The search index's jobs (search/jobs.py): the indexer and the change-log prune."""
from flask import Flask

from smartsociety.search import jobs  # noqa: F401 (its @job decorators register the jobs)


def register(app: Flask) -> None:
    """Nothing beyond the jobs, which registered when this module was imported."""
