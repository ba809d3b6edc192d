"""Site-wide pages: home and the language switch."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from smartsociety.extensions import csrf
from smartsociety.i18n import LANGUAGE_COOKIE
from smartsociety.main.sections import HOME_PAGE
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import HOME
from smartsociety.redirects import safe_next_url, same_origin

bp = Blueprint("main", __name__)

ONE_YEAR = 60 * 60 * 24 * 365


@bp.get("/")
@cached_page(scope=HOME)
def home():
    """The home page: recently active cases and upcoming events."""
    return render_template("main/home.html", **HOME_PAGE.context(None, current_user))


@bp.post("/taal/<language>")
@csrf.exempt
def set_language(language: str):
    """Switch the site's language (Dutch or English)."""
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
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
