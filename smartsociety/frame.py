"""The page frame (base.html's header, navigation and footer) rendered once per language and
kind of reader, instead of on every page.

The frame shows no stored data but the reader's own: fixed texts in the reader's language,
the site's URLs, three things of the request (the language switch's return address, the
search box's query on the search page, which navigation link is the current page) and, for a
member, their name and profile link, the bell's unread count and the log-out form's token.
Each part is kept per process, language, script root and role (anonymous; member, moderator or
administrator: the links a role adds) with those values left as markers, and filled in per
request: so a page costs one dictionary lookup and a substitution for its frame instead of
some twenty `url_for` and translation calls. The values are read at fill time, so a new name,
count or role shows on the very next request. Nothing to invalidate: translations and routes
change only with a restart.
"""
import re

from flask import Flask, current_app, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from smartsociety import memberpage
from smartsociety.permissions import is_admin, is_moderator

_MARK = "\x02"  # never in the frame's own text; `escape` leaves it alone
_MARKER = re.compile(f"{_MARK}([a-z_]+|current:([^{_MARK}]*)){_MARK}")
_CURRENT = Markup(' aria-current="page"')
# A member's nav link to their profile, as macros/nav.html's `nav_link` renders it.
_PROFILE = Markup('<li><a href="{}"{}>{}</a></li>')


def _next() -> str:
    """The language switch's return address: this page."""
    return request.full_path if request.query_string else request.path


def _query() -> str:
    """The search box shows the query on the search page only."""
    return request.args.get("q", "") if request.endpoint == "search.index" else ""


def _is_current(url: str) -> bool:
    path = request.path
    return path == url or (url != "/" and path.startswith(url))


def _value(name: str) -> str:
    """The value of a marker, escaped as the template would; the member's ones only asked in a
    member's frame."""
    if name == "next":
        return escape(_next())
    if name == "q":
        return escape(_query())
    if name == "unread":
        return str(memberpage.state()["unread"])
    if name == "has_unread":
        return " has-unread" if memberpage.state()["unread"] else ""
    if name == "bell_current":
        return _CURRENT if request.endpoint == "notify.index" else ""
    if name == "profile":
        url = url_for("accounts.profile", user_id=current_user.id)
        return _PROFILE.format(url, _CURRENT if _is_current(url) else "", current_user.name)
    if name == "csrf":
        return escape(generate_csrf())
    raise KeyError(name)


def frame_value(name: str):
    """A value of the frame that depends on the request or the reader ("next", "q"; for a
    member "unread", "has_unread", "bell_current", "profile", "csrf"): a marker while the part
    is rendered to be kept, the value (escaped) otherwise."""
    if g.get("frame_keeping"):
        return Markup(f"{_MARK}{name}{_MARK}")
    return Markup(_value(name))


def nav_current(url: str) -> Markup:
    """` aria-current="page"` on the navigation link of the page the reader is on."""
    if g.get("frame_keeping"):
        return Markup(f"{_MARK}current:{url}{_MARK}")
    return _CURRENT if _is_current(url) else Markup("")


def _fill(match: re.Match) -> str:
    if match[2] is not None:
        return _CURRENT if _is_current(match[2]) else ""
    return str(_value(match[1]))


def _role() -> tuple:
    """What of the reader changes a kept header beyond its markers: () for an anonymous
    reader, else whether the member sees the moderators' and the administrators' links."""
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return ()
    return ("member", is_moderator(user), is_admin(user))


def frame_part(name: str, caller, members_too: bool = False) -> Markup:
    """`{% call frame_part(name) %}...{% endcall %}`: the part, kept per language, script root
    and role (`_role`); `members_too`: one for every reader, for a part that shows nothing of
    the reader (the footer)."""
    kept = current_app.extensions["frame_parts"]
    key = (name, str(get_locale()), request.script_root)
    if not members_too:
        role = _role()
        if role:
            key += role
    html = kept.get(key)
    if html is None:
        g.frame_keeping = True
        try:
            html = str(caller())
        finally:
            g.frame_keeping = False
        kept[key] = html
    return Markup(_MARKER.sub(_fill, html) if _MARK in html else html)


def init_app(app: Flask) -> None:
    app.extensions["frame_parts"] = {}
    app.jinja_env.globals.update(frame_part=frame_part, frame_value=frame_value,
                                 nav_current=nav_current)
