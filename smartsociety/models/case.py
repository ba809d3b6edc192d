"""Cases: innovative projects and ethical or legal dilemmas, with their themes and tags."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class CaseKind(str, enum.Enum):
    PROJECT = "project"
    DILEMMA = "dilemma"


class ProjectStatus(str, enum.Enum):
    IDEA = "idea"
    PILOT = "pilot"
    RUNNING = "running"
    FINISHED = "finished"


class DilemmaStatus(str, enum.Enum):
    OPEN = "open"
    IN_DISCUSSION = "in_discussion"
    ANSWERED = "answered"
    CLOSED = "closed"


class Theme(str, enum.Enum):
    """The six themes of the Digitale Agenda."""

    INNOVATIE = "innovatie-en-onderzoek"
    INFRASTRUCTUUR = "gemeenschappelijke-infrastructuur"
    SAMEN_ORGANISEREN = "samen-organiseren"
    DATAGEDREVEN = "datagedreven-werken"
    DIENSTVERLENING = "dienstverlening"
    INFORMATIEBEVEILIGING = "informatiebeveiliging-en-privacy"


case_tag = sa.Table(
    "case_tag",
    Base.metadata,
    sa.Column("case_id", sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class CaseTheme(Base):
    __tablename__ = "case_theme"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 40), primary_key=True)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised form (lower case, accents and spacing folded): the identity of the tag.
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind), index=True)
    # A ProjectStatus or DilemmaStatus value, depending on kind.
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(600), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="nl", index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # Dilemma fields (empty for projects).
    question: Mapped[str] = mapped_column(sa.Text, default="")
    values_at_stake: Mapped[str] = mapped_column(sa.Text, default="")
    tried: Mapped[str] = mapped_column(sa.Text, default="")
    legal_frame: Mapped[str] = mapped_column(sa.Text, default="")

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    comment_count: Mapped[int] = mapped_column(default=0)
    # Moderation: a hidden case is kept but shown only to its author and moderators.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))

    author: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    tags: Mapped[list[Tag]] = relationship(secondary=case_tag, order_by=Tag.slug)

    theme_links: Mapped[list[CaseTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=CaseTheme.theme
    )
    themes = association_proxy(
        "theme_links", "theme", creator=lambda theme: CaseTheme(theme=Theme(theme))
    )

    @property
    def is_public(self) -> bool:
        return self.hidden_at is None

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.hidden_at.is_(None)

    @classmethod
    def public(cls) -> sa.Select:
        return sa.select(cls).where(cls.public_clause())

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.kind.value} {self.title!r}>"
