"""Limits counted by hand (not per route) in Flask-Limiter's storage, shared by all workers."""
from flask import current_app
from limits import parse

from smartsociety.extensions import limiter


def allowed(limit: str, *identifiers: str) -> bool:
    """Count one hit against `limit` (e.g. "3 per day") for `identifiers`; False when over."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    return limiter.limiter.hit(parse(limit), *identifiers)
