"""Members of the network, their site role and their organisation."""
import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, EncryptedString, str_enum, utcnow
from smartsociety.passwordhash import hash_password, verify_password


class Role(str, enum.Enum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Stored lower-cased: e-mail addresses are unique without regard to case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.MEMBER)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # Flask-Login's id: rotating it ends every session and remember-me cookie of this user.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    # Set when the member proved they read mail at `email` (issue 15); None until then.
    email_verified_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret (base32), when it was switched on,
    # and the last time step used, so one code never signs in twice.
    # Encrypted at rest: a database copy alone must not let anyone make the member's codes.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Moderation: a hidden profile shows only the name; job title and bio are kept.
    profile_hidden_at: Mapped[datetime | None]
    profile_hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Account deleted (AVG art. 17): personal data erased, contributions kept as "voormalig lid".
    erased_at: Mapped[datetime | None]

    organisation: Mapped["Organisation | None"] = relationship(  # noqa: F821
        back_populates="members", foreign_keys=[organisation_id]
    )
    # The open (claimed or verified) membership of `organisation`, loaded with the member in
    # the same query, so bylines can say whether the affiliation is confirmed (issue 15).
    membership: Mapped["Membership | None"] = relationship(  # noqa: F821
        primaryjoin="and_(User.id == foreign(Membership.user_id), "
        "User.organisation_id == foreign(Membership.organisation_id), "
        "Membership.state.in_(['claimed', 'verified']))",
        viewonly=True, uselist=False, lazy="joined",
    )

    # Set by the user loader for this request: the LoginSession the cookie belongs to.
    login_session_key = None

    def get_id(self) -> str:
        return self.session_token

    def set_password(self, password: str, method: str) -> None:
        self.password_hash = hash_password(password, method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> sa.Select:
        return sa.select(cls).where(cls.email == cls.normalise_email(email))

    @classmethod
    def search(cls, query: str = "") -> sa.Select:
        """Members by name, with `query` in their name or e-mail address (case-insensitive)."""
        select = sa.select(cls).order_by(sa.func.lower(cls.name), cls.id)
        if query:
            select = select.where(
                sa.or_(
                    cls.name.icontains(query, autoescape=True),
                    cls.email.contains(query.strip().lower(), autoescape=True),
                )
            )
        return select

    @classmethod
    def admins(cls) -> sa.Select:
        return sa.select(cls.id).where(cls.role == Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
