"""Marketplace: solution listings, offers on cases, use reviews, contact messages, profiles."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from smartsociety.models import (
    Case,
    CaseKind,
    ContactMessage,
    DilemmaStatus,
    Offer,
    OfferStatus,
    OpenStandard,
    OrganisationKind,
    ProjectStatus,
    Role,
    Solution,
    SolutionRevision,
    SolutionUse,
    takes_offers,
)
from tests.conftest import make_config
from tests.factories import (
    CaseFactory,
    OfferFactory,
    OpenStandardFactory,
    OrganisationFactory,
    SolutionFactory,
    UserFactory,
)


@pytest.fixture
def app_config(tmp_path, postgres_url):
    return make_config(tmp_path, postgres_url, CONTACT_LIMIT="3 per hour")


def member_of(kind, **kwargs):
    """A verified member of a (by default verified) organisation of `kind`."""
    kwargs.setdefault("verified_at", datetime.now(UTC))
    organisation = OrganisationFactory(kind=kind, **kwargs)
    return UserFactory(organisation=organisation)


def solution_data(**changes):
    data = {
        "name": "Open sensorplatform",
        "summary": "Sensoren beheren met open standaarden.",
        "description": "Werkt met **FIWARE**.",
        "themes": ["datagedreven-werken"],
        "hosting_location": "Eigen datacentrum, Amsterdam",
        "jurisdiction": "Nederland",
        "privacy_by_design": "y",
        "privacy_notes": "Geen persoonsgegevens.",
        "price_model": "subscription",
        "contact": "verkoop@example.org",
    }
    data.update(changes)
    return data


# Publishing listings


@pytest.mark.parametrize("kind", [OrganisationKind.BEDRIJF, OrganisationKind.KENNISINSTELLING])
def test_companies_and_researchers_publish_solutions(db, login, kind):
    user = member_of(kind)
    standard = OpenStandardFactory(name="NGSI-LD")
    response = login(user).post("/oplossingen/nieuw",
                                data=solution_data(standards=[str(standard.id)]))
    assert response.status_code == 302
    solution = db.session.scalar(sa.select(Solution))
    assert solution.organisation_id == user.organisation_id
    assert [s.name for s in solution.standards] == ["NGSI-LD"]
    assert "<strong>FIWARE</strong>" in solution.description_html
    assert solution.privacy_by_design and not solution.dpia_available
    assert len(solution.revisions) == 1


@pytest.mark.parametrize("kind", [OrganisationKind.GEMEENTE, OrganisationKind.MAATSCHAPPELIJK])
def test_others_may_not_publish_solutions(db, login, kind):
    client = login(member_of(kind))
    assert client.get("/oplossingen/nieuw").status_code == 403
    assert client.post("/oplossingen/nieuw", data=solution_data()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 0


def test_publishing_requires_login(client):
    response = client.get("/oplossingen/nieuw")
    assert response.status_code == 302 and "/inloggen" in response.location


def test_bad_listing_input_is_refused_with_422(db, login):
    client = login(member_of(OrganisationKind.BEDRIJF))
    for data in (solution_data(name=""), solution_data(name="x" * 161),
                 solution_data(price_model="gratis-bier"), solution_data(themes=[]),
                 solution_data(standards=["99999"]), solution_data(contact="")):
        assert client.post("/oplossingen/nieuw", data=data).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 0


def test_hostile_markdown_is_sanitised(db, login):
    client = login(member_of(OrganisationKind.BEDRIJF))
    client.post("/oplossingen/nieuw",
                data=solution_data(description="<script>alert(1)</script>[x](javascript:alert(1))"))
    solution = db.session.scalar(sa.select(Solution))
    assert "<script" not in solution.description_html
    assert "javascript:" not in solution.description_html


def test_edit_makes_a_revision_and_history_shows_the_diff(db, login):
    solution = SolutionFactory()
    colleague = UserFactory(organisation=solution.organisation)
    client = login(colleague)
    response = client.post(f"/oplossingen/{solution.id}/bewerken",
                           data=solution_data(name="Beter sensorplatform"))
    assert response.status_code == 302
    revisions = db.session.scalars(
        sa.select(SolutionRevision).where(SolutionRevision.solution_id == solution.id)
    ).all()
    assert [r.data["name"] for r in revisions][-1] == "Beter sensorplatform"
    assert len(revisions) == 2
    page = client.get(f"/oplossingen/{solution.id}/geschiedenis")
    assert page.status_code == 200
    assert b"<ins>Beter</ins>" in page.data or b"Beter" in page.data


def test_only_own_organisation_or_moderators_edit(db, login):
    solution = SolutionFactory()
    outsider = member_of(OrganisationKind.BEDRIJF)
    assert login(outsider).get(f"/oplossingen/{solution.id}/bewerken").status_code == 403
    assert login(outsider).post(f"/oplossingen/{solution.id}/intrekken",
                                data={"withdrawn": "1"}).status_code == 403
    moderator = UserFactory(role=Role.MODERATOR)
    assert login(moderator).get(f"/oplossingen/{solution.id}/bewerken").status_code == 200


def test_withdrawn_listing_is_kept_and_marked(db, login, client):
    solution = SolutionFactory()
    owner = UserFactory(organisation=solution.organisation)
    response = login(owner).post(f"/oplossingen/{solution.id}/intrekken", data={"withdrawn": "1"})
    assert response.status_code == 302
    assert db.session.get(Solution, solution.id).is_withdrawn
    assert client.get(f"/oplossingen/{solution.id}").status_code == 200
    assert solution.name.encode() not in client.get("/oplossingen").data
    assert login(owner).post(f"/oplossingen/{solution.id}/intrekken",
                             data={"withdrawn": "maybe"}).status_code == 400


def test_list_filters_and_missing_solution(db, client):
    SolutionFactory(name="Luchtmeter")
    SolutionFactory(name="Parkeerapp")
    page = client.get("/oplossingen?q=lucht")
    assert b"Luchtmeter" in page.data and b"Parkeerapp" not in page.data
    assert client.get("/oplossingen?theme=nonsense").status_code == 400
    assert client.get("/oplossingen/424242").status_code == 404


def test_moderators_maintain_open_standards(db, login, client):
    assert client.get("/open-standaarden").status_code == 200
    member = member_of(OrganisationKind.BEDRIJF)
    assert login(member).post("/open-standaarden", data={"name": "CityGML"}).status_code == 403
    moderator = UserFactory(role=Role.MODERATOR)
    assert login(moderator).post("/open-standaarden", data={"name": "CityGML"}).status_code == 302
    assert login(moderator).post("/open-standaarden",
                                 data={"name": " citygml "}).status_code == 422
    assert db.session.scalars(sa.select(OpenStandard.name)).all() == ["CityGML"]


# Offers


def test_open_cases_take_offers():
    assert takes_offers(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.OPEN.value))
    assert takes_offers(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.IN_DISCUSSION.value))
    assert not takes_offers(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.ANSWERED.value))
    assert not takes_offers(Case(kind=CaseKind.DILEMMA, status=DilemmaStatus.CLOSED.value))
    assert takes_offers(Case(kind=CaseKind.PROJECT, status=ProjectStatus.PILOT.value))
    assert not takes_offers(Case(kind=CaseKind.PROJECT, status=ProjectStatus.FINISHED.value))


def test_company_offers_once_and_case_shows_it(db, login, client):
    case = CaseFactory()
    solution = SolutionFactory()
    employee = UserFactory(organisation=solution.organisation)
    colleague = UserFactory(organisation=solution.organisation)
    page = login(employee).get(f"/casussen/{case.id}")
    assert b'action="/casussen/%d/aanbod"' % case.id in page.data
    data = {"solution_id": str(solution.id), "explanation": "Ons platform doet dit al."}
    response = login(employee).post(f"/casussen/{case.id}/aanbod", data=data)
    assert response.status_code == 302
    offer = db.session.scalar(sa.select(Offer))
    assert offer.status is OfferStatus.OFFERED and offer.organisation_id == solution.organisation_id
    # One offer per organisation per case, whoever of its members tries again.
    assert login(colleague).post(f"/casussen/{case.id}/aanbod", data=data).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 1
    shown = client.get(f"/casussen/{case.id}").data
    assert b"Ons platform doet dit al." in shown and solution.name.encode() in shown


def test_offer_refusals(db, login):
    case = CaseFactory()
    solution = SolutionFactory()
    other = SolutionFactory()
    employee = UserFactory(organisation=solution.organisation)
    data = {"solution_id": str(solution.id), "explanation": "Wij helpen."}
    # Gemeenten and unaffiliated members do not offer.
    assert login(member_of(OrganisationKind.GEMEENTE)).post(
        f"/casussen/{case.id}/aanbod", data=data).status_code == 403
    # Only the organisation's own listings can be offered.
    assert login(employee).post(f"/casussen/{case.id}/aanbod", data={
        "solution_id": str(other.id), "explanation": "x"}).status_code == 422
    # Explanation required and short.
    assert login(employee).post(f"/casussen/{case.id}/aanbod", data={
        "solution_id": str(solution.id), "explanation": "x" * 1001}).status_code == 422
    # Closed cases take no offers.
    closed = CaseFactory(status=DilemmaStatus.CLOSED.value)
    assert login(employee).post(f"/casussen/{closed.id}/aanbod", data=data).status_code == 409
    finished = CaseFactory(kind=CaseKind.PROJECT, status=ProjectStatus.FINISHED.value)
    assert login(employee).post(f"/casussen/{finished.id}/aanbod", data=data).status_code == 409
    assert login(employee).post("/casussen/999999/aanbod", data=data).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_withdrawn_solution_cannot_be_offered(db, login):
    case = CaseFactory()
    solution = SolutionFactory()
    employee = UserFactory(organisation=solution.organisation)
    login(employee).post(f"/oplossingen/{solution.id}/intrekken", data={"withdrawn": "1"})
    response = login(employee).post(f"/casussen/{case.id}/aanbod", data={
        "solution_id": str(solution.id), "explanation": "Wij helpen."})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_offer_status_flow(db, login):
    offer = OfferFactory()
    case_id, offer_id = offer.case_id, offer.id
    author = db.session.get(Case, case_id).author
    url = f"/casussen/{case_id}/aanbod/{offer_id}/status"
    offerer = UserFactory(organisation=offer.solution.organisation)
    # Only the case's author sets the status.
    assert login(offerer).post(url, data={"status": "chosen"}).status_code == 403
    assert login(author).post(url, data={"status": "bogus"}).status_code == 400
    assert login(author).post(url, data={"status": "in_conversation"}).status_code == 302
    assert db.session.get(Offer, offer_id).status is OfferStatus.IN_CONVERSATION
    assert login(author).post(url, data={"status": "offered"}).status_code == 409
    assert login(author).post(url, data={"status": "chosen"}).status_code == 302
    assert db.session.get(Offer, offer_id).status is OfferStatus.CHOSEN
    assert login(author).post(url, data={"status": "in_conversation"}).status_code == 409
    # The offering organisation sees the status among its offers.
    inbox = login(offerer).get(f"/organisaties/{offer.solution.organisation.slug}/berichten")
    assert inbox.status_code == 200 and b"offer-status-chosen" in inbox.data
    assert login(author).post(f"/casussen/{case_id}/aanbod/999/status",
                              data={"status": "chosen"}).status_code == 404


# Use and reviews


def test_gemeenten_record_use_once_editable_and_ratings_average(db, login, client):
    solution = SolutionFactory()
    first, second = member_of(OrganisationKind.GEMEENTE), member_of(OrganisationKind.GEMEENTE)
    url = f"/oplossingen/{solution.id}/gebruik"
    assert login(first).post(url, data={"rating": "2", "review": "Matig."}).status_code == 302
    assert login(second).post(url, data={"rating": "5", "review": "Prima."}).status_code == 302
    colleague = UserFactory(organisation=first.organisation)
    again = login(colleague).post(url, data={"rating": "4", "review": "Beter nu."})
    assert again.status_code == 302
    uses = db.session.scalars(sa.select(SolutionUse).order_by(SolutionUse.rating)).all()
    assert [(u.rating, u.review) for u in uses] == [(4, "Beter nu."), (5, "Prima.")]
    from smartsociety.solutions.services import rating_summary

    assert rating_summary(db.session.get(Solution, solution.id)) == (4.5, 2)
    page = client.get(f"/oplossingen/{solution.id}").data.decode()
    assert "4.5" in page or "4,5" in page
    assert first.organisation.name in page


def test_use_refusals(db, login):
    solution = SolutionFactory()
    url = f"/oplossingen/{solution.id}/gebruik"
    data = {"rating": "4", "review": "Goed."}
    assert login(member_of(OrganisationKind.BEDRIJF)).post(url, data=data).status_code == 403
    assert login(UserFactory(organisation=None)).post(url, data=data).status_code == 403
    gemeente_member = member_of(OrganisationKind.GEMEENTE)
    for bad in ({"rating": "6", "review": "x"}, {"rating": "0", "review": "x"},
                {"rating": "abc", "review": "x"}, {"rating": "3", "review": ""},
                {"rating": "3", "review": "x" * 2001}):
        assert login(gemeente_member).post(url, data=bad).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(SolutionUse.id))) == 0


def test_an_organisation_cannot_review_its_own_solution(db, login):
    # A gemeente that (as a shared service) lists a solution itself.
    gemeente = OrganisationFactory(kind=OrganisationKind.GEMEENTE)
    solution = SolutionFactory(organisation=gemeente)
    member = UserFactory(organisation=gemeente)
    response = login(member).post(f"/oplossingen/{solution.id}/gebruik",
                                  data={"rating": "5", "review": "Ons eigen werk is top."})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(SolutionUse.id))) == 0


# Contact messages


def test_message_is_stored_shown_in_inbox_and_mailed(db, login, smtp_server):
    from smartsociety.notify.outbox import drain_outbox

    solution = SolutionFactory()
    receivers = [UserFactory(organisation=solution.organisation) for _ in range(2)]
    sender = member_of(OrganisationKind.GEMEENTE, name="Gemeente Afzender")
    response = login(sender).post(f"/oplossingen/{solution.id}/contact", data={
        "subject": "Vraag over koppeling", "body": "Werkt het met onze GIS-omgeving?"})
    assert response.status_code == 302
    message = db.session.scalar(sa.select(ContactMessage))
    assert message.organisation_id == solution.organisation_id and message.sender_id == sender.id
    # Mail goes through the outbox (retried on failure), as notifications do.
    assert smtp_server.messages == []
    drain_outbox()
    assert sorted(r for e in smtp_server.messages for r in e.rcpt_tos) == sorted(
        u.email for u in receivers)
    content = smtp_server.messages[0].content.decode()
    assert "Vraag over koppeling" in content and f"/berichten/{message.id}" in content
    inbox_url = f"/organisaties/{solution.organisation.slug}/berichten"
    inbox = login(receivers[0]).get(inbox_url)
    assert inbox.status_code == 200 and b"GIS-omgeving" in inbox.data
    # Only members of the organisation read its inbox.
    assert login(sender).get(inbox_url).status_code == 403


def test_message_refusals_and_rate_limit(db, login, client):
    solution = SolutionFactory()
    url = f"/oplossingen/{solution.id}/contact"
    data = {"subject": "Vraag", "body": "Hallo"}
    assert client.post(url, data=data).status_code == 302  # to the login page
    own = UserFactory(organisation=solution.organisation)
    assert login(own).post(url, data=data).status_code == 403
    sender = member_of(OrganisationKind.GEMEENTE)
    assert login(sender).post(url, data={"subject": "", "body": "x"}).status_code == 422
    assert login(sender).post(url, data={"subject": "x", "body": "x" * 5001}).status_code == 422
    assert login(sender).post(url, data=data).status_code == 302
    # CONTACT_LIMIT is 3 per hour in this module: every attempt counts.
    assert login(sender).post(url, data=data).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count(ContactMessage.id))) == 1


# Profiles and the case page


def test_organisation_profile_shows_cases_solutions_and_uses(db, login, client):
    gemeente = OrganisationFactory(kind=OrganisationKind.GEMEENTE, name="Gemeente Profielstad",
                                   verified_at=datetime.now(UTC))
    official = UserFactory(organisation=gemeente)
    case = CaseFactory(author=official, title="Slimme lantaarnpalen")
    solution = SolutionFactory(name="LichtNet")
    login(official).post(f"/oplossingen/{solution.id}/gebruik",
                         data={"rating": "4", "review": "Goed."})
    page = client.get(f"/organisaties/{gemeente.slug}").data
    assert b"Slimme lantaarnpalen" in page and b"LichtNet" in page
    company_page = client.get(f"/organisaties/{solution.organisation.slug}").data
    assert b"LichtNet" in company_page
    assert case.id


def test_case_author_cannot_receive_offer_from_own_organisation(db, login):
    solution = SolutionFactory()
    author = UserFactory(organisation=solution.organisation)
    case = CaseFactory(author=author)
    response = login(author).post(f"/casussen/{case.id}/aanbod", data={
        "solution_id": str(solution.id), "explanation": "Eigen oplossing."})
    assert response.status_code == 403


def test_demo_marketplace_loads_once(app, db):
    from smartsociety.demo import data, together

    data.load("pbkdf2:sha256:1000")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 2 + together.SOLUTIONS_ADDED
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(SolutionUse.id))) == 1 + together.USES_ADDED
    assert data.load("pbkdf2:sha256:1000") == 0


def test_anonymous_cannot_add_standards_or_offer(db, client):
    case = CaseFactory()
    assert client.post("/open-standaarden", data={"name": "X"}).status_code == 401
    assert client.post(f"/casussen/{case.id}/aanbod", data={}).status_code == 302
    assert client.get("/organisaties/niemand/berichten").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OpenStandard.id))) == 0


def test_organisation_by_number_redirects_to_its_page(db, client):
    organisation = OrganisationFactory()
    response = client.get(f"/organisaties/nr/{organisation.id}")
    assert response.status_code == 301 and response.location.endswith(f"/{organisation.slug}")
    assert client.get("/organisaties/nr/999999").status_code == 404


# Search: suggestions and findability


def test_case_page_suggests_similar_solutions_not_offered(db, client):
    match = SolutionFactory(name="Fijnstofnet", summary="Fijnstof en luchtkwaliteit meten.",
                            description="Sensoren meten fijnstof in de binnenstad.")
    SolutionFactory(name="Parkeerapp", summary="Parkeervergunningen voor bewoners.",
                    description="Bezoekers parkeren met een app.")
    withdrawn = SolutionFactory(name="Oud fijnstofmeter", summary="Fijnstof meten, luchtkwaliteit.",
                                description="Fijnstof in de binnenstad.",
                                withdrawn_at=datetime.now(UTC))
    case = CaseFactory(title="Luchtkwaliteit in de binnenstad", summary="Fijnstof meten.",
                       body="Hoe meten wij fijnstof?", body_html="<p>Hoe meten wij fijnstof?</p>")
    page = client.get(f"/casussen/{case.id}").data.decode()
    assert 'class="suggestions"' in page
    suggested = page.split('class="suggestions"')[1].split("</ul>")[0]
    assert "Fijnstofnet" in suggested and "Parkeerapp" not in suggested
    assert withdrawn.name not in suggested
    # An offered solution is shown as an offer, not again as a suggestion.
    OfferFactory(case=db.session.get(Case, case.id), solution=db.session.get(Solution, match.id))
    page = client.get(f"/casussen/{case.id}").data.decode()
    assert "Fijnstofnet" not in page.split('class="suggestions"')[-1].split("</ul>")[0]


def test_solutions_and_organisations_are_searchable_with_their_own_facet(db, client):
    solution = SolutionFactory(name="Fijnstofnet", summary="Fijnstof meten.")
    organisation = OrganisationFactory(name="Gemeente Zoekdorp", description="Aan de rivier.")
    found = client.get("/zoeken", query_string={"q": "fijnstofnet"}).data.decode()
    assert f'data-key="solution:{solution.id}"' in found
    found = client.get("/zoeken", query_string={"q": "zoekdorp", "doc_type": "organisation"})
    assert f'data-key="organisation:{organisation.id}"' in found.data.decode()
    # Withdrawn listings leave the index.
    db.session.get(Solution, solution.id).withdrawn_at = datetime.now(UTC)
    db.session.commit()
    found = client.get("/zoeken", query_string={"q": "fijnstofnet"}).data.decode()
    assert f'data-key="solution:{solution.id}"' not in found


def test_offers_and_their_status_changes_notify(client, login, db):
    """The case author hears of an offer; the offering member hears of its status changes."""
    from smartsociety.models import EventKind, Notification

    company = OrganisationFactory(name="Sensorbedrijf", kind=OrganisationKind.BEDRIJF,
                                  verified_at=datetime.now(UTC))
    seller = UserFactory(organisation=company)
    solution = SolutionFactory(organisation=company)
    case = CaseFactory()
    response = login(seller).post(f"/casussen/{case.id}/aanbod",
                                  data={"solution_id": solution.id, "explanation": "Wij helpen."})
    assert response.status_code == 302
    offer = db.session.scalar(sa.select(Offer))

    def notified(user):
        return db.session.scalars(sa.select(Notification.kind).where(
            Notification.user_id == user.id)).all()

    assert notified(case.author) == [EventKind.OFFER] and notified(seller) == []
    response = login(case.author).post(f"/casussen/{case.id}/aanbod/{offer.id}/status",
                                       data={"status": "in_conversation"})
    assert response.status_code == 302
    assert notified(seller) == [EventKind.OFFER_STATUS]
