"""Case cards on home and the case lists are kept per case (smartsociety/fragments.py, issue 23
item 2): a page rendered again after a comment renders only the changed case's card, and every
write shows on every card at once."""
import pytest
import sqlalchemy as sa
from flask import g

from smartsociety.extensions import db as _db
from smartsociety.fragments import cached_cards
from smartsociety.models import Case
from smartsociety.pagescopes import HOME
from tests.factories import CaseFactory, OrganisationFactory, UserFactory
from tests.test_pagecache_scopes import state, warm


@pytest.fixture
def cases(db):
    a = CaseFactory(title="Casus Assen", comment_count=0)
    b = CaseFactory(title="Casus Borne", comment_count=0)
    db.session.commit()
    return a, b


def body(response) -> str:
    return response.get_data(as_text=True)


def cards(app) -> dict:
    """The kept cards: case id -> entry."""
    store = app.extensions["pagecache"].store
    return {int(key.rsplit("\0", 1)[1]): entry for key, entry in store.entries.items()
            if key.startswith("card\0")}


def card_of(page: str, title: str) -> str:
    start = page.index(title)
    return page[start:page.index("</li>", start)]


def test_home_and_the_list_keep_each_cases_card(app, client, cases):
    a, b = cases
    warm(client, "/", "/casussen")
    assert set(cards(app)) == {a.id, b.id}


def test_a_comment_shows_its_new_count_at_once_and_other_cards_are_reused(app, client, login,
                                                                          cases):
    a, b = cases
    member = login(UserFactory())
    _db.session.commit()  # a new member moves every page
    warm(client, "/", "/casussen")
    kept_b = cards(app)[b.id]
    assert member.post(f"/casussen/{a.id}/reacties", data={"body": "Telt mee"}).status_code == 302
    for path in ("/", "/casussen"):
        page = client.get(path)
        assert state(page) == "miss", path
        assert "1 reactie" in card_of(body(page), "Casus Assen"), path
        assert "0 reacties" in card_of(body(page), "Casus Borne"), path
    assert cards(app)[b.id] is kept_b  # B's card was not rendered again
    assert cards(app)[a.id] is not kept_b


def test_a_new_title_shows_everywhere_at_once(client, db, cases):
    a, _b = cases
    warm(client, "/", "/casussen")
    db.session.get(Case, a.id).title = "Casus Apeldoorn"
    db.session.commit()
    for path in ("/", "/casussen"):
        page = body(client.get(path))
        assert "Casus Apeldoorn" in page and "Casus Assen" not in page, path


def test_a_renamed_organisation_shows_on_the_cards_at_once(client, db):
    organisation = OrganisationFactory(name="Gemeente Oud")
    CaseFactory(title="Casus Met Organisatie", organisation=organisation)
    db.session.commit()
    warm(client, "/", "/casussen")
    organisation.name = "Gemeente Nieuw"
    db.session.commit()
    for path in ("/", "/casussen"):
        card = card_of(body(client.get(path)), "Casus Met Organisatie")
        assert "Gemeente Nieuw" in card, path


def test_a_hidden_case_disappears_at_once(client, db, cases):
    a, _b = cases
    warm(client, "/", "/casussen")
    db.session.get(Case, a.id).hidden_at = sa.func.now()
    db.session.commit()
    for path in ("/", "/casussen"):
        page = body(client.get(path))
        assert "Casus Assen" not in page and "Casus Borne" in page, path


def test_each_language_has_its_own_cards(client, cases):
    warm(client, "/")
    client.post("/taal/en")
    assert "0 comments" in body(client.get("/"))


def test_members_render_their_own_cards(app, login, cases):
    member = login(UserFactory())
    warm(member, "/", "/casussen")
    assert cards(app) == {}


def test_a_card_rendered_while_the_page_moved_is_not_kept(app, cases):
    """The page's data may be older than a write that landed while it rendered: its cards are
    shown but not kept under the newer generation."""
    a, b = cases
    cache = app.extensions["pagecache"]
    with app.test_request_context("/"):
        version = cache.current_version([HOME])
        cache.invalidate({HOME})  # a write lands after the page's data was read
        g.page_cache_version = ([HOME], version)
        shown = cached_cards(_db.session.scalars(sa.select(Case)).all(), lambda c: c.title)
    assert shown == ["Casus Assen", "Casus Borne"]
    assert cards(app) == {}
    with app.test_request_context("/"):
        g.page_cache_version = ([HOME], cache.current_version([HOME]))
        cached_cards([a, b], lambda c: c.title)
    assert set(cards(app)) == {a.id, b.id}


def test_without_the_page_cache_cards_are_rendered_each_time(app, cases):
    with app.test_request_context("/"):
        prepared = []
        assert cached_cards(cases, lambda c: c.title, prepared.extend) == [c.title for c in cases]
    assert prepared == list(cases) and cards(app) == {}


def test_the_filter_form_is_kept_per_address_and_shows_a_new_principle_at_once(app, client, db,
                                                                                 cases):
    from tests.factories import PrincipleFactory

    warm(client, "/casussen", "/casussen?kind=project")
    kept = [key for key in app.extensions["pagecache"].store.entries
            if key.startswith("fragment\0case-filters")]
    assert len(kept) == 2
    PrincipleFactory(title="Een nieuw principe")
    db.session.commit()
    assert "Een nieuw principe" in body(client.get("/casussen"))
