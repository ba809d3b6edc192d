"""Home's case cards as plain rows, each card's HTML kept per process (cases/homecards.py):
every value a card shows, changed by a write, shows on the next read of home, and each card
equals the case list's card (rendered from the ORM objects) in both languages and for an
anonymous reader and a member."""
from datetime import UTC, datetime

import pytest

from smartsociety.models import CaseGemeente, MembershipState, Organisation, Role, Tag, User
from tests.factories import CaseFactory, OrganisationFactory, UserFactory, verified_member


def _card(client, title: str, lang: str = "nl") -> str:
    headers = {"Accept-Language": lang}
    page = client.get("/", headers=headers).get_data(as_text=True)
    cards = page.split('class="home-cases"')[1].split("</section>")[0]
    [card] = [card.split("</li>")[0] for card in cards.split('<li class="card case-card">')[1:]
              if f">{title}</a></h2>" in card]
    listed = client.get("/casussen", headers=headers).get_data(as_text=True)
    assert card in listed  # the case list renders the same card from the ORM objects
    return card


@pytest.fixture
def readers(client, login):
    return {"anonymous": client, "member": login(UserFactory())}


def test_every_value_a_home_card_shows_follows_a_write(no_page_cache, readers, db, app):
    author = verified_member(name="Anna Auteur")
    case = CaseFactory(title="Eerste titel", author=author, organisation=None, summary="")
    db.session.commit()
    org = db.session.get(Organisation, author.organisation_id)
    steps = [
        (lambda: setattr(case, "title", "Tweede titel"), "Tweede titel"),
        (lambda: setattr(case, "summary", "Een nieuwe samenvatting"), "Een nieuwe samenvatting"),
        (lambda: setattr(case, "comment_count", 7), "7 reacties"),
        (lambda: setattr(case, "created_at", datetime(2024, 3, 5, 12, 0, tzinfo=UTC)), "5 maart 2024"),
        (lambda: setattr(author, "name", "Anna Hernoemd"), "Anna Hernoemd"),
        (lambda: setattr(org, "name", "Gemeente Nieuwnaam"), "Gemeente Nieuwnaam"),
        (lambda: setattr(org, "verified_at", None), "!badge-verified"),
        (lambda: setattr(org, "verified_at", datetime(2025, 1, 1, tzinfo=UTC)), "badge-verified"),
        (lambda: setattr(author.membership, "state", MembershipState.CLAIMED),
         "badge-unconfirmed"),
        (lambda: setattr(author, "role", Role.MODERATOR), 'class="badge">Moderator'),
        (lambda: case.tags.append(Tag(slug="water", name="Water")), "#Water"),
        (lambda: setattr(case, "organisation", OrganisationFactory(name="Gemeente Eigen")),
         "Gemeente Eigen"),
        (lambda: db.session.add(CaseGemeente(case=case, organisation=OrganisationFactory(
            name="Gemeente Deelt"), has_it_too=True)), "Gemeente Deelt"),
        (lambda: setattr(case, "organisation", None), "Anna Hernoemd"),
        (lambda: setattr(case, "author", None), "Voormalig lid"),
    ]
    title = "Eerste titel"
    for reader in readers.values():
        _card(reader, title)
    for change, shown in steps:
        change()
        db.session.commit()
        title = case.title
        for name, reader in readers.items():
            card = _card(reader, title)
            assert (shown[1:] not in card) if shown[0] == "!" else (shown in card), (name, shown)
            _card(reader, title)  # and again, from the kept card


def test_a_kept_card_is_kept_per_language(no_page_cache, client, db, app):
    CaseFactory(title="Talen", organisation=None, comment_count=1)
    db.session.commit()
    for _ in range(2):
        assert "1 reactie" in _card(client, "Talen", "nl")
        assert "1 comment" in _card(client, "Talen", "en")


def test_a_kept_card_follows_its_authors_account(no_page_cache, client, db):
    """A card's byline reads the author's row: a former member (account erased) shows so."""
    author = UserFactory(name="Bert Weg", organisation=None)
    case = CaseFactory(title="Van Bert", author=author, organisation=None)
    db.session.commit()
    assert "Bert Weg" in _card(client, "Van Bert")
    case.author_id = None
    db.session.delete(db.session.get(User, author.id))
    db.session.commit()
    assert "Former member" in _card(client, "Van Bert", "en")


def test_a_card_asked_for_what_its_row_does_not_carry_fails_loudly(no_page_cache, client, db,
                                                                   app, monkeypatch):
    """Were the card macro to show another column, home must not render it blank."""
    from smartsociety.cases import homecards

    CaseFactory(title="Luid", organisation=None)
    db.session.commit()
    original = homecards.kept_cards

    def render_more(cards, render, *rest):
        return original(cards, lambda card: f"{render(card)}{card.author.password_hash}", *rest)

    monkeypatch.setattr(homecards, "kept_cards", render_more)
    app.jinja_env.globals["kept_cards"] = render_more
    with pytest.raises(homecards.NotCarried):
        client.get("/")
    card = homecards.Card((1,) * 23, {})
    assert not hasattr(card, "__html__") and card.tags == []
