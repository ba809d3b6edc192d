"""Personal access tokens for the API: shown once, stored as a SHA-256 hash."""
import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow


class TokenScope(str, enum.Enum):
    READ = "read"
    WRITE = "write"


def hash_token(secret: str) -> str:
    # The secret is 32 random bytes, so a fast hash is enough (no password to guess).
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope, 10))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, so a member recognises a token in the list.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Every use is logged (request log) and the latest is kept here, shown on the settings page.
    last_used_at: Mapped[datetime | None]
    last_used_address: Mapped[str | None] = mapped_column(sa.String(45))
    use_count: Mapped[int] = mapped_column(default=0)

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()

    @property
    def can_write(self) -> bool:
        return self.scope is TokenScope.WRITE
