"""Site-wide pages: home and the language switch."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from smartsociety.events.services import upcoming as upcoming_events
from smartsociety.extensions import csrf, db
from smartsociety.i18n import LANGUAGE_COOKIE
from smartsociety.models import Case, CaseFilter
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import HOME
from smartsociety.redirects import safe_next_url, same_origin

bp = Blueprint("main", __name__)

ONE_YEAR = 60 * 60 * 24 * 365


@bp.get("/")
@cached_page(scope=HOME)
def home():
    recent_cases = db.session.scalars(Case.filtered(CaseFilter(sort="active")).limit(5)).all()
    return render_template("main/home.html", recent_cases=recent_cases,
                           upcoming_events=upcoming_events(limit=3))


@bp.post("/taal/<language>")
@csrf.exempt
def set_language(language: str):
    # A POST (a button in a small form), so no page elsewhere can change a member's stored
    # language with a link or an image. No CSRF token, so anonymous readers get no session
    # cookie just for seeing the switch; instead the request must come from this site (and
    # the SameSite=Lax session cookie is not sent with another site's POST anyway).
    target = safe_next_url(request.form.get("next"), url_for("main.home"))
    response = redirect(target, 303)
    if language not in current_app.config["LANGUAGES"] or not same_origin():
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
