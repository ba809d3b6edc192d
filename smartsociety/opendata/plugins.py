"""The nightly open-data export job (opendata/jobs.py)."""
from flask import Flask

from smartsociety.opendata import jobs  # noqa: F401 (its @job decorators register the jobs)


def register(app: Flask) -> None:
    """Nothing beyond the jobs, which registered when this module was imported."""
