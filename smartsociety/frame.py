"""The page frame (base.html's header, navigation and footer) rendered once per language for
anonymous readers, instead of on every page.

The anonymous frame shows no stored data: fixed texts in the reader's language, the site's
URLs and three things of the request, the language switch's return address, the search box's
query (on the search page) and which navigation link is the current page. Each part is kept
per process, language and script root with those three left as markers, and filled in per
request: so an anonymous page costs one dictionary lookup and a substitution for its frame
instead of some twenty `url_for` and translation calls. A member's frame (name, unread count,
moderation links, the log-out form's token) is rendered per request as before (the footer,
which shows nothing of the reader, is the kept one for members too); so is every
frame while flash messages wait (they are not in the frame, but a session may log the reader
in; `current_user` decides). Nothing to invalidate: translations and routes change only with
a restart.
"""
import re

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

_MARK = "\x02"  # never in the frame's own text; `escape` leaves it alone
_MARKER = re.compile(f"{_MARK}(next|q|current:([^{_MARK}]*)){_MARK}")
_CURRENT = Markup(' aria-current="page"')


def _next() -> str:
    """The language switch's return address: this page."""
    return request.full_path if request.query_string else request.path


def _query() -> str:
    """The search box shows the query on the search page only."""
    return request.args.get("q", "") if request.endpoint == "search.index" else ""


def _is_current(url: str) -> bool:
    path = request.path
    return path == url or (url != "/" and path.startswith(url))


def frame_value(name: str):
    """A request-dependent value of the frame ("next" or "q"): a marker while the part is
    rendered to be kept, the value otherwise."""
    if g.get("frame_keeping"):
        return Markup(f"{_MARK}{name}{_MARK}")
    return _next() if name == "next" else _query()


def nav_current(url: str) -> Markup:
    """` aria-current="page"` on the navigation link of the page the reader is on."""
    if g.get("frame_keeping"):
        return Markup(f"{_MARK}current:{url}{_MARK}")
    return _CURRENT if _is_current(url) else Markup("")


def _fill(match: re.Match) -> str:
    if match[2] is not None:
        return _CURRENT if _is_current(match[2]) else ""
    return str(escape(_next() if match[1] == "next" else _query()))


def frame_part(name: str, caller, members_too: bool = False) -> Markup:
    """`{% call frame_part(name) %}...{% endcall %}`: the part, kept for anonymous readers;
    `members_too`: for everyone, for a part that shows nothing of the reader (the footer)."""
    if not members_too and current_user.is_authenticated:
        return caller()
    kept = current_app.extensions["frame_parts"]
    key = (name, str(get_locale()), request.script_root)
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
