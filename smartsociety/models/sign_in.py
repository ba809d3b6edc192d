"""Sign-in history (issue 21, AVG art. 15): each sign-in attempt on an existing account, kept
data-minimal (a browser and system family, an address cut to its network) and only for
SIGN_IN_HISTORY_DAYS (`flask users prune-sign-ins`)."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smartsociety.models.base import Base, str_enum, utcnow


class SignInResult(str, enum.Enum):
    SUCCEEDED = "signin_succeeded"
    WRONG_PASSWORD = "signin_wrong_password"
    WRONG_CODE = "signin_wrong_code"


class SignIn(Base):
    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    result: Mapped[SignInResult] = mapped_column(str_enum(SignInResult, 30))
    # Whether a second factor was passed (a succeeded sign-in with two-factor sign-in on).
    second_factor: Mapped[bool] = mapped_column(default=False)
    # "Firefox on Linux": the families only, never the full user-agent string.
    client: Mapped[str] = mapped_column(sa.String(80), default="")
    # IPv4 cut to /24, IPv6 to /48: where, roughly, not who.
    network: Mapped[str] = mapped_column(sa.String(50), default="")

    __table_args__ = (sa.Index("ix_sign_in_user_at", "user_id", "at"),)

    @property
    def succeeded(self) -> bool:
        return self.result is SignInResult.SUCCEEDED
