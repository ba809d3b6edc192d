"""Site-wide pages: home and the language switch."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from smartsociety.events.services import upcoming as upcoming_events
from smartsociety.extensions import db
from smartsociety.i18n import LANGUAGE_COOKIE
from smartsociety.models import Case, CaseFilter
from smartsociety.pagecache import cached_page
from smartsociety.redirects import safe_next_url

bp = Blueprint("main", __name__)

ONE_YEAR = 60 * 60 * 24 * 365


@bp.get("/")
@cached_page
def home():
    recent_cases = db.session.scalars(Case.filtered(CaseFilter(sort="active")).limit(5)).all()
    return render_template("main/home.html", recent_cases=recent_cases,
                           upcoming_events=upcoming_events(limit=3))


@bp.get("/taal/<language>")
def set_language(language: str):
    # A plain link, so anonymous readers get no session cookie just for seeing the switch.
    target = safe_next_url(request.args.get("next"), url_for("main.home"))
    response = redirect(target)
    if language not in current_app.config["LANGUAGES"]:
        return response
    session[LANGUAGE_COOKIE] = language
    if current_user.is_authenticated:
        current_user.locale = language
        db.session.commit()
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
