"""/dev/mail: registered only in the development configuration (everywhere else a 404)."""
from flask import Blueprint, abort, current_app, render_template

from smartsociety.devmail import services

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


@bp.before_request
def development_only():
    if current_app.config["ENV_NAME"] != "development":
        abort(404)


@bp.get("")
def index():
    """Development only: the mail the site sent, newest first."""
    return render_template("devmail/index.html", messages=services.messages())


@bp.get("/<name>")
def detail(name: str):
    """Development only: one caught mail, with clickable links."""
    caught = services.message(name)
    if caught is None:
        abort(404)
    return render_template("devmail/detail.html", caught=caught)
