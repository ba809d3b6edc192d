"""An anonymous reader's case page reads the case's and the comments' authors as plain rows
(cases/authors.py, issue 23 item 3): no User, Organisation or Membership entity is built, the
page is byte-identical to the one rendered from the entities for every kind of author, in both
languages, every predicate answers a comment with a row author as it answers the entity, and
a change to an author shows on the next read."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from markupsafe import escape

from smartsociety.cases import page
from smartsociety.cases.authors import AuthorRow
from smartsociety.cases.thread import ThreadComment, load_comments
from smartsociety.models import (
    Case,
    Comment,
    Membership,
    MembershipState,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from smartsociety.permissions import (
    can_delete_comment,
    can_edit_comment,
    can_react,
    can_report,
    can_view_hidden,
)
from tests.factories import (
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    UserFactory,
    claimed_member,
    verified_member,
)
from tests.querycount import count_queries

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
PREDICATES = (can_view_hidden, can_react, can_edit_comment, can_delete_comment, can_report)


def _authors():
    """One author of every kind a byline tells apart."""
    return [
        verified_member(name="Geverifieerd Lid"),
        claimed_member(name="Geclaimd Lid"),
        UserFactory(name="Zonder Organisatie", organisation=None),
        UserFactory(name="Niet Geverifieerde Organisatie"),  # the organisation is not verified
        verified_member(name="Adres Onbevestigd", email_verified_at=None),
        UserFactory(name="Beëindigd", membership=MembershipState.ENDED,
                    organisation=OrganisationFactory(verified_at=NOW)),
        verified_member(name="Moderator Mo", role=Role.MODERATOR),
        UserFactory(name="Beheerder Bea", role=Role.ADMIN, organisation=None),
        verified_member(OrganisationKind.BEDRIJF, name='<script>alert("x")</script> & {naam}'),
    ]


def _thread(db, case, authors):
    """Comments by each author (and a former member), a reply to each, one accepted, one hidden
    and one removed."""
    comments = []
    for n, author in enumerate([*authors, None]):
        comment = CommentFactory(case=case, author=author, body=f"Reactie {n}")
        comments.append(comment)
        CommentFactory(case=case, author=authors[(n + 1) % len(authors)], parent_id=comment.id,
                       body=f"Antwoord {n}")
    comments[1].accepted_at = NOW
    comments[2].hidden_at, comments[2].hidden_reason = NOW, "spam"
    comments[3].deleted_at = NOW
    case.comment_count = 2 * len(comments)
    db.session.commit()
    return comments


def _masked(html: str) -> str:
    return re.sub(r"\d+ (weergaven?|views?)", "N views", html)


def _entity_page(client, monkeypatch, url: str, headers: dict) -> str:
    """The page as rendered from the entities (the member's loading), for the same reader."""
    loaded = page.load_case
    with monkeypatch.context() as patched:
        patched.setattr(page, "load_case", lambda case_id, plain_author=False: loaded(case_id))
        return client.get(url, headers=headers).get_data(as_text=True)


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_page_from_rows_equals_the_page_from_entities(db, client, monkeypatch, language):
    authors = _authors()
    cases = [CaseFactory(author=author) for author in authors]
    cases.append(CaseFactory(author=None, organisation=authors[0].organisation))
    cases[0].locked_at, cases[0].locked_reason = NOW, "Besloten"
    for case in cases[:3] + cases[-1:]:
        _thread(db, case, authors)
    headers = {"Accept-Language": language}
    for case in cases:
        url = f"/casussen/{case.id}"
        rows = client.get(url, headers=headers).get_data(as_text=True)
        entities = _entity_page(client, monkeypatch, url, headers)
        assert _masked(rows) == _masked(entities), case.title
        assert f'<html lang="{language}">' in rows
        shown = case.author.name if case.author else ("Former member" if language == "en"
                                                      else "Voormalig lid")
        assert str(escape(shown)) in rows


@pytest.mark.usefixtures("no_page_cache")
def test_an_anonymous_page_builds_no_author_entity_and_costs_two_queries(app, db, client):
    authors = _authors()
    case = CaseFactory(author=authors[0])
    _thread(db, case, authors)
    url = f"/casussen/{case.id}"
    built = []

    def loaded(target, context):
        built.append(type(target).__name__)

    for model in (User, Organisation, Membership):
        sa.event.listen(model, "load", loaded)
    try:
        with count_queries(db.engine) as counted:
            response = client.get(url)
    finally:
        for model in (User, Organisation, Membership):
            sa.event.remove(model, "load", loaded)
    assert response.status_code == 200
    # The case's own organisation is still an entity (the partners' section reads it).
    assert built in ([], ["Organisation"]), built
    # The case (with its author) and the comments; the other authors (all but the case's own)
    # in one more.
    assert counted.count == 3, "\n".join(counted.statements)


@pytest.mark.usefixtures("no_page_cache")
def test_a_change_to_an_author_shows_on_the_next_anonymous_read(db, client):
    author = claimed_member(name="Eerst Geclaimd")
    other = UserFactory(name="Ander Lid", organisation=None)
    case = CaseFactory(author=author)
    CommentFactory(case=case, author=author, body="Van de auteur")
    CommentFactory(case=case, author=other, body="Van een ander")
    case.comment_count = 2
    db.session.commit()
    url = f"/casussen/{case.id}"
    html = client.get(url).get_data(as_text=True)
    assert html.count("membership not confirmed") + html.count("lidmaatschap niet bevestigd") == 2
    author.name = "Nu Bevestigd"
    db.session.scalars(sa.select(Membership).where(Membership.user_id == author.id)).one().state = (
        MembershipState.VERIFIED)
    author.organisation.name = "Gemeente Hernoemd"
    other.role = Role.MODERATOR
    other.organisation = verified_member().organisation
    db.session.add(Membership(user=other, organisation=other.organisation,
                              state=MembershipState.VERIFIED))
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Eerst Geclaimd" not in html
    assert html.count(f'href="/leden/{author.id}">Nu Bevestigd</a>') == 2  # the case and its comment
    assert html.count("Gemeente Hernoemd") >= 2
    assert "membership not confirmed" not in html and "lidmaatschap niet bevestigd" not in html
    assert html.count(other.organisation.name) == 1
    assert html.count('<span class="badge">Moderator</span>') == 1


@pytest.mark.parametrize("locked", [False, True])
def test_each_predicate_answers_a_row_author_as_the_entity(app, db, locked):
    author = verified_member(name="Schrijver")
    other = verified_member(name="Ander")
    case = CaseFactory(author=author)
    if locked:
        case.locked_at, case.locked_reason = NOW, "Klaar"
    comments = [
        CommentFactory(case=case, author=author),
        CommentFactory(case=case, author=other),
        CommentFactory(case=case, author=other, hidden_at=NOW, hidden_reason="spam"),
        CommentFactory(case=case, author=author, hidden_at=NOW),
        CommentFactory(case=case, author=other, deleted_at=NOW),
        CommentFactory(case=case, author=None),
    ]
    db.session.commit()
    readers = [AnonymousUserMixin(), author, other, UserFactory(),
               UserFactory(role=Role.MODERATOR)]
    db.session.commit()
    with app.test_request_context():
        found, row_author = page.load_case(case.id, plain_author=True)
        assert found is case and isinstance(row_author, AuthorRow)
        assert "author" in sa.inspect(case).unloaded or case.author is author
        rows, _helpful = load_comments(case, author_row=row_author)
        assert [type(row) for row in rows] == [ThreadComment] * len(comments)
        by_id = {c.id: c for c in comments}
        for row in rows:
            entity = by_id[row.id]
            assert (row.author is None) == (entity.author is None)
            if row.author is not None:
                assert isinstance(row.author, AuthorRow) and row.author.id == entity.author.id
            for user in readers:
                for predicate in PREDICATES:
                    assert predicate(user, row) == predicate(user, entity), (
                        predicate.__name__, user, entity.body)
        assert isinstance(rows[0], Comment) and isinstance(found, Case)
