"""Flask-Login's user loader: sessions carry the user's rotating session token, not the id."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import User


def load_user(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(User).where(User.session_token == token))
