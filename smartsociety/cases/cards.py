"""What the case cards of home and the case lists load (smartsociety/fragments.py keeps the
cards themselves)."""
from collections.abc import Callable

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import Case
from smartsociety.models.case import case_tag

NOT_ON_CARDS = sa.orm.lazyload(Case.theme_links)  # loaded with every case, shown on no card

# What other features show on a card, by name: (case id column) -> SQL boolean, false when
# nothing is stored for the case, so the feature's code can skip its query for such cards
# (`stored_nothing(case, name)`, smartsociety/sections.py). The partners' "shared by" line
# registers one.
CARD_FLAGS: dict[str, Callable] = {"tags": lambda case_id: sa.exists().where(
    case_tag.c.case_id == case_id)}


def load_case_cards(cases) -> str:
    """Load what the cards of these cases show (a list whose cards are mostly kept loads it
    only for the others): one query per relation, not one per case. A card or two load theirs
    as they are rendered: their author and organisation are mostly in the session already."""
    ids = [case.id for case in cases if CARD_RELATIONS & sa.inspect(case).unloaded]
    if len(ids) > 2:
        db.session.scalars(sa.select(Case).where(Case.id.in_(ids))
                           .options(*Case.shown_on_cards(), NOT_ON_CARDS)).all()
    return ""


CARD_RELATIONS = frozenset({"author", "organisation", "tags"})
