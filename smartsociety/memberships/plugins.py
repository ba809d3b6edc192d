"""What memberships add to the organisation page: its members section (first)."""
from flask import Flask

from smartsociety.memberships.views import organisation_page
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.sections import Section


def _members(organisation, _user) -> dict:
    return organisation_page(organisation)


def register(app: Flask) -> None:
    ORGANISATION_PAGE.register(Section("members", "memberships/_organisation.html", 10,
                                       context=_members))
