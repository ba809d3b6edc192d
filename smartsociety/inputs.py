"""Every text that comes in is cleaned at one place: the request itself.

Control characters (C0 other than tab, line feed and carriage return; DEL; C1) have no meaning in
any text on this site, break XML (feeds), mail headers and PostgreSQL (which cannot hold NUL).
`CleanRequest` removes them from every query parameter, every form field and every uploaded
file's name before any view or form sees them, so every form of every blueprint (also those
added later) is covered. Query parameter values also lose surrounding whitespace (a filter of
" " is no filter). Path segments with control characters match no route (404).
"""
import re

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import UnicodeConverter
from werkzeug.utils import cached_property

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# For one-line values such as mail headers: also line and paragraph separators and newlines.
LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\x85]+")


def strip_control(text: str) -> str:
    """`text` without control characters (tab and newlines are kept)."""
    return CONTROL.sub("", text) if CONTROL.search(text) else text


def one_line(text: str) -> str:
    """For headers and titles: every kind of line break and control character becomes a
    space, and runs of spaces one."""
    return " ".join(LINE_BREAKING.sub(" ", text).split())


def _clean(pairs, *, strip: bool) -> MultiDict:
    cleaned = []
    for key, value in pairs:
        if isinstance(value, str):
            value = strip_control(value)
            if strip:
                value = value.strip()
        cleaned.append((strip_control(key), value))
    return cleaned


class CleanRequest(Request):
    def get_json(self, force=False, silent=False, cache=True):
        # json.loads raises RecursionError (not ValueError) on very deep nesting.
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest() from None

    @cached_property
    def args(self):
        raw = super().args
        return self.parameter_storage_class(_clean(raw.items(multi=True), strip=True))

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        data = self.__dict__
        data["form"] = self.parameter_storage_class(
            _clean(data["form"].items(multi=True), strip=False)
        )
        for storage in data["files"].values():
            if storage.filename:
                storage.filename = one_line(storage.filename)


SEGMENT = "[^/\x00-\x1f\x7f-\x9f]"


class CleanStringConverter(UnicodeConverter):
    """`<name>` and `<string:name>`: any segment without control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", SEGMENT)


def init_app(app) -> None:
    """Call before any blueprint is registered (the converters apply to rules added later)."""
    app.request_class = CleanRequest
    app.url_map.converters["default"] = CleanStringConverter
    app.url_map.converters["string"] = CleanStringConverter
