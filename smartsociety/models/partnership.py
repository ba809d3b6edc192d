"""Working together on a case: gemeenten that have it too or joined as partners, and the
gemeenten that adopt a project that scales to a standard."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow
from smartsociety.models.case import SORTS, Case, CaseKind, ProjectStatus
from smartsociety.models.organisation import Organisation, OrganisationKind


class PartnerStatus(str, enum.Enum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class AdoptionStage(str, enum.Enum):
    PLAN = "plan"
    PILOT = "pilot"
    IN_USE = "in_use"


# A project takes adoptions once it scales (and after it became a standard).
ADOPTING_STATUSES = {ProjectStatus.SCALING.value, ProjectStatus.STANDARD.value}


def takes_adoptions(case: Case) -> bool:
    return case.is_public and case.kind is CaseKind.PROJECT and case.status in ADOPTING_STATUSES


class CaseGemeente(Base):
    """Another gemeente on a case: it says "we have this too", and/or asked to join as a
    partner (the case's owners accept or decline). One row per gemeente per case."""

    __tablename__ = "case_gemeente"
    __table_args__ = (sa.UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    has_it_too: Mapped[bool] = mapped_column(default=False)
    has_it_too_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    has_it_too_at: Mapped[datetime | None]
    partner_status: Mapped[PartnerStatus | None] = mapped_column(str_enum(PartnerStatus, 20))
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # A backref, so the case model needs no change: `case.gemeente_links`.
    case: Mapped[Case] = relationship(
        backref=backref("gemeente_links", cascade="all, delete-orphan", passive_deletes=True)
    )
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    requested_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[requested_by_id]
    )

    @property
    def is_partner(self) -> bool:
        return self.partner_status is PartnerStatus.ACCEPTED

    @property
    def shares(self) -> bool:
        """Counted in "shared by N gemeenten": it has the case too or is a partner."""
        return self.has_it_too or self.is_partner

    @classmethod
    def sharing_clause(cls) -> sa.ColumnElement[bool]:
        return sa.or_(cls.has_it_too.is_(True), cls.partner_status == PartnerStatus.ACCEPTED)


def shared_by_count():
    """SQL: how many gemeenten share a case (its own organisation when that is a gemeente,
    and every other gemeente that has it too or joined), correlated to Case."""
    others = (
        sa.select(sa.func.count(CaseGemeente.id))
        .where(CaseGemeente.case_id == Case.id, CaseGemeente.sharing_clause())
        .correlate(Case)
        .scalar_subquery()
    )
    own = (
        sa.select(sa.func.count(Organisation.id))
        .where(Organisation.id == Case.organisation_id,
               Organisation.kind == OrganisationKind.GEMEENTE)
        .correlate(Case)
        .scalar_subquery()
    )
    return own + others


SORTS["shared"] = lambda c: (shared_by_count().desc(), c.created_at.desc(), c.id.desc())


class ProjectAdoption(Base):
    """A gemeente adopting a scaled project, at its own stage."""

    __tablename__ = "project_adoption"
    __table_args__ = (sa.UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    stage: Mapped[AdoptionStage] = mapped_column(str_enum(AdoptionStage, 20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    steps: Mapped[list["AdoptionStep"]] = relationship(
        cascade="all, delete-orphan", order_by="AdoptionStep.id", back_populates="adoption"
    )


class AdoptionStep(Base):
    """One entry of a project's adoption timeline: a gemeente reaching a stage."""

    __tablename__ = "adoption_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project_adoption.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[AdoptionStage] = mapped_column(str_enum(AdoptionStage, 20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    adoption: Mapped[ProjectAdoption] = relationship(back_populates="steps")


class ProjectSolution(Base):
    """A solution a project uses."""

    __tablename__ = "project_solution"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    solution: Mapped["Solution"] = relationship()  # noqa: F821


class ProjectRule(Base):
    """A rule of a principle that a project follows."""

    __tablename__ = "project_rule"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("principle_rule.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped["Rule"] = relationship()  # noqa: F821
