"""All models, imported together so relationships by name resolve and Alembic sees every table."""
from smartsociety.models.base import Base, utcnow
from smartsociety.models.case import (
    Case,
    CaseKind,
    CaseTheme,
    DilemmaStatus,
    ProjectStatus,
    Tag,
    Theme,
    case_tag,
)
from smartsociety.models.comment import Comment
from smartsociety.models.organisation import Organisation, OrganisationKind
from smartsociety.models.search import SearchChange
from smartsociety.models.user import Role, User

__all__ = [
    "Base",
    "Case",
    "CaseKind",
    "CaseTheme",
    "Comment",
    "DilemmaStatus",
    "Organisation",
    "OrganisationKind",
    "ProjectStatus",
    "Role",
    "SearchChange",
    "Tag",
    "Theme",
    "User",
    "case_tag",
    "utcnow",
]
