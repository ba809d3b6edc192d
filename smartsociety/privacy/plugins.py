"""The job that prepares large "my data" exports (privacy/jobs.py)."""
from flask import Flask

from smartsociety.privacy import jobs  # noqa: F401 (its @job decorators register the jobs)


def register(app: Flask) -> None:
    """Nothing beyond the jobs, which registered when this module was imported."""
