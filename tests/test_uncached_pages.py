"""The shortcuts of an uncached case page (issue 23 item 3) show what the long way showed: the
thread's links and bylines, and similar solutions that follow the index."""
import re

from flask import url_for

from smartsociety.cases.thread import Reader
from smartsociety.extensions import db as _db
from tests.factories import CaseFactory, CommentFactory, SolutionFactory, UserFactory


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


# Home (issue 23 item 3): the recent cases in one query with what their cards show; tags and
# other gemeenten sharing a case only queried when a case on the page has any.


def _home_cards(client) -> dict[str, str]:
    """Each card on home by its title."""
    page = client.get("/").get_data(as_text=True)
    cards = page.split('class="home-cases"')[1].split("</section>")[0]
    return {card.split("</a></h2>")[0].rsplit(">", 1)[1]: card
            for card in cards.split('<li class="card case-card">')[1:]}


def test_home_cards_show_each_cases_own_tags_sharing_and_organisation(no_page_cache, client, db):
    from smartsociety.models import CaseGemeente, Tag
    from tests.factories import OrganisationFactory

    plain = CaseFactory(title="Zonder tags")
    tagged = CaseFactory(title="Met tags")
    tagged.tags = [Tag(slug="licht", name="Licht"), Tag(slug="avond", name="Avond")]
    shared = CaseFactory(title="Gedeeld")
    zeta, alpha = OrganisationFactory(name="Gemeente Zeta"), OrganisationFactory(name="Gemeente Alfa")
    db.session.add_all([CaseGemeente(case=shared, organisation=zeta, has_it_too=True),
                        CaseGemeente(case=shared, organisation=alpha, has_it_too=True)])
    db.session.commit()
    cards = _home_cards(client)
    assert 'class="tag"' not in cards["Zonder tags"] and "shared-by" not in cards["Zonder tags"]
    assert cards["Met tags"].index("#Avond") < cards["Met tags"].index("#Licht")
    assert "shared-by" not in cards["Met tags"]
    own = shared.organisation.name
    assert f"Gedeeld door 3 gemeenten: {own}, Gemeente Alfa, Gemeente Zeta" in cards["Gedeeld"]
    assert plain.organisation.name in cards["Zonder tags"]


def test_home_costs_two_queries_when_no_case_has_tags_or_partners(no_page_cache, client, db,
                                                                  app):
    from tests.querycount import count_queries

    for n in range(3):
        CaseFactory(title=f"Casus {n}")
    client.get("/")
    with app.app_context():
        engine = _db.engine
    with count_queries(engine) as counted:
        page = client.get("/").get_data(as_text=True)
    assert page.count('class="card case-card"') == 3
    assert counted.count == 2, counted.statements  # the cases with their cards, the events


def test_home_shows_every_write_to_a_card_at_once(no_page_cache, client, db):
    from smartsociety.models import CaseGemeente, Tag
    from tests.factories import OrganisationFactory

    case = CaseFactory(title="Eerste titel")
    other = CaseFactory(title="Andere casus")
    assert "Eerste titel" in _home_cards(client)
    case.title = "Nieuwe titel"
    db.session.commit()
    cards = _home_cards(client)
    assert "Nieuwe titel" in cards and "Eerste titel" not in cards
    case.tags = [Tag(slug="nieuw", name="Nieuw")]
    db.session.commit()
    assert "#Nieuw" in _home_cards(client)["Nieuwe titel"]
    assert 'class="tag"' not in _home_cards(client)["Andere casus"]
    for name in ("Gemeente Een", "Gemeente Twee"):
        db.session.add(CaseGemeente(case=case, organisation=OrganisationFactory(name=name),
                                    has_it_too=True))
        db.session.commit()
    cards = _home_cards(client)
    assert "Gemeente Een, Gemeente Twee" in cards["Nieuwe titel"]
    assert "shared-by" not in cards["Andere casus"]
    case.organisation.name = "Gemeente Hernoemd"
    db.session.commit()
    assert "Gemeente Hernoemd, Gemeente Een" in _home_cards(client)["Nieuwe titel"]
    case.hide("test")
    db.session.commit()
    assert list(_home_cards(client)) == [other.title]
    CaseFactory(title="Gloednieuw")
    assert "Gloednieuw" in _home_cards(client)


def test_home_shows_an_event_published_or_changed_at_once(no_page_cache, client, db):
    from tests.test_events import make_event

    event = make_event(title="Lichtdag", published=False)
    assert "Lichtdag" not in client.get("/").get_data(as_text=True)
    from smartsociety.models import utcnow

    event.published_at = utcnow()
    db.session.commit()
    assert "Lichtdag" in client.get("/").get_data(as_text=True)
    event.title = "Donkerdag"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Donkerdag" in page and "Lichtdag" not in page


def test_home_cards_are_the_case_lists_cards(no_page_cache, client, login, db):
    """Home imports the card macro without the page's context (a module kept per process):
    a card shows the same on home as on the case list, a byline with its affiliation too."""
    from smartsociety.models import Tag

    without_organisation = CaseFactory(title="Van een lid", organisation=None)
    with_organisation = CaseFactory(title="Van een gemeente")
    with_organisation.tags = [Tag(slug="licht", name="Licht")]
    db.session.commit()
    member = UserFactory()
    for reader in (client, login(member)):
        home = _home_cards(reader)
        listed = reader.get("/casussen").get_data(as_text=True)
        for case in (without_organisation, with_organisation):
            card = home[case.title].split("</li>")[0]
            assert card in listed, case.title
    assert 'class="byline"' in home["Van een lid"]


def test_home_loads_only_what_its_cards_show_and_nothing_later(no_page_cache, client, login,
                                                                db, app):
    """Home's query reads only the cards' columns (smartsociety/cases/homecards.py):
    every byline kind (a verified member of a verified organisation, a claim, staff, a member
    without organisation, a former member; five, home's limit) shows as on the case list, with no query for a
    column left out."""
    from smartsociety.models import Role
    from tests.factories import OrganisationFactory, claimed_member, verified_member
    from tests.querycount import count_queries

    authors = {"Geverifieerd": verified_member(), "Geclaimd": claimed_member(),
               "Moderator": UserFactory(role=Role.MODERATOR, organisation=None)}
    for title, author in authors.items():
        CaseFactory(title=title, author=author, organisation=None)
    CaseFactory(title="Van een organisatie", organisation=OrganisationFactory(name="Org Een"))
    former = CaseFactory(title="Voormalig", organisation=None)
    former.author = None
    db.session.commit()
    with app.app_context():
        engine = _db.engine
    for reader in (client, login(UserFactory())):
        reader.get("/")
        with count_queries(engine) as counted:
            home = _home_cards(reader)
        listed = reader.get("/casussen").get_data(as_text=True)
        for title in (*authors, "Voormalig", "Van een organisatie"):
            assert home[title].split("</li>")[0] in listed, title
        if reader is client:
            assert counted.count == 2, counted.statements
    assert "badge-verified" in home["Geverifieerd"]
    assert "badge-unconfirmed" in home["Geclaimd"]
    assert 'class="badge">' in home["Moderator"]
    assert "Org Een" in home["Van een organisatie"]
    assert "byline" not in home["Van een organisatie"]
