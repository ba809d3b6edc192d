"""What every template can use: permission predicates, dates in the reader's language, URLs."""
import enum
from collections import ChainMap
from urllib.parse import urlencode

from flask import Flask, current_app, g, get_template_attribute, request
from flask_babel import format_decimal, get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup

from smartsociety import dates, memberpage, permissions
from smartsociety.i18n import LANGUAGE_NAMES
from smartsociety.labels import label
from smartsociety.models import FollowTarget
from smartsociety.notify.services import is_following as following


def url_with_args(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one); keeps filters.

    The arguments left as they are come first, in their order, then the replaced ones in the
    order given (as when a copy of request.args is changed key by key). The part left as it
    is is encoded once per request and set of replaced names: a search page has a link per
    facet value, all changing the same two names."""
    kept = request.environ.setdefault("smartsociety.url_args_kept", {})
    names = tuple(changes)
    base = kept.get(names)
    if base is None:
        base = kept[names] = urlencode([
            (k, v) for k, values in request.args.to_dict(flat=False).items() if k not in changes
            for v in values])
    encoded = "&".join(filter(None, (base, urlencode(
        [(k, v) for k, v in changes.items() if v is not None]))))
    return request.path + (f"?{encoded}" if encoded else "")


def unread_notifications() -> int:
    """The bell's count: one query, asked only by the header of a logged-in member's page."""
    if not current_user.is_authenticated:
        return 0
    return memberpage.state()["unread"]


def byline_once(user) -> Markup:
    """The `byline` macro (macros/people.html) for this member, rendered once per request: a
    thread of fifty comments by a few members shows the same few bylines again and again."""
    made = g.setdefault("bylines", {})
    key = user.id if user is not None else None
    if key not in made:
        made[key] = get_template_attribute("macros/people.html", "byline")(user)
    return made[key]


def _catalog():
    """The remembered translations for the language in force now (a mail rendered under
    `force_locale` during a request gets its own): the texts are kept per app and language,
    as the translation files change only with a restart."""
    # g itself, and the locale Flask-Babel settled on (or force_locale set) read straight
    # from its context: this runs for every text of a page, through a proxy each time.
    here = g._get_current_object()
    locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None) or get_locale()
    memo = getattr(here, "_gettext_memo", None)
    if memo is None or memo[0] is not locale:
        kept = current_app.extensions.setdefault("kept_texts", {})
        # (locale, texts kept per process, translations, labels of other values this request)
        memo = here._gettext_memo = (locale, kept.setdefault(str(locale), {}), get_translations(),
                                   {})
    return memo


def _keep(texts: dict, key, text: str) -> str:
    # Templates translate literal strings and label enum members: a bounded set. The bound
    # only guards against a template that one day translates something of the request.
    if len(texts) < KEPT_TEXTS_MAX:
        texts[key] = text
    return text


KEPT_TEXTS_MAX = 20_000


def cached_gettext(string: str) -> str:
    """Templates' `_()`: Flask-Babel looks up the request's translations anew for every string
    (~20 µs); a page asks for the same few dozen strings hundreds of times (a thread's "Reply"
    and "Report" once per comment), so each is looked up once per request and language."""
    if not g:  # no application context: nothing to remember it in
        return get_translations().ugettext(string)
    _, texts, translations, _labels = _catalog()
    text = texts.get(string)
    if text is None:
        text = _keep(texts, string, translations.ugettext(string))
    return text


def cached_ngettext(singular: str, plural: str, n: int) -> str:
    if not g:
        return get_translations().ungettext(singular, plural, n)
    return _catalog()[2].ungettext(singular, plural, n)


def cached_label(value) -> str:
    """Templates' `label()`, looked up once per language and enum member (a search page
    labels the same few kinds and statuses once per hit and facet value); other values (a
    stored string) once per request."""
    if not g:
        return label(value)
    _, texts, _translations, request_texts = _catalog()
    key = ("label", type(value), value)  # (an EventKind is labelled apart from its value)
    try:
        found = texts.get(key)
    except TypeError:  # unhashable
        return label(value)
    if found is None:
        if isinstance(value, enum.Enum):
            found = _keep(texts, key, label(value))
        else:
            found = request_texts.get(key)
            if found is None:
                found = request_texts[key] = label(value)
    return found


def is_following(target: str, key) -> bool:
    if current_user.is_authenticated:
        # Asked with the member's own rows when the view said so (memberpage.want_follow).
        known = memberpage.following(FollowTarget(target), key)
        if known is not None:
            return known
    return following(current_user, FollowTarget(target), key)


class TemplateGlobals(ChainMap):
    """A template's globals (Jinja's ChainMap over the environment's) whose `keys()` is a dict
    view. Jinja compares the importing template's global names with the imported one's on
    every `{% from ... import %}` (`ctx.globals_keys - template.globals.keys()`); against a
    ChainMap's keys that difference runs in Python, name by name (~115 names, 9 imports a case
    page), against a dict view in C. The mapping and its lookups are unchanged."""

    def keys(self):
        return dict.fromkeys(self).keys()


def init_app(app: Flask) -> None:
    environment = app.jinja_env
    # Environment.make_globals (a documented hook), with the class above; before any template
    # is loaded.
    environment.make_globals = lambda d=None: TemplateGlobals({} if d is None else d,
                                                              environment.globals)
    # After Babel's init_app, which installed the uncached ones.
    app.jinja_env.install_gettext_callables(
        gettext=cached_gettext, ngettext=cached_ngettext, newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(permissions.PREDICATES)
    app.jinja_env.globals.update(
        url_with_args=url_with_args,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        label=cached_label,
        unread_notifications=unread_notifications,
        is_following=is_following,
        byline_once=byline_once,
    )
    app.jinja_env.filters.update(
        # The one date helper (smartsociety.dates): "long" (default) or "short" per language.
        date=lambda value, fmt=dates.LONG: dates.format_date(value, fmt),
        datetime=lambda value, fmt=dates.LONG: dates.format_datetime(value, fmt),
        isodatetime=dates.iso,
        # Numbers with the reader's separators ("1.234" in Dutch, "1,234" in English).
        number=lambda value, fmt=None: format_decimal(value, fmt) if value is not None else "",
        # Stored HTML was sanitised when it was saved; marking it safe here is the only place.
        trusted_html=lambda value: Markup(value or ""),
    )
