"""Organisations: gemeenten, companies, research institutions and other public bodies."""
import enum
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class OrganisationKind(str, enum.Enum):
    GEMEENTE = "gemeente"
    BEDRIJF = "bedrijf"
    KENNISINSTELLING = "kennisinstelling"
    OVERIGE_OVERHEID = "overige_overheid"
    MAATSCHAPPELIJK = "maatschappelijke_organisatie"


class SizeClass(str, enum.Enum):
    """Gemeenten by number of inhabitants: the peer groups of the self-evaluation."""

    SMALL = "lt20k"
    MEDIUM = "20k-50k"
    LARGE = "50k-100k"
    CITY = "gt100k"

    @classmethod
    def for_inhabitants(cls, inhabitants: int | None) -> "SizeClass | None":
        if inhabitants is None:
            return None
        if inhabitants < 20_000:
            return cls.SMALL
        if inhabitants < 50_000:
            return cls.MEDIUM
        if inhabitants <= 100_000:
            return cls.LARGE
        return cls.CITY


CBS_CODE = re.compile(r"^GM\d{4}$")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    # Lower-cased name, unique, so "Gemeente Turfbrug" cannot be proposed twice.
    name_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(180), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    cbs_code: Mapped[str | None] = mapped_column(sa.String(6), unique=True)
    verified_at: Mapped[datetime | None]
    # Number of inhabitants (gemeenten): decides the peer group in self-evaluation.
    inhabitants: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(  # noqa: F821
        back_populates="organisation", foreign_keys="User.organisation_id"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def size_class(self) -> "SizeClass | None":
        return SizeClass.for_inhabitants(self.inhabitants) if self.is_gemeente else None

    @property
    def is_gemeente(self) -> bool:
        return self.kind is OrganisationKind.GEMEENTE

    @classmethod
    def by_name(cls) -> sa.Select:
        return sa.select(cls).order_by(cls.name_key)

    @classmethod
    def directory(cls, kind: "OrganisationKind | None" = None, query: str = "") -> sa.Select:
        """Organisations by name, optionally of one kind and with `query` in the name."""
        select = cls.by_name()
        if kind is not None:
            select = select.where(cls.kind == kind)
        if query:
            select = select.where(cls.name_key.contains(cls.key_for(query), autoescape=True))
        return select

    @staticmethod
    def key_for(name: str) -> str:
        return " ".join(name.split()).casefold()

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
