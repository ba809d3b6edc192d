"""Response headers for private pages: nothing a member sees is kept by a shared cache, or by
the browser's cache for the next person at the same computer (issue 16)."""
from flask import Flask, request
from flask_login import current_user


def _private_pages(response):
    if request.endpoint == "static" or response.cache_control.public:
        return response
    # Pages for a logged-in member, and any answer that sets a cookie (login, language).
    if current_user.is_authenticated or response.headers.get("Set-Cookie"):
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


def init_app(app: Flask) -> None:
    app.after_request(_private_pages)
