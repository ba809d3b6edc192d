"""Parts of a cached page kept apart from it: each case's card on home and the case lists.

Every comment moves home and the case lists (their counts and order change), so under a steady
trickle of comments those pages are rendered again several times a second, while most of the
cases they show did not change. A card is kept per case, language and time zone in the page
cache's store, under the global generation and its case's scope ("case:<id>"): every write
that changes what a card shows moves one of them (the case's own columns, tags, comments and
revisions move "case:<id>"; its organisation, author, partners and tags' names have no
narrower rule and move the global generation; smartsociety/pagescopes.py). So a miss of home
or a list costs the ordering query and the cards of the cases that changed.

Why a kept card is never older than the newest acknowledged write to its case: the page was
loaded after its wrapper read the page's generations (the global one and e.g. "home"), and
every write that changes a card moves the page's scope or the global one too. The cards'
generations are read together with the page's again; a card rendered now is kept only when
the page's are still the same, i.e. no such write has landed since the page's data was read,
so the card is at least as new as the case generation it is kept under. Only for anonymous
readers, and only for pages the page cache renders (the generations come from there).
"""
from flask import current_app, g, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

from smartsociety.pagescopes import CASE_LISTS, HOME, case_scope
from smartsociety.pagestores import Entry

# Pages whose scopes every write that changes a card moves (see above).
CARD_PAGES = frozenset({HOME, CASE_LISTS})


def cards_kept() -> bool:
    """Whether this request's case cards come from the store (so a list need not load what
    its cards show up front)."""
    return (current_app.extensions.get("pagecache") is not None
            and g.get("page_cache_version") is not None and not current_user.is_authenticated)


def cached_cards(cases, render, *prepare) -> list[Markup]:
    """Each case's card, `render(case)` (a macro), from the store where it is still valid;
    each of `prepare(cases)` is called once with the cases whose cards are rendered (preloads
    of what they show)."""
    cases = list(cases)
    store, now, page_unchanged = _generations(cases)
    if store is None:
        for step in prepare:
            step(cases)
        return [render(case) for case in cases]
    where = f"card\0{get_locale()}\0{get_timezone()}\0"
    cards, missing = {}, []
    for case, generation in zip(cases, now[len(now) - len(cases):], strict=True):
        version = (now[0], generation)
        entry = store.get(version, where + str(case.id))
        if entry is None:
            missing.append((case, version))
        else:
            cards[case.id] = Markup(entry.body.decode())
    g.page_parts_kept = g.get("page_parts_kept", 0) + len(cases) - len(missing)
    g.page_parts = g.get("page_parts", 0) + len(cases)
    if missing:
        for step in prepare:
            step([case for case, _version in missing])
    for case, version in missing:
        cards[case.id] = card = render(case)
        if page_unchanged:
            store.put(where + str(case.id), Entry(str(card).encode(), "text/html", None,
                                                  version))
    return [cards[case.id] for case in cases]


def cached_fragment(name: str, caller) -> Markup:
    """`{% call cached_fragment(name) %}...{% endcall %}`: the part's HTML kept per language,
    time zone and address under the global generation alone, for a part that shows only the
    request's parameters and data no narrower rule covers (a case list's filter form: its
    choices are principles, whose writes move the global generation). The global generation
    the page's wrapper read before loading anything, so the part is never older than it."""
    if not cards_kept():
        return caller()
    cache = current_app.extensions["pagecache"]
    version = (g.page_cache_version[1][0],)
    key = f"fragment\0{name}\0{get_locale()}\0{get_timezone()}\0{request.full_path}"
    entry = cache.store.get(version, key)
    if entry is not None:
        return Markup(entry.body.decode())
    html = caller()
    cache.store.put(key, Entry(str(html).encode(), "text/html", None, version))
    return html


def _generations(cases):
    """(store, the global generation, the page's and the cases' generations, whether the
    page's are as its wrapper read them), or (None, ...) when cards are not kept."""
    if not cases or not cards_kept():
        return None, (), False
    cache = current_app.extensions["pagecache"]
    scopes, version = g.page_cache_version
    now = cache.current_version([*scopes, *(case_scope(case.id) for case in cases)])
    if now is None:
        return None, (), False
    unchanged = tuple(now[:len(version)]) == tuple(version) and bool(CARD_PAGES & set(scopes))
    return cache.store, now, unchanged
