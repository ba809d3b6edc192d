"""What templates' helpers remember within a request or a process (url_with_args, label, the
date formats) gives what computing it anew gives."""
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import request
from flask_babel import force_locale

from smartsociety import dates
from smartsociety.labels import label
from smartsociety.models import EventKind
from smartsociety.templating import cached_label, url_with_args


def _url_anew(**changes) -> str:
    """url_with_args as it was: a copy of the arguments, changed key by key."""
    args = request.args.copy()
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    query = args.to_dict(flat=False)
    encoded = urlencode([(k, v) for k, values in query.items() for v in values])
    return request.path + (f"?{encoded}" if encoded else "")


def test_url_with_args_equals_changing_a_copy_of_the_arguments(app):
    changes = [{}, {"page": None}, {"kind": "project", "page": None}, {"page": None, "kind": "x y"},
               {"q": None}, {"q": None, "kind": None, "page": None, "sort": None},
               {"sort": "date", "page": None}, {"theme": "a&b", "page": 2}, {"new": "é"},
               {"kind": "project", "page": None}, {"page": None}]
    for path in ("/zoeken?q=open+data&kind=dilemma&page=3&kind=project&sort=date",
                 "/zoeken", "/zoeken?page=2", "/casussen?q=%C3%A9&theme=x"):
        with app.test_request_context(path):
            for change in changes * 2:  # asked again: from what the request remembered
                assert url_with_args(**change) == _url_anew(**change), (path, change)


def test_labels_remembered_per_language_and_kind_of_value(app):
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        for _ in range(2):
            assert cached_label("adopted") == label("adopted")
            assert cached_label(EventKind.ADOPTED) == label(EventKind.ADOPTED)
            assert cached_label("adopted") != cached_label(EventKind.ADOPTED)
            assert cached_label("dilemma") == "Dilemma"
            with force_locale("en"):
                assert cached_label("adopted") == "Adopted" == label("adopted")
            assert cached_label("onbekende-waarde") == "onbekende-waarde"


def test_dates_remembered_per_language_and_format(app):
    day = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        for _ in range(2):
            assert dates.format_date(day) == "5 maart 2026"
            assert dates.format_date(day, "short") == "5 mrt. 2026"
            assert dates.format_date(date(2026, 3, 6)) == "6 maart 2026"
            with force_locale("en"):
                assert dates.format_date(day) == "5 March 2026"
                assert dates.format_date(day, "short") == "5 Mar 2026"


def test_texts_and_labels_kept_per_process_follow_each_requests_language(app):
    """Translations and enum labels are kept per app and language across requests; a stored
    string's label only for its request, so the kept texts stay a bounded set."""
    from smartsociety.models import CaseKind
    from smartsociety.templating import cached_gettext

    for language, search, project in [("nl", "Zoeken", "Project"), ("en", "Search", "Project"),
                                      ("nl", "Zoeken", "Project")] * 2:
        # A fresh app context per request, as a server has (Flask-Babel keeps the locale in g).
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language":
                                                                       language}):
            assert cached_gettext("Search") == search
            assert cached_label(CaseKind.PROJECT) == project == label(CaseKind.PROJECT)
            assert cached_label("dilemma") == label("dilemma")
            with force_locale("en" if language == "nl" else "nl"):
                assert cached_gettext("Search") == ("Search" if language == "nl" else "Zoeken")
    kept = app.extensions["kept_texts"]
    assert kept["nl"]["Search"] == "Zoeken" and kept["en"]["Search"] == "Search"
    assert ("label", CaseKind, CaseKind.PROJECT) in kept["nl"]
    assert not any(key == ("label", str, "dilemma") for key in kept["nl"])
