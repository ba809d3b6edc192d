"""What the landscape adds to the case page: the requirements section (after the offers,
whose variables it uses)."""
from flask import Flask

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.sections import Section


def register(app: Flask) -> None:
    CASE_PAGE.register(Section("requirements", "landscape/_case_requirements.html", 50))
    ORGANISATION_PAGE.register(Section("landscape", "landscape/_organisation_landscape.html", 50))
