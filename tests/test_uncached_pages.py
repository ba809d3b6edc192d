"""The shortcuts of an uncached case page (issue 23 item 3) show what the long way showed: the
thread's links and bylines, and similar solutions that follow the index."""
import re

import pytest
from flask import url_for

from smartsociety.cases.thread import Reader
from smartsociety.extensions import db as _db
from tests.factories import CaseFactory, CommentFactory, SolutionFactory, UserFactory


@pytest.fixture
def no_page_cache(app):
    app.extensions.pop("pagecache", None)
    return app


def test_comment_links_are_the_routes_links(app):
    with app.test_request_context():
        reader = Reader(user=None, comment=False, accept=False, detail_url="", case_id=7)
        for endpoint in ("cases.comment_edit", "cases.comment_delete", "cases.comment_helpful",
                         "cases.accept", "cases.comment_history"):
            for comment_id in (1, 42, 987654321):
                assert reader.comment_url(endpoint, comment_id) == url_for(
                    endpoint, case_id=7, comment_id=comment_id)


def test_each_comment_shows_its_own_authors_byline(no_page_cache, client, db):
    case = CaseFactory()
    first, second = UserFactory(name="Anna Eerst"), UserFactory(name="Bert Tweede")
    for n, author in enumerate((first, second, first, second)):
        CommentFactory(case=case, author=author, body=f"Reactie {n}")
    db.session.commit()
    page = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    bylines = re.findall(r'id="comment-\d+-by"><span class="byline"><a href="/leden/(\d+)"', page)
    assert bylines == [str(first.id), str(second.id), str(first.id), str(second.id)]


def test_a_member_gets_the_actions_on_each_comment(no_page_cache, login, db):
    case = CaseFactory()
    member, other = UserFactory(), UserFactory()
    own = CommentFactory(case=case, author=member, body="Mijn reactie")
    theirs = CommentFactory(case=case, author=other, body="Hun reactie")
    db.session.commit()
    page = login(member).get(f"/casussen/{case.id}").get_data(as_text=True)
    assert f"/casussen/{case.id}/reacties/{own.id}/bewerken" in page
    assert f"/casussen/{case.id}/reacties/{theirs.id}/bewerken" not in page
    assert f"/casussen/{case.id}/reacties/{theirs.id}/nuttig" in page
    assert f"/casussen/{case.id}?reply_to={theirs.id}#comment-form" in page


def test_similar_solutions_follow_the_index(no_page_cache, client, db):
    SolutionFactory(name="Parkeerapp", summary="Parkeervergunningen voor bewoners.",
                    description="Bezoekers parkeren met een app.")
    case = CaseFactory(title="Luchtkwaliteit in de binnenstad", summary="Fijnstof meten.",
                       body="Hoe meten wij fijnstof?", body_html="<p>Hoe meten wij fijnstof?</p>")
    db.session.commit()
    first = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Fijnstofnet" not in first
    SolutionFactory(name="Fijnstofnet", summary="Fijnstof en luchtkwaliteit meten.",
                    description="Sensoren meten fijnstof in de binnenstad.")
    db.session.commit()  # indexed (inline): a new generation of the index
    again = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert 'class="suggestions"' in again and "Fijnstofnet" in again
    _db.session.rollback()
