"""Cases: innovative projects and ethical or legal dilemmas, with their themes and tags."""
import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, Hideable, str_enum, utcnow


class CaseKind(str, enum.Enum):
    PROJECT = "project"
    DILEMMA = "dilemma"


class ProjectStatus(str, enum.Enum):
    IDEA = "idea"
    PILOT = "pilot"
    RUNNING = "running"
    # After running: scaling up to other gemeenten, then a standardised service.
    SCALING = "scaling"
    STANDARD = "standard"
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


class Case(Hideable, Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind), index=True)
    # A ProjectStatus or DilemmaStatus value, depending on kind.
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # Optimistic concurrency (issue 16): raised by every edit; an edit made on an older value
    # is refused with the other edit shown (smartsociety/concurrency.py).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
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
    # Added from counted page views by `flask views flush`, never in the viewing request.
    view_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Moderation: hidden_at and hidden_reason come from the Hideable mixin.
    # A locked thread is read-only; the reason is shown above it.
    locked_at: Mapped[datetime | None]
    locked_reason: Mapped[str | None] = mapped_column(sa.String(500))
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    tags: Mapped[list[Tag]] = relationship(secondary=case_tag, order_by=Tag.slug)

    theme_links: Mapped[list[CaseTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=CaseTheme.theme
    )
    themes = association_proxy(
        "theme_links", "theme", creator=lambda theme: CaseTheme(theme=Theme(theme))
    )

    editor_links: Mapped[list["CaseEditor"]] = relationship(
        cascade="all, delete-orphan", back_populates="case"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.created_at"
    )
    revisions: Mapped[list["CaseRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseRevision.id"
    )

    @property
    def is_public(self) -> bool:
        return not self.is_hidden

    @property
    def is_dilemma(self) -> bool:
        return self.kind is CaseKind.DILEMMA

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def editor_ids(self) -> set[int]:
        return {link.user_id for link in self.editor_links}

    @staticmethod
    def statuses(kind: CaseKind) -> type[enum.Enum]:
        return DilemmaStatus if kind is CaseKind.DILEMMA else ProjectStatus

    def snapshot(self) -> dict:
        """The editable content as plain data, stored in each revision."""
        return {
            "kind": self.kind.value,
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "status": self.status,
            "language": self.language,
            "themes": ", ".join(sorted(t.value if hasattr(t, "value") else t for t in self.themes)),
            # In slug order whatever order they were typed in, as the relationship loads them:
            # otherwise re-saving unchanged tags recorded a revision that only re-sorted them.
            "tags": ", ".join(tag.name for tag in sorted(self.tags, key=lambda t: t.slug)),
            "question": self.question,
            "values_at_stake": self.values_at_stake,
            "tried": self.tried,
            "legal_frame": self.legal_frame,
        }

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.not_hidden_clause()

    @classmethod
    def public(cls) -> sa.Select:
        return sa.select(cls).where(cls.public_clause())

    @classmethod
    def shown_on_cards(cls) -> tuple:
        """Loader options for what a list's card shows of a case: `card_joins` and its tags
        (a collection) in one more query."""
        from sqlalchemy.orm import selectinload

        return (*cls.card_joins(), selectinload(cls.tags))

    @classmethod
    def card_joins(cls) -> tuple:
        """Its author, the author's organisation and its own organisation, joined into the
        cases' query (one row each, so no query of their own)."""
        from sqlalchemy.orm import joinedload

        from smartsociety.models.user import User

        return (joinedload(cls.author).joinedload(User.organisation), joinedload(cls.organisation))

    @classmethod
    def filtered(cls, filters: "CaseFilter", shown: bool = True) -> sa.Select:
        """Public cases matching the filters, sorted, with what a list shows loaded up front
        (`shown=False`: not, for a list whose cards are mostly kept, smartsociety/fragments.py)."""
        from smartsociety.models.organisation import Organisation

        select = cls.public().options(*cls.shown_on_cards()) if shown else cls.public()
        for clause in filters.clauses():
            select = select.where(clause)
        if filters.organisation_kind:
            select = select.where(
                cls.organisation_id.in_(
                    sa.select(Organisation.id).where(
                        Organisation.kind == filters.organisation_kind
                    )
                )
            )
        order = SORTS.get(filters.sort, SORTS["newest"])
        return select.order_by(*order(cls))

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.kind.value} {self.title!r}>"


SORTS = {
    "newest": lambda c: (c.created_at.desc(), c.id.desc()),
    "active": lambda c: (c.last_activity_at.desc(), c.id.desc()),
    "discussed": lambda c: (c.comment_count.desc(), c.last_activity_at.desc(), c.id.desc()),
    # "shared" (most gemeenten first) is added by models/partnership.py, which counts them.
}


@dataclass
class CaseFilter:
    """What a case list is narrowed to. Another feature adds a filter by appending a SQL
    clause on Case to `extra` (or by subclassing and extending `clauses`)."""

    kind: CaseKind | None = None
    theme: Theme | None = None
    status: str | None = None
    organisation_kind: object = None  # an OrganisationKind
    tag: str | None = None  # a Tag slug
    language: str | None = None
    sort: str = "newest"
    extra: list = field(default_factory=list)

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        result = list(self.extra)
        if self.kind:
            result.append(Case.kind == self.kind)
        if self.status:
            result.append(Case.status == self.status)
        if self.language:
            result.append(Case.language == self.language)
        if self.theme:
            result.append(
                Case.id.in_(sa.select(CaseTheme.case_id).where(CaseTheme.theme == self.theme))
            )
        if self.tag:
            result.append(
                Case.id.in_(
                    sa.select(case_tag.c.case_id)
                    .join(Tag, Tag.id == case_tag.c.tag_id)
                    .where(Tag.slug == self.tag)
                )
            )
        return result


class CaseEditor(Base):
    """A member of the author's organisation whom the author allowed to edit the case."""

    __tablename__ = "case_editor"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="editor_links")
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821


class CaseRevision(Base):
    """The case's content after one save (the first revision is the case as created)."""

    __tablename__ = "case_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    editor: Mapped["User | None"] = relationship()  # noqa: F821


class Attachment(Base):
    """An uploaded file, stored outside the web root under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
