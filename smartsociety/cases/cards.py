"""What the case cards of home and the case lists load (smartsociety/fragments.py keeps the
cards themselves)."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import Case

NOT_ON_CARDS = sa.orm.lazyload(Case.theme_links)  # loaded with every case, shown on no card


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
