"""What the landscape adds to the case page: the requirements section (after the offers,
whose variables it uses)."""
from flask import Flask

from smartsociety.cases.sections import CaseSection
from smartsociety.cases.sections import register as register_case_section


def register(app: Flask) -> None:
    register_case_section(CaseSection("requirements", "landscape/_case_requirements.html", 50))
