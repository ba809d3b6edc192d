"""The marketplace: solutions offered by companies and researchers, offers on cases, use reviews."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, Hideable, str_enum, utcnow
from smartsociety.models.case import Case, CaseKind, DilemmaStatus, ProjectStatus, Theme
from smartsociety.models.organisation import OrganisationKind
from smartsociety.models.procurement import Certification, SolutionCategory, solution_certification

# Organisations whose members publish solutions and make offers.
PROVIDER_KINDS = (OrganisationKind.BEDRIJF, OrganisationKind.KENNISINSTELLING)
# A case takes offers while its question is unresolved: a dilemma still open or in discussion,
# a project that has not finished.
OPEN_STATUSES = {
    CaseKind.DILEMMA: {DilemmaStatus.OPEN.value, DilemmaStatus.IN_DISCUSSION.value},
    CaseKind.PROJECT: {
        ProjectStatus.IDEA.value, ProjectStatus.PILOT.value, ProjectStatus.RUNNING.value,
        ProjectStatus.SCALING.value,
    },
}


def takes_offers(case: Case) -> bool:
    return case.is_public and case.status in OPEN_STATUSES.get(case.kind, set())


class PriceModel(str, enum.Enum):
    FREE = "free"
    SUBSCRIPTION = "subscription"
    LICENCE = "licence"
    PER_USE = "per_use"
    ON_REQUEST = "on_request"


class OfferStatus(str, enum.Enum):
    OFFERED = "offered"
    IN_CONVERSATION = "in_conversation"
    CHOSEN = "chosen"
    # The provider withdrew the solution while the offer was still open.
    WITHDRAWN = "withdrawn"


# Status -> statuses the case author may move an offer to (forward only; chosen is final).
OFFER_TRANSITIONS = {
    OfferStatus.OFFERED: {OfferStatus.IN_CONVERSATION, OfferStatus.CHOSEN},
    OfferStatus.IN_CONVERSATION: {OfferStatus.CHOSEN},
    OfferStatus.CHOSEN: set(),
    OfferStatus.WITHDRAWN: set(),
}
OPEN_OFFER_STATUSES = (OfferStatus.OFFERED, OfferStatus.IN_CONVERSATION)


solution_standard = sa.Table(
    "solution_standard",
    Base.metadata,
    sa.Column("solution_id", sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "standard_id", sa.ForeignKey("open_standard.id", ondelete="CASCADE"), primary_key=True
    ),
)


class OpenStandard(Base):
    """An open standard a solution can support; the list is maintained by moderators."""

    __tablename__ = "open_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    name_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    url: Mapped[str | None] = mapped_column(sa.String(300))

    @staticmethod
    def key_for(name: str) -> str:
        return " ".join(name.split()).casefold()

    @classmethod
    def by_name(cls) -> sa.Select:
        return sa.select(cls).order_by(cls.name_key)


class SolutionTheme(Base):
    __tablename__ = "solution_theme"

    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 40), primary_key=True)


class Solution(Hideable, Base):
    __tablename__ = "solution"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(160))
    # Optimistic concurrency (issue 16): raised by every edit; an edit made on an older value
    # is refused with the other edit shown (smartsociety/concurrency.py).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    summary: Mapped[str] = mapped_column(sa.String(600), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    hosting_location: Mapped[str] = mapped_column(sa.String(200), default="")
    jurisdiction: Mapped[str] = mapped_column(sa.String(200), default="")
    privacy_by_design: Mapped[bool] = mapped_column(default=False)
    dpia_available: Mapped[bool] = mapped_column(default=False)
    privacy_notes: Mapped[str] = mapped_column(sa.Text, default="")
    price_model: Mapped[PriceModel] = mapped_column(str_enum(PriceModel))
    contact: Mapped[str] = mapped_column(sa.String(300), default="")
    # Procurement: the category (from the moderators' list), GIBIT, certifications, exit plan.
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("solution_category.id", ondelete="SET NULL"), index=True
    )
    accepts_gibit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    exit_plan: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A withdrawn listing is kept (offers and reviews point at it) but marked and not offered.
    withdrawn_at: Mapped[datetime | None]

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821
    standards: Mapped[list[OpenStandard]] = relationship(
        secondary=solution_standard, order_by=OpenStandard.name_key
    )
    theme_links: Mapped[list[SolutionTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=SolutionTheme.theme
    )
    themes = association_proxy(
        "theme_links", "theme", creator=lambda theme: SolutionTheme(theme=Theme(theme))
    )
    category: Mapped[SolutionCategory | None] = relationship()
    certifications: Mapped[list[Certification]] = relationship(
        secondary=solution_certification, order_by=Certification.name_key
    )
    revisions: Mapped[list["SolutionRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="SolutionRevision.id"
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @classmethod
    def listed_clause(cls) -> sa.ColumnElement[bool]:
        """Listings shown in lists, search and suggestions: neither withdrawn nor hidden."""
        return sa.and_(cls.withdrawn_at.is_(None), cls.hidden_at.is_(None))

    def snapshot(self) -> dict:
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "themes": ", ".join(sorted(t.value for t in self.themes)),
            "standards": ", ".join(s.name for s in self.standards),
            "hosting_location": self.hosting_location,
            "jurisdiction": self.jurisdiction,
            "privacy_by_design": self.privacy_by_design,
            "dpia_available": self.dpia_available,
            "privacy_notes": self.privacy_notes,
            "price_model": self.price_model.value,
            "contact": self.contact,
            "category": self.category.name if self.category else "",
            "accepts_gibit": bool(self.accepts_gibit),
            "certifications": ", ".join(c.name for c in self.certifications),
            "exit_plan": self.exit_plan or "",
        }

    @classmethod
    def listed(cls, query: str = "", theme: Theme | None = None) -> sa.Select:
        """Listings that are not withdrawn, newest first, with their organisation loaded."""
        from sqlalchemy.orm import selectinload

        select = (
            sa.select(cls)
            .where(cls.listed_clause())
            .options(selectinload(cls.organisation), selectinload(cls.standards))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )
        if query:
            select = select.where(
                sa.or_(cls.name.icontains(query, autoescape=True),
                       cls.summary.icontains(query, autoescape=True))
            )
        if theme:
            select = select.where(
                cls.id.in_(sa.select(SolutionTheme.solution_id).where(SolutionTheme.theme == theme))
            )
        return select

    def __repr__(self) -> str:
        return f"<Solution {self.id} {self.name!r}>"


class SolutionRevision(Base):
    """The listing's content after one save (the first revision is the listing as published)."""

    __tablename__ = "solution_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    editor: Mapped["User | None"] = relationship()  # noqa: F821


class Offer(Base):
    """An organisation offering one of its solutions on a case: at most one offer per case."""

    __tablename__ = "offer"
    __table_args__ = (sa.UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    explanation: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus), default=OfferStatus.OFFERED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    solution: Mapped[Solution] = relationship()
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821

    def can_move_to(self, status: OfferStatus) -> bool:
        return status in OFFER_TRANSITIONS[self.status]

    @classmethod
    def for_case(cls, case_id: int) -> sa.Select:
        from sqlalchemy.orm import selectinload

        from smartsociety.models.user import User

        return (
            sa.select(cls)
            .where(cls.case_id == case_id)
            .options(
                selectinload(cls.solution),
                selectinload(cls.organisation),
                selectinload(cls.author).selectinload(User.organisation),
            )
            .order_by(cls.created_at, cls.id)
        )


class SolutionUse(Base):
    """A gemeente recording that it uses a solution, with a rating and its experience."""

    __tablename__ = "solution_use"
    __table_args__ = (
        sa.UniqueConstraint("solution_id", "organisation_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    rating: Mapped[int]
    review: Mapped[str] = mapped_column(sa.String(2000), default="")
    # The application landscape: in use since when, for which domain or process.
    since: Mapped[date | None] = mapped_column(sa.Date)
    domain: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    solution: Mapped[Solution] = relationship()
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821

    @classmethod
    def average_rating(cls, solution_id: int) -> sa.Select:
        return sa.select(sa.func.avg(cls.rating), sa.func.count(cls.id)).where(
            cls.solution_id == solution_id
        )


class ContactMessage(Base):
    """A member's message to the organisation offering a solution; shown in its inbox."""

    __tablename__ = "contact_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # A question about one of the organisation's registered sensors (the sensor register).
    sensor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sensor.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    solution: Mapped[Solution | None] = relationship()
    sensor: Mapped["Sensor | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    sender: Mapped["User | None"] = relationship()  # noqa: F821

    replies: Mapped[list["ContactReply"]] = relationship(
        back_populates="message", order_by="ContactReply.created_at, ContactReply.id",
        cascade="all, delete-orphan",
    )

    @classmethod
    def inbox(cls, organisation_id: int) -> sa.Select:
        from sqlalchemy.orm import selectinload

        from smartsociety.models.user import User

        return (
            sa.select(cls)
            .where(cls.organisation_id == organisation_id)
            .options(selectinload(cls.solution), selectinload(cls.replies),
                     selectinload(cls.sender).selectinload(User.organisation))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )


class ContactReply(Base):
    """A reply in the conversation a contact message starts: by the sender or by a member of
    the receiving organisation (it replaced a `mailto:` link that left no record)."""

    __tablename__ = "contact_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contact_message.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[ContactMessage] = relationship(back_populates="replies")
    author: Mapped["User | None"] = relationship()  # noqa: F821
