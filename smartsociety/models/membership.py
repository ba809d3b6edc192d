"""Memberships: a member's link to an organisation, a claim until it is verified, kept with its
history; and the e-mail domains by which an organisation verifies its members."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow
from smartsociety.models.organisation import Organisation
from smartsociety.models.user import User


class MembershipState(str, enum.Enum):
    CLAIMED = "claimed"
    VERIFIED = "verified"
    REFUSED = "refused"
    ENDED = "ended"


# A member has at most one open membership: the one for `User.organisation_id`.
OPEN_STATES = ("claimed", "verified")


class VerificationMethod(str, enum.Enum):
    DOMAIN = "domain"
    ORGANISATION_ADMIN = "organisation_admin"
    MODERATOR = "moderator"
    MIGRATION = "migration"


class Membership(Base):
    """One claim of one member on one organisation. Rows are never deleted while the member
    exists: a refused or ended membership stays as history (who decided, and when)."""

    __tablename__ = "membership"
    __table_args__ = (
        # Every check asks for (member, organisation, state): with one index that answers it
        # exactly, SQLite (which has no statistics) never scans an organisation's memberships.
        sa.Index("ix_membership_user_organisation", "user_id", "organisation_id", "state"),
        sa.Index(
            "ix_membership_open_per_user", "user_id", unique=True,
            sqlite_where=sa.text("state IN ('claimed', 'verified')"),
            postgresql_where=sa.text("state IN ('claimed', 'verified')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[MembershipState] = mapped_column(
        str_enum(MembershipState), default=MembershipState.CLAIMED
    )
    # Administrator of this organisation: approves and removes members, keeps domains and the
    # profile. Counts only while the membership is verified.
    is_admin: Mapped[bool] = mapped_column(default=False)
    method: Mapped[VerificationMethod | None] = mapped_column(str_enum(VerificationMethod))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])
    ended_by: Mapped["User | None"] = relationship(foreign_keys=[ended_by_id])

    @property
    def is_open(self) -> bool:
        return self.state.value in OPEN_STATES

    @property
    def is_verified(self) -> bool:
        return self.state is MembershipState.VERIFIED

    @property
    def is_claimed(self) -> bool:
        return self.state is MembershipState.CLAIMED

    @classmethod
    def of_organisation(cls, organisation_id: int, state: MembershipState) -> sa.Select:
        return (
            sa.select(cls)
            .join(User, User.id == cls.user_id)
            .where(cls.organisation_id == organisation_id, cls.state == state,
                   User.organisation_id == cls.organisation_id)
            .order_by(sa.func.lower(User.name), User.id)
            .options(contains_eager(cls.user))
        )

    def __repr__(self) -> str:
        return f"<Membership {self.id} {self.user_id}->{self.organisation_id} {self.state.value}>"


def verified_membership_of(user_id, organisation_id) -> sa.ColumnElement[bool]:
    """Join condition to the verified membership of the user in the organisation (columns);
    at most one row, as a member has one open membership."""
    return sa.and_(
        Membership.user_id == user_id,
        Membership.organisation_id == organisation_id,
        Membership.state == MembershipState.VERIFIED,
    )


def confirmed_membership(user_id, organisation_id) -> sa.ColumnElement[bool]:
    """SQL: the user (column) has a verified membership of the organisation (column), whether
    or not the organisation itself is verified yet."""
    return sa.exists().where(
        Membership.user_id == user_id,
        Membership.organisation_id == organisation_id,
        Membership.state == MembershipState.VERIFIED,
    )


def speaks_for(user_id, organisation_id) -> sa.ColumnElement[bool]:
    """SQL: the user (column) currently speaks for the organisation (column): verified e-mail,
    verified membership, verified organisation, the same rule as `permissions.verified_organisation`
    but for counting votes and reviews at read time."""
    return sa.exists().where(
        Membership.user_id == user_id,
        Membership.organisation_id == organisation_id,
        Membership.state == MembershipState.VERIFIED,
        User.id == user_id,
        User.organisation_id == organisation_id,
        User.email_verified_at.is_not(None),
        Organisation.id == organisation_id,
        Organisation.verified_at.is_not(None),
    )


class OrganisationDomain(Base):
    """An e-mail domain of an organisation: a member whose verified address is on it (or on a
    subdomain of it) is verified automatically. A domain belongs to one organisation only."""

    __tablename__ = "organisation_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @staticmethod
    def candidates(email: str) -> list[str]:
        """The domains that would cover `email`: its domain and every parent with a dot."""
        host = email.rpartition("@")[2].strip().lower()
        labels = host.split(".")
        return [".".join(labels[i:]) for i in range(len(labels) - 1)]

    def __repr__(self) -> str:
        return f"<OrganisationDomain {self.domain} {self.organisation_id}>"
