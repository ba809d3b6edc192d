"""What the case cards of home and the case lists load (smartsociety/fragments.py keeps the
cards themselves)."""
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from smartsociety.extensions import db
from smartsociety.models import Case, Membership, Organisation, Tag, User
from smartsociety.models.case import case_tag
from smartsociety.sections import PRESENT, stored_nothing

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


def with_card_flags(select: sa.Select) -> sa.Select:
    """`select` (Case.filtered(..., shown=False)) with what its cases' cards show: their author
    and organisations joined, and for each whether it has tags or anything another feature
    shows (CARD_FLAGS). Built once by a list that asks the same on every page (home)."""
    columns = [flag(Case.id).label(f"present_{name}") for name, flag in CARD_FLAGS.items()]
    return select.options(*Case.card_joins(), NOT_ON_CARDS).add_columns(*columns)


def card_columns() -> tuple:
    """Loader options for a list whose objects only make cards (home's): of the case, its
    author (with the membership the byline's verified badge asks about) and the
    organisations only the columns a card shows (31 of 80; not the case's description, nor
    the author's password hash and encrypted two-factor secret). Anything else read later
    is loaded then, as a deferred column is, so a forgotten column costs a query, not a
    wrong page."""
    shown = (Organisation.id, Organisation.name, Organisation.slug, Organisation.kind,
             Organisation.verified_at)
    author = sa.orm.defaultload(Case.author)
    return (sa.orm.load_only(Case.id, Case.title, Case.kind, Case.status, Case.summary,
                             Case.created_at, Case.comment_count, Case.author_id,
                             Case.organisation_id),
            sa.orm.defaultload(Case.organisation).load_only(*shown),
            author.load_only(User.id, User.name, User.role, User.organisation_id,
                             User.email_verified_at),
            author.defaultload(User.membership).load_only(
                Membership.id, Membership.user_id, Membership.organisation_id, Membership.state),
            author.defaultload(User.organisation).load_only(*shown))


def cases_with_cards(select: sa.Select) -> list[Case]:
    """The cases of a `with_card_flags` statement, in one query, and the tags of those that
    have any in one more (none when no case on the list has tags)."""
    cases = []
    for row in db.session.execute(select):
        case = row[0]
        flags = {key[8:]: bool(value) for key, value in row._mapping.items()
                 if isinstance(key, str) and key.startswith("present_")}
        setattr(case, PRESENT, {**getattr(case, PRESENT, {}), **flags})
        cases.append(case)
    tagged = [case.id for case in cases if not stored_nothing(case, "tags")]
    tags: dict[int, list[Tag]] = {case.id: [] for case in cases}
    if tagged:
        for case_id, tag in db.session.execute(_TAGS, {"ids": tagged}):
            tags[case_id].append(tag)
    for case in cases:
        if "tags" in sa.inspect(case).unloaded:
            set_committed_value(case, "tags", tags[case.id])
    return cases


_TAGS = (sa.select(case_tag.c.case_id, Tag).join(Tag, Tag.id == case_tag.c.tag_id)
         .where(case_tag.c.case_id.in_(sa.bindparam("ids", expanding=True))).order_by(Tag.slug))


CARD_RELATIONS = frozenset({"author", "organisation", "tags"})
