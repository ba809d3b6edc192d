"""An anonymous reader's case page reads the case and its authors as plain rows
(cases/caserow.py `CaseRow`, cases/authors.py `AuthorRow`, issue 23 item 3): no User,
Organisation, Membership or Case entity is built, the page is byte-identical to the one
rendered from the entities for every kind of case (every section of the demo data, tags,
attachments, editors, principle links, a locked case, a project with partners) and author,
in both languages; every predicate answers a row as it answers the entity; and a change to
the case or an author shows on the next read."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from markupsafe import escape

from smartsociety.cases import page
from smartsociety.cases.authors import AuthorRow
from smartsociety.cases.caserow import CaseRow
from smartsociety.cases.thread import ThreadComment, load_comments
from smartsociety.models import (
    Attachment,
    Case,
    CaseEditor,
    CaseKind,
    Comment,
    Membership,
    MembershipState,
    Organisation,
    OrganisationKind,
    Role,
    Tag,
    Theme,
    User,
)
from smartsociety.models.partnership import CaseGemeente, PartnerStatus
from smartsociety.permissions import (
    can_accept_answer,
    can_adopt_project,
    can_comment,
    can_decide_partners,
    can_delete_comment,
    can_edit_case,
    can_edit_comment,
    can_edit_requirements,
    can_link_case_principles,
    can_link_project,
    can_lock_thread,
    can_manage_editors,
    can_offer_solution,
    can_react,
    can_report,
    can_share_case,
    can_view_case,
    can_view_hidden,
    is_case_partner_member,
)
from tests.factories import (
    CaseFactory,
    CasePrincipleLinkFactory,
    CommentFactory,
    OrganisationFactory,
    UserFactory,
    claimed_member,
    thread_of_every_kind,
    verified_member,
)
from tests.querycount import count_queries

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
PREDICATES = (can_view_hidden, can_react, can_edit_comment, can_delete_comment, can_report)
CASE_PREDICATES = (
    can_view_case, can_view_hidden, can_report, can_comment, can_accept_answer, can_lock_thread,
    can_edit_case, can_manage_editors, can_link_case_principles, can_edit_requirements,
    can_offer_solution, can_share_case, can_decide_partners, can_adopt_project, can_link_project,
    is_case_partner_member,
)


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
        patched.setattr(page, "load_case", lambda case_id, plain=False: loaded(case_id))
        return client.get(url, headers=headers).get_data(as_text=True)


def _compare(client, monkeypatch, cases, language: str) -> None:
    headers = {"Accept-Language": language}
    for case_id in cases:
        url = f"/casussen/{case_id}"
        response = client.get(url, headers=headers)
        rows = response.get_data(as_text=True)
        entities = _entity_page(client, monkeypatch, url, headers)
        assert _masked(rows) == _masked(entities), url
        assert response.status_code == 200 and f'<html lang="{language}">' in rows


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_page_from_rows_equals_the_page_from_entities(db, client, monkeypatch, language):
    authors = _authors()
    cases = [CaseFactory(author=author) for author in authors]
    cases.append(CaseFactory(author=None, organisation=authors[0].organisation))
    cases.append(CaseFactory(kind=CaseKind.PROJECT, author=authors[1], organisation=None,
                             status="scaling"))
    cases[0].locked_at, cases[0].locked_reason = NOW, "Besloten"
    for case in cases[:3] + cases[-2:]:
        _thread(db, case, authors)
    # Every collection of the case's own, and the partners' links.
    rich = cases[1]
    rich.tags.append(Tag(slug="slimme-lampen", name="Slimme lampen"))
    rich.tags.append(Tag(slug="afval", name="Afval"))
    rich.themes.append(Theme.INFORMATIEBEVEILIGING.value)
    rich.themes.append(Theme.DATAGEDREVEN.value)
    db.session.add_all([
        Attachment(case_id=rich.id, stored_name="a" * 32, filename="plan.pdf",
                   content_type="application/pdf", size=20480),
        Attachment(case_id=rich.id, stored_name="b" * 32, filename="<b>notities</b>.txt",
                   content_type="text/plain", size=100),
        CaseEditor(case_id=rich.id, user_id=authors[0].id),
        CaseGemeente(case_id=rich.id, organisation_id=authors[0].organisation_id, has_it_too=True),
        CaseGemeente(case_id=cases[-1].id, organisation_id=authors[0].organisation_id,
                     partner_status=PartnerStatus.ACCEPTED),
    ])
    CasePrincipleLinkFactory(case=rich, note="Zie regel")
    db.session.commit()
    _compare(client, monkeypatch, [case.id for case in cases], language)
    for case in cases:
        shown = case.author.name if case.author else ("Former member" if language == "en"
                                                      else "Voormalig lid")
        assert str(escape(shown)) in client.get(f"/casussen/{case.id}",
                                                headers={"Accept-Language": language}).text
    html = client.get(f"/casussen/{rich.id}").text
    assert "plan.pdf" in html and "#Slimme lampen" in html and "Zie regel" in html


@pytest.mark.usefixtures("no_page_cache")
def test_every_demo_case_from_rows_equals_the_page_from_entities(db, client, monkeypatch):
    """The demo data has a case with offers, requirements, sensors, sessions and partners."""
    from smartsociety.demo import data

    data.load("pbkdf2:sha256:1000")
    db.session.commit()
    ids = db.session.scalars(sa.select(Case.id).order_by(Case.id)).all()
    assert len(ids) >= 4
    for language in ("nl", "en"):
        _compare(client, monkeypatch, ids, language)


@pytest.mark.usefixtures("no_page_cache")
def test_an_anonymous_page_builds_no_entity_of_the_case_or_its_authors(app, db, client):
    authors = _authors()
    case = CaseFactory(author=authors[0])
    _thread(db, case, authors)
    mine = CaseFactory(author=authors[0])
    db.session.add(Comment(case=mine, author=authors[0], body="R", body_html="<p>R</p>"))
    mine.comment_count = 1
    db.session.commit()
    url, own_url = f"/casussen/{case.id}", f"/casussen/{mine.id}"
    built = []

    def loaded(target, context):
        built.append(type(target).__name__)

    models = (Case, User, Organisation, Membership)
    for model in models:
        sa.event.listen(model, "load", loaded)
    try:
        with count_queries(db.engine) as counted:
            response = client.get(url)
        with count_queries(db.engine) as own:
            assert client.get(own_url).status_code == 200
    finally:
        for model in models:
            sa.event.remove(model, "load", loaded)
    assert response.status_code == 200
    assert built == [], built
    # The case (with its author) and the comments; the other authors in one more. A thread by
    # the case's author alone: two.
    assert counted.count == 3, "\n".join(counted.statements)
    assert own.count == 2, "\n".join(own.statements)


@pytest.mark.usefixtures("no_page_cache")
def test_a_change_to_the_case_or_an_author_shows_on_the_next_anonymous_read(db, client):
    author = claimed_member(name="Eerst Geclaimd")
    other = UserFactory(name="Ander Lid", organisation=None)
    case = CaseFactory(author=author, title="Oude titel")
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
    case.title = "Nieuwe titel"
    case.tags.append(Tag(slug="nieuw-label", name="nieuw-label"))
    case.themes.append(Theme.INFORMATIEBEVEILIGING.value)
    db.session.add_all([
        Attachment(case_id=case.id, stored_name="c" * 32, filename="bijlage.pdf",
                   content_type="application/pdf", size=2048),
        CaseEditor(case_id=case.id, user_id=other.id),
    ])
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Eerst Geclaimd" not in html and "Oude titel" not in html
    assert "Nieuwe titel" in html and "#nieuw-label" in html and "bijlage.pdf" in html
    assert html.count(f'href="/leden/{author.id}">Nu Bevestigd</a>') == 2  # the case and its comment
    assert html.count("Gemeente Hernoemd") >= 2
    assert "membership not confirmed" not in html and "lidmaatschap niet bevestigd" not in html
    assert html.count(other.organisation.name) == 1
    assert html.count('<span class="badge">Moderator</span>') == 1
    case.hidden_at, case.hidden_reason = NOW, "spam"
    db.session.commit()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("locked", [False, True])
def test_each_predicate_answers_the_rows_as_the_entities(app, db, locked):
    author = verified_member(name="Schrijver")
    other = verified_member(name="Ander")
    case, comments = thread_of_every_kind(author, other, locked, NOW)
    hidden = CaseFactory(author=author, hidden_at=NOW, hidden_reason="spam")
    project = CaseFactory(kind=CaseKind.PROJECT, author=other, status="scaling")
    db.session.add(CaseEditor(case_id=case.id, user_id=other.id))
    db.session.commit()
    readers = [AnonymousUserMixin(), author, other, UserFactory(), claimed_member(),
               UserFactory(role=Role.MODERATOR), verified_member(role=Role.ADMIN)]
    db.session.commit()
    with app.test_request_context():
        for entity in (case, hidden, project):
            row = page.load_case(entity.id, plain=True)
            assert type(row) is CaseRow and isinstance(row, Case)
            assert isinstance(row.author, AuthorRow) and row.author.id == entity.author_id
            for user in readers:
                for predicate in CASE_PREDICATES:
                    assert predicate(user, row) == predicate(user, entity), (
                        predicate.__name__, user, entity.title)
        row = page.load_case(case.id, plain=True)
        rows, _helpful = load_comments(row, plain=True)
        assert [type(comment) for comment in rows] == [ThreadComment] * len(comments)
        by_id = {c.id: c for c in comments}
        for comment in rows:
            entity = by_id[comment.id]
            assert (comment.author is None) == (entity.author is None)
            if comment.author is not None:
                assert isinstance(comment.author, AuthorRow)
                assert comment.author.id == entity.author.id
            for user in readers:
                for predicate in PREDICATES:
                    assert predicate(user, comment) == predicate(user, entity), (
                        predicate.__name__, user, entity.body)
        assert isinstance(rows[0], Comment)
