"""What a listing promises for procurement: its category (a list moderators keep),
certifications (another such list), GIBIT and an exit plan; and what a case requires."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class SolutionCategory(Base):
    """A GEMMA-like application function (zaaksysteem, burgerzaken, GIS ...)."""

    __tablename__ = "solution_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    name_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(90), unique=True)
    description: Mapped[str] = mapped_column(sa.String(300), default="")

    @classmethod
    def by_name(cls) -> sa.Select:
        return sa.select(cls).order_by(cls.name_key)


class Certification(Base):
    """A certification or statement a supplier can hold (ISO 27001, NEN 7510 ...)."""

    __tablename__ = "certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    name_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(90), unique=True)

    @classmethod
    def by_name(cls) -> sa.Select:
        return sa.select(cls).order_by(cls.name_key)


solution_certification = sa.Table(
    "solution_certification",
    Base.metadata,
    sa.Column("solution_id", sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "certification_id", sa.ForeignKey("certification.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class RequirementKind(str, enum.Enum):
    GIBIT = "gibit"
    STANDARD = "open_standard"
    CERTIFICATION = "certification"
    EXIT_PLAN = "exit_plan"


class CaseRequirement(Base):
    """Something a case's solution must meet ("must accept GIBIT", "must support StUF")."""

    __tablename__ = "case_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RequirementKind] = mapped_column(str_enum(RequirementKind, 20))
    standard_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("open_standard.id", ondelete="CASCADE")
    )
    certification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certification.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    standard: Mapped["OpenStandard | None"] = relationship()  # noqa: F821
    certification: Mapped[Certification | None] = relationship()

    @property
    def key(self) -> tuple:
        return (self.kind.value, self.standard_id, self.certification_id)
