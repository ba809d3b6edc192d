"""@mentions in Markdown: `@[Full Name]` or `@Name` (one word) become links to the member."""
import re

import sqlalchemy as sa
from flask import current_app

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import User

# Not after a word character (so e-mail addresses are left alone); brackets allow spaces.
MENTION = re.compile(r"(?<![\w@\[])@(?:\[([^\]\n]{1,120})\]|([\w][\w.-]{0,59}))")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def find_mentions(text: str) -> dict[str, User]:
    """Mentioned names (as folded keys) resolved to members, in one query; names shared by
    several members are ambiguous and resolve to nobody."""
    keys = {_key(m.group(1) or m.group(2)) for m in MENTION.finditer(text or "")}
    keys.discard("")
    if not keys:
        return {}
    found: dict[str, list[User]] = {}
    for user in db.session.scalars(sa.select(User).where(sa.func.lower(User.name).in_(keys))):
        found.setdefault(_key(user.name), []).append(user)
    return {key: users[0] for key, users in found.items() if len(users) == 1}


def render(text: str) -> tuple[str, list[User]]:
    """Sanitised HTML with mentions linked to profiles, and the members mentioned."""
    members = find_mentions(text)

    def link(match: re.Match) -> str:
        user = members.get(_key(match.group(1) or match.group(2)))
        if user is None:
            return match.group(0)
        name = user.name.replace("[", "").replace("]", "")
        # A path, built without a request so services may run from the command line too.
        path = current_app.url_map.bind("").build("accounts.profile", {"user_id": user.id})
        return f"[@{name}]({path})"

    source = MENTION.sub(link, text or "") if members else (text or "")
    return render_markdown(source), list({u.id: u for u in members.values()}.values())
