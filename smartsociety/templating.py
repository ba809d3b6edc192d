"""What every template can use: permission predicates, dates in the reader's language, URLs."""
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from smartsociety import permissions
from smartsociety.i18n import LANGUAGE_NAMES
from smartsociety.labels import label


def url_with_args(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one); keeps filters."""
    args = request.args.copy()
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    query = args.to_dict(flat=False)
    encoded = urlencode([(k, v) for k, values in query.items() for v in values])
    return request.path + (f"?{encoded}" if encoded else "")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(permissions.PREDICATES)
    app.jinja_env.globals.update(
        url_with_args=url_with_args,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        label=label,
        # Live view of the registered endpoints, so navigation shows installed features only.
        url_endpoints=app.view_functions,
    )
    app.jinja_env.filters.update(
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        isodatetime=lambda value: value.isoformat() if value else "",
        # Stored HTML was sanitised when it was saved; marking it safe here is the only place.
        trusted_html=lambda value: Markup(value or ""),
    )
