"""Records that are true: no revision for an unchanged save, honest labels and dates."""
import sqlalchemy as sa

from smartsociety.models import Case
from tests.factories import UserFactory
from tests.test_cases import case_data


def test_saving_a_case_without_changes_records_no_revision(db, login):
    client = login(UserFactory())
    client.post("/casussen/nieuw", data=case_data(tags="sensoren, afval, circulair"))
    case = db.session.scalar(sa.select(Case))
    form = client.get(f"/casussen/{case.id}/bewerken").get_data(as_text=True)
    assert 'value="afval, circulair, sensoren"' in form
    # Saved as the form shows it: the tags in another order, nothing else changed.
    response = client.post(f"/casussen/{case.id}/bewerken",
                           data=case_data(tags="afval, circulair, sensoren"))
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert len(case.revisions) == 1
    history = client.get(f"/casussen/{case.id}/geschiedenis").get_data(as_text=True)
    assert "→" not in history


def test_withdrawing_a_solution_withdraws_its_open_offers_visibly(db, login):
    from smartsociety.models import Offer, OfferStatus
    from tests.factories import OfferFactory

    offer = OfferFactory(status=OfferStatus.IN_CONVERSATION)
    offer_id, case_id, solution_id = offer.id, offer.case_id, offer.solution_id
    owner = UserFactory(organisation=offer.solution.organisation)
    author = db.session.get(Case, case_id).author
    detail = login(owner).get(f"/oplossingen/{solution_id}").get_data(as_text=True)
    assert "Ja, trek de oplossing in" in detail  # asks for confirmation first
    login(owner).post(f"/oplossingen/{solution_id}/intrekken", data={"withdrawn": "1"})
    assert db.session.get(Offer, offer_id).status is OfferStatus.WITHDRAWN
    page = login(author).get(f"/casussen/{case_id}").get_data(as_text=True)
    assert "Ingetrokken door de aanbieder" in page and "In gesprek" not in page
    # The case author can no longer move a withdrawn offer on.
    moved = login(author).post(f"/casussen/{case_id}/aanbod/{offer_id}/status",
                               data={"status": "chosen"})
    assert moved.status_code == 409
    # Listed again: the offer is open again.
    login(owner).post(f"/oplossingen/{solution_id}/intrekken", data={"withdrawn": "0"})
    assert db.session.get(Offer, offer_id).status is OfferStatus.OFFERED


def test_search_dates_a_principle_by_its_adoption_not_its_indexing(app, client, db):
    from tests.factories import PrincipleFactory
    from tests.test_search import results

    PrincipleFactory(title="Dataminimalisatie bij sensoren")  # adopted 29 November 2019
    found = results(app, "dataminimalisatie")
    assert dict(found.facets["year"]) == {"2019": 1}
    page = client.get("/zoeken", query_string={"q": "dataminimalisatie"}).get_data(as_text=True)
    assert 'datetime="2019-11-29' in page


def test_a_hidden_comment_says_a_moderator_hid_it(db, client):
    from smartsociety.models import utcnow
    from tests.factories import CommentFactory

    hidden = CommentFactory(body="Verborgen tekst", hidden_at=utcnow(), hidden_reason="spam")
    deleted = CommentFactory(case=hidden.case, body="Weg", deleted_at=utcnow())
    page = client.get(f"/casussen/{hidden.case_id}").get_data(as_text=True)
    assert "Deze reactie is verborgen door een moderator." in page
    assert page.count("Deze reactie is verwijderd.") == 1 and deleted.body not in page
    assert "Verborgen tekst" not in page


def test_the_audit_log_speaks_in_labels_and_links(db, login):
    from smartsociety.models import Role

    moderator = UserFactory(role=Role.MODERATOR)
    member = UserFactory(name="Karin de Wit")
    mod = login(moderator)
    mod.post(f"/moderatie/leden/{member.id}/schorsen", data={"days": "7", "reason": "Spam"})
    page = mod.get("/moderatie/logboek").get_data(as_text=True)
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "<code>" not in table and "suspend" not in table and "Geschorst" in table
    assert "profile" not in table and f"#{member.id}" not in table
    assert f'href="/leden/{member.id}">Karin de Wit</a>' in page
    assert "Spam (tot " in page
    import re
    reason = re.search(r"Spam \(tot ([^)]*)\)", page).group(1)
    assert not re.search(r"\d{4}-\d\d-\d\dT", reason)
    # Each type once in the filter.
    assert page.count(">Oplossing</option>") == 1


def test_the_kind_decides_the_status_when_they_do_not_fit(db, login):
    """Without JavaScript: "Dilemma" chosen while the status list still says "Idea"."""
    response = login(UserFactory()).post("/casussen/nieuw", data=case_data(status="idea"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Case)).status == "open"


def test_the_new_case_form_has_no_empty_preview_and_a_conforming_status_select(db, login):
    import re

    page = login(UserFactory()).get("/casussen/nieuw").get_data(as_text=True)
    assert 'id="preview-heading"' not in page
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S)
    assert "required" in select.group(0).split(">")[0]
    assert re.match(r'\s*<option[^>]*value=""', select.group(1))  # placeholder, not in a group
