"""A search hit's card (templates/search/_hit.html), rendered once per process for what it shows.

A results page computed again (the index moved on, or another page of the same search) shows
mostly hits shown before; a card is the same HTML as long as the hit (its stored fields and
snippet), the reader's language and time zone, and the site's path are the same: all of them
are its key, so a changed hit or another reader's language gets a card of its own. Kept per
app, bounded in entries (least recently used go first).
"""
import threading
from collections import OrderedDict

from flask import current_app, get_template_attribute, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

CARDS_KEPT = 2000
_lock = threading.Lock()


def hit_card(hit, hit_url, type_labels) -> Markup:
    cards = current_app.extensions.get("search-cards")
    if cards is None:
        cards = current_app.extensions.setdefault("search-cards", OrderedDict())
    key = (hit.key, hit.doc_type, hit.doc_id, hit.case_id, hit.title, hit.kind, hit.status,
           hit.organisation, hit.org_kind, hit.language, hit.date, str(hit.snippet),
           str(get_locale()), str(get_timezone()), request.script_root)
    with _lock:
        found = cards.get(key)
        if found is not None:
            cards.move_to_end(key)
            return found
    found = get_template_attribute("search/_hit.html", "hit_card")(hit, hit_url, type_labels)
    with _lock:
        cards[key] = found
        while len(cards) > CARDS_KEPT:
            cards.popitem(last=False)
    return found
