"""The case page's sections from other features, below the case's own text (`case_sections`
in templates/cases/detail.html); each section's context gets (case, user)."""
from smartsociety.sections import Sections

CASE_PAGE = Sections("case_sections")
