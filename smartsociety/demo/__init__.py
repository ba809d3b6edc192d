"""Demo data for trying the site: `flask demo load` (idempotent)."""
from smartsociety.demo.commands import demo_cli

__all__ = ["demo_cli"]
