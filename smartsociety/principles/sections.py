"""Sections other features add to a principle version's page, after its rules
(`version_sections` in templates/principles/version.html); context gets (version, user)."""
from smartsociety.sections import Sections

VERSION_PAGE = Sections("version_sections")
