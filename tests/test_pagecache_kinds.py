"""Page-cache scopes per page kind (issue 23): a write moves exactly the pages that show what it
wrote. Each split has its test: the write is visible on the next read of every page that shows
it, and the pages that do not show it stay cached."""
import pytest
import sqlalchemy as sa

from smartsociety import pagecache
from smartsociety.extensions import db as _db
from smartsociety.models import Case, CaseKind, Follow, Notification
from smartsociety.pagescopes import (
    CASE_LISTS,
    CASE_NAMED,
    GLOBAL,
    HOME,
    LISTS,
    PRINCIPLES,
    SEARCH,
    case_scope,
    member_scope,
    scopes_of,
)
from tests.factories import (
    CaseFactory,
    CasePrincipleLinkFactory,
    CommentFactory,
    SolutionFactory,
    UserFactory,
)
from tests.test_pagecache_scopes import state, warm


@pytest.fixture
def world(db):
    """Case A linked to a principle; case B with a comment; a listed solution."""
    link = CasePrincipleLinkFactory(case=CaseFactory(title="Casus Aalsmeer"))
    b = CaseFactory(title="Casus Breda")
    CommentFactory(case=b, body="Reactie op Breda", body_html="<p>Reactie op Breda</p>")
    solution = SolutionFactory()
    db.session.commit()
    return {"a": link.case, "b": b, "principle": f"/principes/{link.principle.slug}",
            "solution": f"/oplossingen/{solution.id}"}


def case_page(case) -> str:
    return f"/casussen/{case.id}"


def body(response) -> str:
    return response.get_data(as_text=True)


def test_a_comment_refreshes_its_case_home_and_case_lists_not_principles_or_solutions(
        client, login, world):
    a, b = world["a"], world["b"]
    author = login(UserFactory())
    _db.session.commit()
    kept = [case_page(b), world["principle"], "/principes/", world["solution"], "/oplossingen"]
    warm(client, case_page(a), "/", "/casussen", *kept)
    assert author.post(f"{case_page(a)}/reacties", data={"body": "Nieuw inzicht"}).status_code == 302
    fresh = client.get(case_page(a))
    assert state(fresh) == "miss" and "Nieuw inzicht" in body(fresh)
    # Home and the case list show the comment count and the order by last activity.
    for path in ("/", "/casussen"):
        response = client.get(path)
        assert state(response) == "miss", path
        assert "1 reactie" in body(response), path
    for path in kept:
        assert state(client.get(path)) == "hit", path
    assert "Casus Aalsmeer" in body(client.get(world["principle"]))


def test_a_new_title_shows_on_every_page_that_names_the_case(client, db, world):
    a = world["a"]
    warm(client, case_page(a), "/", "/casussen", world["principle"], case_page(world["b"]))
    db.session.get(Case, a.id).title = "Casus Amstelveen"
    db.session.commit()
    for path in (case_page(a), "/", "/casussen", world["principle"]):
        response = client.get(path)
        assert state(response) == "miss", path
        assert "Casus Amstelveen" in body(response), path
    assert state(client.get(case_page(world["b"]))) == "hit"


def test_a_hidden_case_leaves_the_principle_page_at_once(client, db, world):
    a = world["a"]
    warm(client, world["principle"])
    db.session.get(Case, a.id).hidden_at = sa.func.now()
    db.session.commit()
    response = client.get(world["principle"])
    assert state(response) == "miss" and "Casus Aalsmeer" not in body(response)


def test_only_counters_of_a_case_spare_the_pages_that_name_cases(db, world):
    a = db.session.get(Case, world["a"].id)
    a.comment_count = 3
    a.last_activity_at = sa.func.now()
    assert PRINCIPLES not in scopes_of(a)
    assert {case_scope(a.id), HOME, CASE_LISTS, LISTS} <= scopes_of(a)
    a.status = "in_discussion"
    assert PRINCIPLES not in scopes_of(a)
    a.kind = CaseKind.PROJECT
    assert scopes_of(a) == {case_scope(a.id), *CASE_NAMED}
    db.session.rollback()


def test_new_deleted_and_retagged_cases_move_every_page_that_names_cases(db, world):
    new = Case(kind=world["a"].kind, status="open", title="Nieuw", language="nl")
    db.session.add(new)
    db.session.flush()
    assert CASE_NAMED <= scopes_of(new)
    db.session.rollback()
    a = db.session.get(Case, world["a"].id)
    a.themes.append("informatiebeveiliging-en-privacy")
    a.comment_count = 5
    db.session.flush()
    wrote = db.session.info[pagecache.WROTE_KEY]
    assert GLOBAL in wrote or CASE_NAMED <= wrote
    db.session.rollback()
    a = db.session.get(Case, world["a"].id)
    db.session.delete(a)
    assert CASE_NAMED <= scopes_of(a)
    db.session.rollback()


def test_a_notification_moves_only_its_members_pages(client, login, db, world):
    member = UserFactory()
    db.session.commit()
    as_member = login(member)
    warm(as_member, "/casussen")
    warm(client, "/casussen", "/")
    db.session.add(Notification(user_id=member.id, kind="comment", case_id=world["a"].id,
                                group_key=f"case:{world['a'].id}", title="Casus Aalsmeer"))
    db.session.commit()
    assert state(as_member.get("/casussen")) == "miss"
    assert state(client.get("/casussen")) == "hit"
    assert state(client.get("/")) == "hit"


def test_a_follow_of_a_case_moves_that_case_and_the_member(db, world):
    member = UserFactory()
    db.session.flush()
    follow = Follow(user_id=member.id, target="case", key=str(world["a"].id))
    db.session.add(follow)
    assert scopes_of(follow) == {member_scope(member.id), case_scope(world["a"].id)}
    db.session.rollback()


def test_search_pages_follow_the_index_and_nothing_else_reads_it(app, client, db, world):
    warm(client, "/zoeken?q=casus", "/casussen", world["principle"])
    CaseFactory(title="Casus Culemborg")
    db.session.commit()  # applied inline: the indexer moves "search"
    found = client.get("/zoeken?q=culemborg")
    assert "Casus Culemborg" in body(found)
    assert state(client.get("/zoeken?q=casus")) == "miss"
    pagecache.invalidate_index({"case"})
    assert state(client.get(world["principle"])) == "miss"  # the new case moved CASE_NAMED
    warm(client, world["principle"])
    pagecache.invalidate_index({"case"})
    assert state(client.get(world["principle"])) == "hit"
    # An anonymous search page follows the index's documents, not the scope (search/pages.py):
    # the index did not change, so the page stays.
    assert state(client.get("/zoeken?q=casus")) == "hit"


def test_pages_name_their_scopes(app):
    """Each page kind depends on its own scope (a page that names none on "lists")."""
    from smartsociety.pagecache import _page_scopes

    views = app.view_functions
    assert all(getattr(views[e], "page_cached", False) for e in
               ("main.home", "cases.index", "principles.index", "search.index"))
    assert _page_scopes("a:nl", SEARCH) == [SEARCH]
    assert _page_scopes("a:nl", None) == [LISTS]


def test_workers_share_rendered_pages_until_a_write_moves_them(another_app, redis_url, world):
    """Two apps stand for two gunicorn workers: a page one rendered is served by the other, and
    a write to what it shows makes both render it again."""
    url, _proc = redis_url
    first = another_app(PAGE_CACHE="redis", REDIS_URL=url).test_client()
    second = another_app(PAGE_CACHE="redis", REDIS_URL=url).test_client()
    a = world["a"]
    assert state(first.get(case_page(a))) == "miss"
    shared = second.get(case_page(a))
    assert state(shared) == "hit" and "Casus Aalsmeer" in body(shared)
    assert state(second.get(world["principle"])) == "miss"
    assert state(first.get(world["principle"])) == "hit"
    with first.application.app_context():
        _db.session.get(Case, a.id).title = "Casus Amstelveen"
        _db.session.commit()
    fresh = second.get(world["principle"])
    assert state(fresh) == "miss" and "Casus Amstelveen" in body(fresh)
    shared = first.get(world["principle"])  # rendered by `second` just now
    assert state(shared) == "hit" and "Casus Amstelveen" in body(shared)
    fresh = first.get(case_page(a))
    assert state(fresh) == "miss" and "Casus Amstelveen" in body(fresh)
