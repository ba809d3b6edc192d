"""The home page's sections from other features, below the introduction (`home_sections` in
templates/main/home.html); each section's context gets (None, user)."""
from smartsociety.sections import Sections

HOME_PAGE = Sections("home_sections")
