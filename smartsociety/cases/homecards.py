"""Home's case cards when they are not kept by the page cache (page cache off, or a member's
home): read as plain rows and rendered once per process for each distinct content.

Loading home's five cases as ORM objects (a case, its author, the author's membership and two
organisations: five objects each) was a quarter of an anonymous home request
(docs/performance.md, issue 23 item 3). One Core select of the 23 columns a card shows gives
rows; each row becomes a `Card`, a light object with the attributes the shared `case_card`
macro (cases/_macros.html) and the byline (macros/people.html) read, and the permission
predicate `is_verified_member` asks. A card's HTML is kept per process under a key made of
everything it shows (every column of the row, its tags, what other features show on it, the
language, time zone and script root), so a kept card can never be out of date: any change
makes another key, and the old entry ages out of the bounded store.
"""
from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from flask import request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from smartsociety.cases.fragments import FrameStore
from smartsociety.extensions import db
from smartsociety.models import Case, Membership, Organisation, Tag, User
from smartsociety.models.case import case_tag
from smartsociety.models.membership import MembershipState
from smartsociety.sections import PRESENT, stored_nothing


def _not_carried(self, name: str):
    """A card template asking for what the row does not carry fails loudly: Jinja would turn
    an AttributeError into an Undefined that renders blank. Add the column to `card_select`."""
    if name.startswith("_"):  # protocols (`__html__`) and libraries (`_sa_instance_state`)
        raise AttributeError(name)  # ask with hasattr or getattr(..., default)
    raise NotCarried(f"a home card's {type(self).__name__} carries no {name!r}")


class NotCarried(RuntimeError):
    pass


class CardOrganisation(NamedTuple):
    id: int
    name: str
    slug: str
    kind: object
    verified_at: object

    @property
    def is_verified(self) -> bool:  # as Organisation.is_verified
        return self.verified_at is not None

    __getattr__ = _not_carried


class CardMembership(NamedTuple):
    state: MembershipState

    @property
    def is_verified(self) -> bool:  # as Membership.is_verified
        return self.state is MembershipState.VERIFIED

    __getattr__ = _not_carried


class CardAuthor(NamedTuple):
    id: int
    name: str
    role: object
    organisation_id: int | None
    email_verified_at: object
    organisation: CardOrganisation | None
    membership: CardMembership | None
    is_authenticated: bool = True  # a member, as a User is to the permission predicates

    __getattr__ = _not_carried


class CardTag(NamedTuple):
    slug: str
    name: str

    __getattr__ = _not_carried


class Card:
    """A case as its card shows it. `row` is the query's row: with the tags and what other
    features show, it is the key of the card's kept HTML."""

    __slots__ = ("row", "id", "title", "kind", "status", "summary", "created_at",
                 "comment_count", "organisation", "author", "tags", PRESENT)

    def __init__(self, row: tuple, flags: dict):
        self.row = row
        (self.id, self.title, self.kind, self.status, self.summary, self.created_at,
         self.comment_count) = row[:7]
        self.organisation = _organisation(row[7:12])
        author = row[12:17]
        self.author = None if author[0] is None else CardAuthor(
            *author, organisation=_organisation(row[17:22]),
            membership=None if row[22] is None else CardMembership(row[22]))
        self.tags: list[CardTag] = []
        setattr(self, PRESENT, flags)

    __getattr__ = _not_carried


def _organisation(values: tuple) -> CardOrganisation | None:
    return None if values[0] is None else CardOrganisation(*values)


def card_rows(select: sa.Select, flag_names: tuple[str, ...]) -> list[Card]:
    """The cards of a `card_select` statement: one query, and one more for the tags of those
    cases that have any."""
    width = len(select.selected_columns) - len(flag_names)
    cards = [Card(tuple(row[:width]), {name: bool(value) for name, value
                                       in zip(flag_names, row[width:], strict=True)})
             for row in db.session.connection().execute(select)]
    tagged = [card.id for card in cards if not stored_nothing(card, "tags")]
    if tagged:
        by_id = {card.id: card for card in cards}
        for case_id, slug, name in db.session.connection().execute(_TAGS, {"ids": tagged}):
            by_id[case_id].tags.append(CardTag(slug, name))
    return cards


def card_select(select: sa.Select, flags: dict[str, Callable]) -> sa.Select:
    """`select` (a select of Case with its filters, order and limit) reading, instead of Case
    objects, the columns `Card` takes, then one flag per entry of `flags` (cards.CARD_FLAGS)."""
    case = Case.__table__
    case_org = Organisation.__table__.alias("card_case_org")
    author = User.__table__.alias("card_author")
    author_org = Organisation.__table__.alias("card_author_org")
    membership = Membership.__table__.alias("card_membership")

    def org(table):
        return (table.c.id, table.c.name, table.c.slug, table.c.kind, table.c.verified_at)

    joined = (
        case.outerjoin(case_org, case_org.c.id == case.c.organisation_id)
        .outerjoin(author, author.c.id == case.c.author_id)
        .outerjoin(author_org, author_org.c.id == author.c.organisation_id)
        .outerjoin(membership, sa.and_(
            membership.c.user_id == author.c.id,
            membership.c.organisation_id == author.c.organisation_id,
            membership.c.state.in_([MembershipState.CLAIMED, MembershipState.VERIFIED]))))
    columns = (case.c.id, case.c.title, case.c.kind, case.c.status, case.c.summary,
               case.c.created_at, case.c.comment_count, *org(case_org),
               author.c.id, author.c.name, author.c.role, author.c.organisation_id,
               author.c.email_verified_at, *org(author_org), membership.c.state,
               *(flag(case.c.id).label(f"present_{name}") for name, flag in flags.items()))
    return select.with_only_columns(*columns, maintain_column_froms=False).select_from(joined)


def kept_cards(cards: list[Card], render, prepare: Callable, *shown: Callable) -> list[Markup]:
    """Each card's HTML, `render(card)` (the `case_card` macro), kept per process under its
    row, its tags, what each of `shown(card)` gives (other features' lines on a card, e.g.
    the gemeenten sharing it; `prepare(cards)` preloads those first) and the request's
    language, time zone and script root."""
    prepare(cards)
    store = _store()
    where = (str(get_locale()), str(get_timezone()), request.script_root)
    out = []
    for card in cards:
        key = (where, card.row, tuple(card.tags), *(tuple(show(card)) for show in shown))
        parts = store.get(key)
        if parts is None:
            parts = (str(render(card)),)
            store.put(key, parts)
        out.append(Markup(parts[0]))
    return out


def _store() -> FrameStore:
    return FrameStore.of_app("home_cards", "HOME_CARDS_MAX_CHARS", 400_000)


_TAGS = (sa.select(case_tag.c.case_id, Tag.__table__.c.slug, Tag.__table__.c.name)
         .join_from(case_tag, Tag.__table__, Tag.__table__.c.id == case_tag.c.tag_id)
         .where(case_tag.c.case_id.in_(sa.bindparam("ids", expanding=True)))
         .order_by(Tag.__table__.c.slug))
