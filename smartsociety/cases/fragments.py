"""A case's thread as HTML, each comment's shared part rendered once per process.

Most of a comment's HTML is the same for every reader in one language and time zone: its
frame, date, edited and accepted marks, the reply-to line and the helpful count (the
`comment_frame` macro in cases/_macros.html). Rendering it for fifty comments was most of an
uncached case page's time (docs/performance.md, issue 23 item 3). It is kept here per process
under a key made of everything it shows, so a kept frame can never be out of date: an edit,
hiding, removal, accepted answer, helpful mark or a renamed author of the comment replied to
makes a different key, and the old entry just ages out of the bounded store. What may differ
per request is put into the kept frame each time: the author's byline (rendered once per author
per request, `byline_once`: a renamed member or changed organisation shows at once), the body's
stored HTML, the reader's own actions and the replies.
"""
import re
import threading
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app
from flask_babel import get_locale, get_timezone, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from smartsociety.permissions import (
    can_delete_comment,
    can_edit_comment,
    can_react,
    can_report,
    can_view_hidden,
)
from smartsociety.templating import byline_once

# Where the per-request parts go in a kept frame (no rendered text contains a NUL).
_MARKS = {name: Markup(f"\0{name}\0") for name in ("byline", "body", "actions", "children")}
_SPLIT = re.compile("\0(byline|body|actions|children)\0")
# A comment's stand-in for rendering the actions once per page (see `_actions`).
_STAND_IN = SimpleNamespace(id="\0id\0", body="\0quote\0",
                            author=SimpleNamespace(name="\0name\0"))
_SPLIT_ACTIONS = re.compile("\0(id|quote|name)\0")


class May(NamedTuple):
    """What the reader may do with one comment (the predicates of smartsociety.permissions)."""

    react: bool = False
    pressed: bool = False  # marked helpful by the reader
    edit: bool = False
    delete: bool = False
    report: bool = False
    accept: bool = False


class FrameStore:
    """Frames by key, bounded in characters; the oldest entry goes first. Reads take no lock
    (a dict lookup is atomic); writes do, so the size stays right under threads."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.entries: dict[tuple, tuple[str, ...]] = {}
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[str, ...] | None:
        return self.entries.get(key)

    def put(self, key: tuple, parts: tuple[str, ...]) -> None:
        size = sum(map(len, parts))
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = parts
            self.size += size
            while self.size > self.max_chars and self.entries:
                oldest = next(iter(self.entries))
                self.size -= sum(map(len, self.entries.pop(oldest)))

    @staticmethod
    def of_app(name: str, setting: str, default_chars: int) -> "FrameStore":
        """The app's store `name`, made on first use with the bound the config's `setting`
        gives (else `default_chars`)."""
        store = current_app.extensions.get(name)
        if store is None:
            store = current_app.extensions[name] = FrameStore(
                current_app.config.get(setting, default_chars))
        return store


def frame_store() -> FrameStore:
    return FrameStore.of_app("comment_frames", "COMMENT_FRAMES_MAX_CHARS", 4_000_000)


# The thread's texts per language: the translations change only with a restart. Each was a
# gettext call through Jinja's i18n extension on every view (eleven per page).
_TEXTS: dict[str, dict[str, Markup]] = {}


def thread_texts(reader) -> dict:
    """The texts the thread's macros read as `t` (cases/_macros.html), marked safe as Jinja's
    `_()` marks them, and for a member the form token."""
    language = str(get_locale())
    texts = _TEXTS.get(language)
    if texts is None:
        texts = _TEXTS[language] = {key: Markup(text) for key, text in {
            "removed": gettext("This comment has been removed."),
            "hidden": gettext("This comment was hidden by a moderator."),
            "edited": gettext("edited"),
            "accepted": gettext("Accepted answer"),
            "former": gettext("Former member"),
            "reply": gettext("Reply"),
            "quote": gettext("Quote"),
            "helpful": gettext("Helpful"),
            "edit": gettext("Edit"),
            "delete": gettext("Delete"),
            "accept": gettext("Accept as answer"),
        }.items()}
    return {**texts, "token": generate_csrf() if reader.member else ""}


def comment_thread(nodes, reader, helpful, t, frame, actions) -> Markup:
    """The thread's comments (`nodes`: cases.thread.build_thread) as one piece of HTML, equal
    to rendering `frame` with the parts filled in for each comment. `frame` and `actions` are
    the macros of cases/_macros.html, imported by the page with its context."""
    store = frame_store()
    user = current_user._get_current_object()
    where = (str(get_locale()), str(get_timezone()))
    actions_of = _actions(reader, helpful, t, actions, user)
    out: list[str] = []
    # byline_once per distinct author, not per comment: its own memo sits behind `g`, a
    # context-local lookup each time (fifty of them for a thread by one member).
    bylines: dict[int | None, str] = {}

    def render(node) -> None:
        c = node.comment
        shown = c.hidden_at is None or can_view_hidden(user, c)
        reply = node.reply_to
        key = (where, c.id, node.depth, bool(node.children), c.deleted_at is not None,
               c.hidden_at is not None, shown, c.hidden_reason if c.hidden_at else None,
               c.created_at, c.edited_at is not None, c.accepted_at is not None,
               c.helpful_count, reply.id if reply is not None else None,
               reply.author.name if reply is not None and reply.author is not None else None)
        parts = store.get(key)
        if parts is None:
            parts = tuple(_SPLIT.split(str(frame(node, reader, t, shown, _MARKS))))
            store.put(key, parts)
        for i, part in enumerate(parts):
            if not i % 2:
                out.append(part)
            elif part == "byline":
                byline = bylines.get(c.author_id)
                if byline is None:
                    byline = bylines[c.author_id] = byline_once(c.author)
                out.append(byline)
            elif part == "body":
                out.append(c.body_html or "")
            elif part == "actions":
                actions_of(c, out)
            else:
                for child in node.children:
                    render(child)

    for node in nodes:
        render(node)
    return Markup("".join(out))


def _actions(reader, helpful, t, macro, user):
    """`add(comment, out)`: appends the reader's actions for a comment. The macro is rendered
    once per process for each combination of what the reader may do (`May`) and what else it
    shows (language, the case's URLs, whether the reader may reply and is a member), with
    stand-ins for the comment's id, text and author's name and the reader's form token, which
    are then put in escaped as the macro would."""
    patterns: dict[May, tuple[str, bool, bool]] = {}
    names: dict[int | None, str] = {}  # each author's name escaped once per page
    token = str(escape(t["token"]))
    where = ("actions", str(get_locale()), reader.detail_url, reader.case_id, reader.comment,
             reader.member, bool(token))
    store = frame_store()

    def kept_pattern(may: May) -> tuple[str, bool, bool]:
        kept = store.get((*where, may))
        if kept is None:
            text, quotes, named = _pattern(str(macro(_STAND_IN, reader, t, may)))
            if token:  # the reader's own: a field of its own (no braces in a token)
                text = "{token}".join(text.split(token))
            kept = (text, "quote" if quotes else "", "name" if named else "")
            store.put((*where, may), kept)
        return kept[0], bool(kept[1]), bool(kept[2])

    def add(c, out: list[str]) -> None:
        accept = bool(reader.accept and not c.accepted_at)
        if reader.member:
            react = can_react(user, c)
            may = May(react, react and c.id in helpful, can_edit_comment(user, c),
                      can_delete_comment(user, c), can_report(user, c), accept)
        else:
            may = May(accept=accept)
        pattern = patterns.get(may)
        if pattern is None:
            pattern = patterns[may] = kept_pattern(may)
        text, quotes, named = pattern
        name = ""
        if named:
            name = names.get(c.author_id)
            if name is None:
                name = names[c.author_id] = escape(
                    c.author.name if c.author is not None else t["former"])
        out.append(text.format(id=c.id, quote=escape(c.body) if quotes else "", name=name,
                               token=token))
    return add


def _pattern(rendered: str) -> tuple[str, bool, bool]:
    """The rendered actions as a format string with {id}, {quote} and {name} where the
    stand-ins were, and whether it has a quote and a name (only then are they escaped)."""
    parts = _SPLIT_ACTIONS.split(rendered)
    text = "".join(part.replace("{", "{{").replace("}", "}}") if not i % 2 else f"{{{part}}}"
                   for i, part in enumerate(parts))
    return text, "quote" in parts[1::2], "name" in parts[1::2]


class PlainCommentForm:
    """A member's empty comment form on a GET (no reply, nothing typed, no errors), standing
    in for the form class until its fields are needed: while the kept fields (`comment_form`)
    are there, only the reader's form token is. `form_errors` finds nothing to show in it, as
    in the real empty form; `real()` builds that form (once) for the kept fields' first
    rendering. Building the WTForms form bound five fields and its translations on every
    member's view of a case."""

    errors: dict = {}
    csrf_token = SimpleNamespace(errors=())

    def __init__(self, form_class):
        self._form_class = form_class
        self._real = None
        # As FlaskForm's CSRF field does when the form is built (and so the session gets
        # its token now, as before).
        self.token = generate_csrf() if current_app.config.get("WTF_CSRF_ENABLED", True) \
            else None

    def __iter__(self):
        return iter(())  # no field has an error

    def real(self):
        if self._real is None:
            self._real = self._form_class()
        return self._real


def comment_form(form, case_id: int, macro) -> Markup:
    """The comment form's fields (the `comment_form_fields` macro): while the form shows nothing
    of the reader's (empty, not a reply, no errors: a member's plain page view), kept per
    process under (case, language) with the reader's form token put in each time (WTForms'
    rendering of five fields was ~0.4 ms of a member's page). Anything else renders anew."""
    if isinstance(form, PlainCommentForm):
        token = form.token
    elif form.errors or form.body.data or form.parent_id.data:
        return macro(form, case_id)
    else:
        field = getattr(form, "csrf_token", None)
        token = field.current_token if field is not None else None
    key = ("comment_form", str(get_locale()), case_id, bool(token))
    store = frame_store()
    parts = store.get(key)
    if parts is None:
        html = str(macro(form.real() if isinstance(form, PlainCommentForm) else form, case_id))
        parts = tuple(html.split(token)) if token else (html,)
        if len(parts) != (2 if token else 1):
            return Markup(html)  # the token not exactly once: nothing to keep
        store.put(key, parts)
    return Markup(token.join(parts) if token else parts[0])
