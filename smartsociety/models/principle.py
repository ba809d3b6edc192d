"""Principles: versioned texts with numbered rules, consulted on by members and adopted."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from smartsociety.models.base import Base, Hideable, str_enum, utcnow
from smartsociety.models.case import Case
from smartsociety.models.organisation import OrganisationKind


class VersionStatus(str, enum.Enum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    ADOPTED = "adopted"
    SUPERSEDED = "superseded"


# Statuses anyone may read; drafts are for moderators only.
PUBLIC_STATUSES = (VersionStatus.CONSULTATION, VersionStatus.ADOPTED, VersionStatus.SUPERSEDED)


class VoteChoice(str, enum.Enum):
    AGREE = "agree"
    DISAGREE = "disagree"
    NO_OPINION = "no_opinion"


class VoterGroup(str, enum.Enum):
    """Organisation kinds folded into the groups consultation results are split by."""

    MUNICIPALITIES = "municipalities"
    COMPANIES = "companies"
    RESEARCHERS = "researchers"
    OTHERS = "others"

    @classmethod
    def for_kind(cls, kind: OrganisationKind | None) -> "VoterGroup":
        return {
            OrganisationKind.GEMEENTE: cls.MUNICIPALITIES,
            OrganisationKind.BEDRIJF: cls.COMPANIES,
            OrganisationKind.KENNISINSTELLING: cls.RESEARCHERS,
        }.get(kind, cls.OTHERS)


class Principle(Base):
    __tablename__ = "principle"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the library ("principle 3"); also the print order.
    number: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Title of the adopted version (of the first draft until one is adopted), for lists and links.
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["PrincipleVersion"]] = relationship(
        back_populates="principle",
        order_by="PrincipleVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def adopted_version(self) -> "PrincipleVersion | None":
        return next((v for v in self.versions if v.status is VersionStatus.ADOPTED), None)

    @property
    def open_version(self) -> "PrincipleVersion | None":
        """The draft or consultation version being worked on, if any."""
        return next((v for v in reversed(self.versions) if not v.is_frozen), None)

    @property
    def latest_version(self) -> "PrincipleVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def is_public(self) -> bool:
        return any(v.is_public for v in self.versions)

    @classmethod
    def by_number(cls) -> sa.Select:
        return sa.select(cls).order_by(cls.number)

    @classmethod
    def public(cls) -> sa.Select:
        """Principles with at least one version anyone may read (consultation or later)."""
        return cls.by_number().where(
            sa.exists().where(
                PrincipleVersion.principle_id == cls.id,
                PrincipleVersion.status.in_(PUBLIC_STATUSES),
            )
        )

    def __repr__(self) -> str:
        return f"<Principle {self.number} {self.slug}>"


class PrincipleVersion(Base):
    __tablename__ = "principle_version"
    __table_args__ = (sa.UniqueConstraint("principle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus), default=VersionStatus.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    # Optimistic concurrency (issue 16): raised by every edit; an edit made on an older value
    # is refused with the other edit shown (smartsociety/concurrency.py).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # One sentence.
    statement: Mapped[str] = mapped_column(sa.String(600))
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    explanation_html: Mapped[str] = mapped_column(sa.Text, default="")
    # The decision that adopted it, e.g. "ALV 2019-11-29, agendapunt 7".
    decision: Mapped[str | None] = mapped_column(sa.String(200))
    adopted_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    consultation_opened_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]

    principle: Mapped[Principle] = relationship(back_populates="versions")
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    rules: Mapped[list["Rule"]] = relationship(
        back_populates="version", order_by="Rule.number", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_frozen(self) -> bool:
        """Adopted text never changes again."""
        return self.status in (VersionStatus.ADOPTED, VersionStatus.SUPERSEDED)

    @property
    def in_consultation(self) -> bool:
        return self.status is VersionStatus.CONSULTATION

    @property
    def is_draft(self) -> bool:
        return self.status is VersionStatus.DRAFT

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.status.in_(PUBLIC_STATUSES)

    @classmethod
    def adopted(cls) -> sa.Select:
        """Every adopted (current) version, in library order: the print page and search."""
        return (
            sa.select(cls)
            .join(cls.principle)
            .where(cls.status == VersionStatus.ADOPTED)
            .order_by(Principle.number)
        )

    def snapshot(self) -> dict:
        """The version's text as one dict, for diffs between versions."""
        data = {"title": self.title, "statement": self.statement, "explanation": self.explanation}
        data["rules"] = "\n".join(f"{r.number}. {r.text}" for r in self.rules)
        return data

    def __repr__(self) -> str:
        return f"<PrincipleVersion {self.principle_id} v{self.number} {self.status.value}>"


class Rule(Base):
    __tablename__ = "principle_rule"
    __table_args__ = (sa.UniqueConstraint("version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle_version.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(1000))
    # Set when the wording came from an accepted amendment: "amendment by <name>".
    credited_author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    credited_name: Mapped[str | None] = mapped_column(sa.String(120))

    version: Mapped[PrincipleVersion] = relationship(back_populates="rules")
    credited_author: Mapped["User | None"] = relationship()  # noqa: F821
    amendments: Mapped[list["Amendment"]] = relationship(
        back_populates="rule",
        order_by="Amendment.created_at",
        cascade="all, delete-orphan",
        foreign_keys="Amendment.rule_id",
    )
    comments: Mapped[list["RuleComment"]] = relationship(
        back_populates="rule", order_by="RuleComment.created_at", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Rule {self.version_id}.{self.number}>"


class RuleVote(Base):
    __tablename__ = "rule_vote"
    # One vote per member per rule; voting again replaces it.
    __table_args__ = (sa.UniqueConstraint("rule_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle_rule.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[Rule] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821


class Amendment(Hideable, Base):
    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle_rule.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(1000))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    reason_html: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    # The rule's wording this amendment replaced, kept because the consultation text changes.
    replaced_text: Mapped[str | None] = mapped_column(sa.String(1000))
    support_count: Mapped[int] = mapped_column(default=0)

    rule: Mapped[Rule] = relationship(back_populates="amendments", foreign_keys=[rule_id])
    author: Mapped["User | None"] = relationship()  # noqa: F821
    supports: Mapped[list["AmendmentSupport"]] = relationship(
        back_populates="amendment", cascade="all, delete-orphan"
    )

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_public(self) -> bool:
        return not self.is_hidden

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.not_hidden_clause()


class AmendmentSupport(Base):
    __tablename__ = "amendment_support"

    amendment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="supports")


class RuleComment(Base):
    __tablename__ = "rule_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle_rule.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[Rule] = relationship(back_populates="comments")
    author: Mapped["User | None"] = relationship()  # noqa: F821


class CasePrincipleLink(Base):
    """A case touches a principle (and possibly one of its rules), with a note why."""

    __tablename__ = "case_principle_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    principle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("principle_rule.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The backref gives Case.principle_links without touching the case module.
    case: Mapped[Case] = relationship(
        backref=backref(
            "principle_links",
            order_by="CasePrincipleLink.id",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )
    # Loaded together with the links (one query each), so a case page lists them without N+1.
    principle: Mapped[Principle] = relationship(lazy="selectin")
    rule: Mapped[Rule | None] = relationship(lazy="selectin")
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @classmethod
    def linked_to_principle_slug(cls, slug: str) -> sa.ColumnElement[bool]:
        """A WHERE clause on Case: cases linked to the principle with this slug."""
        return sa.exists().where(
            cls.case_id == Case.id,
            cls.principle_id == sa.select(Principle.id).where(Principle.slug == slug)
            .scalar_subquery(),
        )

    @classmethod
    def for_principle(cls, principle_id: int) -> sa.Select:
        return sa.select(cls).where(cls.principle_id == principle_id).order_by(cls.id)
