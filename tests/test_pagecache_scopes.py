"""Finer page-cache invalidation: a write moves only the scopes of what it wrote, so the page of
another case stays cached, while every page that shows the write is fresh on the next read."""
import pytest
import sqlalchemy as sa

from smartsociety.extensions import db as _db
from smartsociety.models import Case, Comment, Notification, User
from smartsociety.pagescopes import GLOBAL, LISTS, case_scope, member_scope, scopes_of
from tests.factories import CaseFactory, CommentFactory, UserFactory


def state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def warm(reader, *paths: str) -> None:
    for path in paths:
        reader.get(path)
        reader.get(path)
        assert state(reader.get(path)) == "hit", path


@pytest.fixture
def cases(db):
    a, b = CaseFactory(title="Casus Aalsmeer"), CaseFactory(title="Casus Breda")
    CommentFactory(case=b, body="Reactie op Breda", body_html="<p>Reactie op Breda</p>")
    db.session.commit()
    return a, b


def page(case) -> str:
    return f"/casussen/{case.id}"


def test_a_comment_on_a_refreshes_a_and_the_lists_but_keeps_b(client, login, cases):
    a, b = cases
    author = login(UserFactory())
    _db.session.commit()
    warm(client, page(a), page(b), "/casussen", "/")
    assert author.post(f"{page(a)}/reacties", data={"body": "Nieuw inzicht"}).status_code == 302
    fresh = client.get(page(a))
    assert state(fresh) == "miss" and "Nieuw inzicht" in fresh.get_data(as_text=True)
    assert state(client.get("/casussen")) == "miss"
    assert state(client.get("/")) == "miss"
    kept = client.get(page(b))
    assert state(kept) == "hit" and "Reactie op Breda" in kept.get_data(as_text=True)


def test_a_new_title_of_a_shows_on_a_and_in_the_lists(client, db, cases):
    a, b = cases
    warm(client, page(a), page(b), "/casussen")
    db.session.get(Case, a.id).title = "Casus Amstelveen"
    db.session.commit()
    for path in (page(a), "/casussen"):
        response = client.get(path)
        assert state(response) == "miss"
        assert "Casus Amstelveen" in response.get_data(as_text=True), path
    assert state(client.get(page(b))) == "hit"


def test_a_write_no_rule_knows_refreshes_every_page(client, db, cases):
    a, b = cases
    author = db.session.scalar(sa.select(Comment).where(Comment.case_id == b.id)).author
    warm(client, page(a), page(b))
    db.session.get(User, author.id).name = "Nieuwe Naam"
    db.session.commit()
    response = client.get(page(b))
    assert state(response) == "miss" and "Nieuwe Naam" in response.get_data(as_text=True)
    assert state(client.get(page(a))) == "miss"


def test_a_bulk_statement_refreshes_every_page(client, db, cases):
    a, b = cases
    warm(client, page(a), page(b))
    db.session.execute(sa.update(Case).where(Case.id == a.id).values(title="Bulk"))
    db.session.commit()
    assert state(client.get(page(b))) == "miss"


def test_a_notification_refreshes_only_its_members_pages(client, login, db, cases):
    a, b = cases
    member = UserFactory()
    db.session.commit()
    as_member = login(member)
    warm(as_member, page(b))
    warm(client, page(b))
    db.session.add(Notification(user_id=member.id, kind="comment", case_id=a.id,
                                group_key=f"case:{a.id}", title="Casus Aalsmeer"))
    db.session.commit()
    assert state(as_member.get(page(b))) == "miss"
    assert state(client.get(page(b))) == "hit"


def test_a_comment_moved_between_cases_moves_both(db, cases):
    a, b = cases
    comment = db.session.scalar(sa.select(Comment).where(Comment.case_id == b.id))
    comment.case_id = a.id
    assert scopes_of(comment) == {LISTS, case_scope(a.id), case_scope(b.id)}
    db.session.rollback()


def test_unknown_rows_move_everything(db, cases):
    assert scopes_of(UserFactory()) == {GLOBAL}
    assert member_scope(3) == "member:3"


def test_scoped_writes_cross_processes_through_redis(another_app, redis_url, cases):
    """Two apps stand for two gunicorn workers sharing the generations in Redis."""
    a, b = cases
    url, _proc = redis_url
    reader = another_app(PAGE_CACHE="redis", REDIS_URL=url).test_client()
    writer_app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    warm(reader, page(a), page(b), "/casussen")
    with writer_app.app_context():
        _db.session.add(Comment(case_id=a.id, author_id=a.author_id, body="Uit een ander proces",
                                body_html="<p>Uit een ander proces</p>"))
        _db.session.get(Case, a.id).comment_count = 7
        _db.session.commit()
    fresh = reader.get(page(a))
    assert state(fresh) == "miss" and "Uit een ander proces" in fresh.get_data(as_text=True)
    listed = reader.get("/casussen")
    assert state(listed) == "miss" and "7 reacties" in listed.get_data(as_text=True)
    assert state(reader.get(page(b))) == "hit"


def test_the_index_moves_case_pages_only_for_the_documents_they_show(app, client, cases):
    """A case's page shows solutions the index finds similar; other index changes leave it."""
    from smartsociety import pagecache

    a, _b = cases
    warm(client, page(a), "/casussen", "/zoeken?q=casus")
    pagecache.invalidate_index({"case", "comment"})
    assert state(client.get(page(a))) == "hit"
    # An anonymous search page follows the index's documents themselves (search/pages.py):
    # moving the scope alone changes nothing it shows.
    assert state(client.get("/zoeken?q=casus")) == "hit"
    # No page but search reads the index.
    assert state(client.get("/casussen")) == "hit"
    pagecache.invalidate_index({"solution"})
    assert state(client.get(page(a))) == "miss"
    warm(client, page(a))
    pagecache.invalidate_index(None)  # a rebuild
    assert state(client.get(page(a))) == "miss"


def test_the_indexer_names_the_document_types_it_changed(app, db, monkeypatch):
    from smartsociety import pagecache
    from smartsociety.search import service

    service.indexer().apply_pending()  # builds the index
    seen = []
    monkeypatch.setattr(pagecache, "invalidate_index", seen.append)
    CaseFactory(title="Nieuw in de index")
    db.session.commit()
    service.indexer().apply_pending()
    assert seen and "case" in seen[-1] and "solution" not in seen[-1]
