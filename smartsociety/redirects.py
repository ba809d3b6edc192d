"""Validation of user-supplied redirect targets (`next`), so no redirect leaves the site."""
from urllib.parse import urljoin, urlsplit

from flask import request


def safe_next_url(target: str | None, fallback: str) -> str:
    """Return `target` when it is a path on this site, otherwise `fallback`."""
    if not target or any(ch in target for ch in "\\\r\n\t") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        host = urlsplit(request.host_url)
        joined = urlsplit(urljoin(request.host_url, target))
        if (joined.scheme, joined.netloc) != (host.scheme, host.netloc):
            return fallback
        return joined.path + (f"?{joined.query}" if joined.query else "")
    if not parts.path.startswith("/"):
        return fallback
    return target
