"""Validation of user-supplied redirect targets (`next`), so no redirect leaves the site."""
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from flask import request

MAX_LENGTH = 2000
# Characters browsers drop or treat as separators in a URL (so "/\t/evil" is "//evil"), and
# invisible ones: a target that has any is not a plain path on this site.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"}


def _plain(target: str) -> bool:
    return not any(
        ch == "\\" or unicodedata.category(ch) in _UNSAFE_CATEGORIES for ch in target
    )


def safe_next_url(target: str | None, fallback: str) -> str:
    """Return `target` when it is a path on this site, otherwise `fallback`.

    An absolute URL on this very host (any case of the scheme) is reduced to its path; the
    result must start with exactly one slash, so `http://<host>//evil.example/` (path
    `//evil.example/`, a protocol-relative URL) is refused like `//evil.example/` itself."""
    if not target or len(target) > MAX_LENGTH or not _plain(target):
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" in what would be the host
        return fallback
    if parts.scheme or parts.netloc:
        own = urlsplit(request.host_url)
        if parts.scheme.lower() not in {"http", "https"} or (
            parts.netloc.lower() != own.netloc.lower()
        ):
            return fallback
        target = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def same_origin() -> bool:
    """The browser says the request comes from a page of this site (or says nothing about it,
    as non-browser clients do). Sec-Fetch-Site first, then Origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in {"same-origin", "none"}
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = urlsplit(request.host_url)
    return origin.lower() == f"{own.scheme}://{own.netloc}".lower()
