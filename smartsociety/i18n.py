"""Which language a request is served in, and remembering a member's choice."""
from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
LOGIN_MESSAGE = _l("Log in to see this page.")


def select_locale() -> str:
    if not has_request_context():
        # Commands, workers and services called outside a request: the site's own language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return visitor_locale()


def visitor_locale() -> str:
    """The language chosen by this browser (session, then cookie, then Accept-Language)."""
    languages = current_app.config["LANGUAGES"]
    for choice in (session.get(LANGUAGE_COOKIE), request.cookies.get(LANGUAGE_COOKIE)):
        if choice in languages:
            return choice
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
