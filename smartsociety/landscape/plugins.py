"""What the landscape adds to other pages: the case page's requirements (after the offers,
whose variables it uses), a solution's category and procurement terms, a gemeente's
landscape on its organisation page."""
from flask import Flask

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.sections import Section
from smartsociety.solutions.sections import SOLUTION_FACTS


def register(app: Flask) -> None:
    CASE_PAGE.register(Section("requirements", "landscape/_case_requirements.html", 50))
    SOLUTION_FACTS.register(Section("terms", "landscape/_solution_terms.html", 10))
    ORGANISATION_PAGE.register(Section("landscape", "landscape/_organisation_landscape.html", 50))
