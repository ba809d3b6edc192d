"""Full-text search (Whoosh): the only package that imports whoosh."""
from smartsociety.search.service import init_app

__all__ = ["init_app"]
