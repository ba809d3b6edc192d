"""What every site has: compressed responses, fingerprinted static files cached for a year, and
a favicon.

`url_for('static', filename=...)` adds `v=<content hash>`, so a changed file gets a new URL at
once and an unchanged one can be cached long (`immutable`); a URL without the current hash is
served with revalidation only.
"""
import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from flask_compress import Compress

YEAR = 365 * 24 * 3600
compress = Compress()
_digests: dict[str, tuple[float, str]] = {}


def digest(static_folder: str, filename: str) -> str | None:
    """A short hash of the file's content, recomputed only when its modification time changes."""
    path = os.path.join(static_folder, filename)  # a string: every page asks for five
    try:
        mtime = os.stat(path).st_mtime
    except (OSError, ValueError):
        return None
    cached = _digests.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12])
        _digests[path] = cached
    return cached[1]


def static_url(filename: str) -> str:
    """`url_for('static', filename=...)` for the page frame's files, remembered per content
    hash (a changed file gets its new URL at once)."""
    key = (request.script_root, filename, digest(current_app.static_folder, filename))
    urls = current_app.extensions["static_urls"]
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for("static", filename=filename)
    return url


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Streams are left alone: Flask-Compress's stream wrapper never closes the file it reads.
    # Static files (small) are read into memory below and compressed like pages.
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/csv", "text/javascript",
        "application/javascript", "application/json", "application/atom+xml",
        "application/xml", "image/svg+xml", "image/x-icon",
    ])
    compress.init_app(app)
    app.extensions["static_urls"] = {}
    app.add_template_global(static_url)

    @app.url_defaults
    def fingerprint_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = digest(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = digest(app.static_folder, filename)
            if response.status_code == 200 and response.is_streamed:
                response.direct_passthrough = False
                response.make_sequence()  # closes the file when the response is closed
            if current and request.args.get("v") == current:
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
            else:
                response.cache_control.no_cache = True
        return response

    icon = (Path(app.static_folder) / "favicon.ico").read_bytes()

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on every site whatever the page links (it was a 404 on each page).
        response = Response(icon, mimetype="image/x-icon")
        response.cache_control.public = True
        response.cache_control.max_age = 7 * 24 * 3600
        return response
