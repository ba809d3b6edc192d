"""The organisation page's sections from other features (`organisation_sections` in
templates/organisations/detail.html); each section's context gets (organisation, user)."""
from smartsociety.sections import Sections

ORGANISATION_PAGE = Sections("organisation_sections")
