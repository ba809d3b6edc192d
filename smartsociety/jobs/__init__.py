"""Background and scheduled work in one place (docs/jobs.md): a registry that each feature adds
its jobs to (`smartsociety/<feature>/jobs.py`), one worker command that runs them
(`flask jobs run`, any number of copies), and their last runs on /healthz."""
import importlib

from flask import Flask

from smartsociety.jobs.registry import REGISTRY, job

# Each feature declares its own jobs in its jobs.py; importing the module registers them.
FEATURE_JOBS = (
    "smartsociety.search.jobs",
    "smartsociety.notify.jobs",
    "smartsociety.viewcounts.jobs",
    "smartsociety.events.jobs",
    "smartsociety.sensors.jobs",
    "smartsociety.opendata.jobs",
    "smartsociety.privacy.jobs",
    "smartsociety.signins.jobs",
)


def init_app(app: Flask) -> None:
    for module in FEATURE_JOBS:
        importlib.import_module(module)


__all__ = ["REGISTRY", "init_app", "job"]
