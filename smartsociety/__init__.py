"""Smart Society: a knowledge network for Dutch municipalities, companies and researchers."""
from smartsociety.app import create_app

__all__ = ["create_app"]
