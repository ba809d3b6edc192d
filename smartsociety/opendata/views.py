"""/open-data: the list of datasets and their files, with the content licence."""
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from smartsociety.opendata import services

bp = Blueprint("opendata", __name__)


@bp.get("/open-data")
def index():
    """Open data: the DCAT-AP catalogue of dumps."""
    return render_template("opendata/index.html", catalogue=services.listing(),
                           licence=services.LICENCE, licence_name=services.LICENCE_NAME)


@bp.get("/open-data/<path:filename>")
def file(filename: str):
    """Download one open-data dump."""
    directory = Path(current_app.config["OPENDATA_DIR"])
    if "/" in filename or not (directory / filename).is_file() or filename.endswith(".tmp"):
        abort(404)
    mimetype = {"csv": "text/csv", "json": "application/json",
                "jsonld": "application/ld+json", "geojson": "application/geo+json"}.get(
        filename.rsplit(".", 1)[-1], "application/octet-stream")
    return send_from_directory(directory, filename, mimetype=mimetype, max_age=3600)
