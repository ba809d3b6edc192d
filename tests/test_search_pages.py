"""Rendered search pages for anonymous readers (issue 23): a search asked again within one index
generation is served as the page rendered the first time, and never outlives what it shows: a
new post is found, a hidden one disappears, a renamed facet shows its new name."""
import re

import pytest

from smartsociety.extensions import db as _db
from smartsociety.models import Case, SolutionCategory, utcnow
from tests.factories import CaseFactory, SolutionFactory, UserFactory


@pytest.fixture
def no_page_cache(app):
    """The whole-page cache would answer before the search view does."""
    app.extensions.pop("pagecache", None)
    return app


def keys(response) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', response.get_data(as_text=True))


def search(client, q, **args):
    return client.get("/zoeken", query_string={"q": q, **args})


def test_a_repeated_search_is_served_as_the_rendered_page(no_page_cache, client):
    case = CaseFactory(title="Paginacache een")
    first = search(client, "paginacache")
    assert first.headers["X-Search-Cache"] == "miss"
    again = search(client, "paginacache")
    assert again.headers["X-Search-Cache"] == "page"
    assert again.data == first.data and keys(again) == [f"case:{case.id}"]
    # Other arguments: another page.
    assert search(client, "paginacache", sort="date").headers["X-Search-Cache"] != "page"


def test_a_new_post_is_found_at_once(no_page_cache, client):
    first = CaseFactory(title="Paginacache een")
    search(client, "paginacache")
    assert search(client, "paginacache").headers["X-Search-Cache"] == "page"
    second = CaseFactory(title="Paginacache twee")  # committed and indexed (inline)
    response = search(client, "paginacache")
    assert response.headers["X-Search-Cache"] == "miss"
    assert set(keys(response)) == {f"case:{first.id}", f"case:{second.id}"}


def test_hidden_content_disappears_at_once(no_page_cache, client, db):
    first, second = CaseFactory(title="Paginacache een"), CaseFactory(title="Paginacache twee")
    search(client, "paginacache")
    assert search(client, "paginacache").headers["X-Search-Cache"] == "page"
    case = db.session.get(Case, first.id)
    case.hidden_at, case.hidden_reason = utcnow(), "test"
    db.session.commit()
    response = search(client, "paginacache")
    assert response.headers["X-Search-Cache"] == "miss"
    assert keys(response) == [f"case:{second.id}"]


def test_a_renamed_facet_shows_its_new_name(no_page_cache, client, db):
    category = SolutionCategory(name="Zaaksysteem", name_key="zaaksysteem", slug="zaaksysteem")
    db.session.add(category)
    SolutionFactory(name="Zaakbox Fijnstof", category=category)
    db.session.commit()
    search(client, "fijnstof")
    assert search(client, "fijnstof").headers["X-Search-Cache"] == "page"
    db.session.get(SolutionCategory, category.id).name = "Zaakgericht werken"
    db.session.commit()
    response = search(client, "fijnstof")
    assert response.headers["X-Search-Cache"] != "page"
    assert "Zaakgericht werken" in response.get_data(as_text=True)


def test_members_get_their_own_pages(no_page_cache, client, login):
    CaseFactory(title="Paginacache een")
    member = login(UserFactory())
    _db.session.commit()
    for _ in range(3):
        assert search(member, "paginacache").headers["X-Search-Cache"] != "page"
