"""Organisations: the directory, detail pages, verification and editing by moderators."""
