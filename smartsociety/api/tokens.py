"""Personal access tokens: made, listed, revoked and looked up (the secret is shown once)."""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from smartsociety.extensions import db
from smartsociety.models import ApiToken, TokenScope, User, utcnow
from smartsociety.models.apitoken import hash_token

# Recognisable in logs and by secret scanners: "ss_pat_" + 43 random characters.
PREFIX = "ss_pat_"


def create(user: User, name: str, scope: TokenScope, days: int) -> tuple[ApiToken, str]:
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, scope=scope, token_hash=hash_token(secret),
        prefix=secret[: len(PREFIX) + 4], expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    current_app.logger.info("api token %s created by member %s", token.id, user.id)
    return token, secret


def for_user(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ))


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    current_app.logger.info("api token %s revoked", token.id)


def lookup(secret: str) -> ApiToken | None:
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or not token.is_active or token.user.erased_at is not None:
        return None
    return token


def record_use(token: ApiToken, address: str | None) -> None:
    """Every use is logged; the latest is kept on the token. Written on a connection of its
    own: a read through the API must not count as a content change (the page cache)."""
    current_app.logger.info("api token %s of member %s used: %s %s", token.id, token.user_id,
                            _method(), _path())
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ApiToken).where(ApiToken.id == token.id).values(
                last_used_at=utcnow(), last_used_address=(address or "")[:45],
                use_count=ApiToken.use_count + 1,
            )
        )


def _method() -> str:
    from flask import request

    return request.method


def _path() -> str:
    from flask import request

    return request.path[:200]
