"""All models, imported together so relationships by name resolve and Alembic sees every table."""
from smartsociety.models.base import Base, utcnow
from smartsociety.models.case import (
    Attachment,
    Case,
    CaseEditor,
    CaseFilter,
    CaseRevision,
    CaseKind,
    CaseTheme,
    DilemmaStatus,
    ProjectStatus,
    Tag,
    Theme,
    case_tag,
)
from smartsociety.models.comment import Comment, CommentReaction, CommentRevision
from smartsociety.models.organisation import Organisation, OrganisationKind
from smartsociety.models.principle import (
    Amendment,
    AmendmentSupport,
    CasePrincipleLink,
    Principle,
    PrincipleVersion,
    Rule,
    RuleComment,
    RuleVote,
    VersionStatus,
    VoteChoice,
    VoterGroup,
)
from smartsociety.models.search import SearchChange
from smartsociety.models.user import Role, User

__all__ = [
    "Amendment",
    "AmendmentSupport",
    "CasePrincipleLink",
    "Principle",
    "PrincipleVersion",
    "Rule",
    "RuleComment",
    "RuleVote",
    "VersionStatus",
    "VoteChoice",
    "VoterGroup",
    "Attachment",
    "Base",
    "Case",
    "CaseEditor",
    "CaseFilter",
    "CaseRevision",
    "CaseKind",
    "CaseTheme",
    "Comment",
    "CommentReaction",
    "CommentRevision",
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
