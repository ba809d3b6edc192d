"""Background and scheduled work in one place (docs/jobs.md): a registry that each feature adds
its jobs to (`smartsociety/<feature>/jobs.py`, imported by the feature's plugins.py), one worker
command that runs them (`flask jobs run`, any number of copies), and their last runs on
/healthz."""
from smartsociety.jobs.registry import REGISTRY, job

__all__ = ["REGISTRY", "job"]
