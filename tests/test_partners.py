"""Partner gemeenten on a case ("wij hebben dit ook", join requests, edit rights, notices),
the shared-by count in lists, filters, sorting and search, and adoptions of scaling projects."""
import datetime

import sqlalchemy as sa

from smartsociety.models import (
    AdoptionStage,
    AdoptionStep,
    CaseGemeente,
    CaseKind,
    EventKind,
    Follow,
    FollowTarget,
    Notification,
    OrganisationKind,
    PartnerStatus,
    ProjectAdoption,
    ProjectRule,
    ProjectSolution,
    ProjectStatus,
)
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    PrincipleFactory,
    SolutionFactory,
    UserFactory,
    verified_member,
)


def gemeente_case(**fields):
    owner = verified_member(name="Eigenaar")
    return CaseFactory(author=owner, organisation=owner.organisation, **fields), owner


def links(db, case):
    return db.session.scalars(
        sa.select(CaseGemeente).where(CaseGemeente.case_id == case.id)).all()


def notified(db, user):
    return db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == user.id)).all()


# "Wij hebben dit ook"


def test_we_have_this_too_is_counted_with_the_gemeente_name(db, client, login):
    case, owner = gemeente_case()
    others = [verified_member() for _ in range(2)]
    for member in others:
        assert login(member).post(f"/casussen/{case.id}/wij-ook",
                                  data={"on": "1"}).status_code == 302
    page = client.get(f"/casussen/{case.id}").data.decode()
    assert "Gedeeld door 3 gemeenten" in page
    for member in [owner, *others]:
        assert member.organisation.name in page
    # Saying it again changes nothing; taking it back lowers the count.
    login(others[0]).post(f"/casussen/{case.id}/wij-ook", data={"on": "1"})
    assert len(links(db, case)) == 2
    login(others[0]).post(f"/casussen/{case.id}/wij-ook", data={"on": "0"})
    assert "Gedeeld door 2 gemeenten" in client.get(f"/casussen/{case.id}").data.decode()


def test_only_verified_members_of_another_gemeente_share(db, login):
    case, owner = gemeente_case()
    company = verified_member(OrganisationKind.BEDRIJF)
    unverified = UserFactory()  # a gemeente member whose gemeente is not verified
    for user in (company, unverified):
        response = login(user).post(f"/casussen/{case.id}/wij-ook", data={"on": "1"})
        assert response.status_code == 403
        assert "geverifieerde leden van een gemeente" in response.data.decode()
        assert login(user).post(f"/casussen/{case.id}/partners",
                                data={"message": "Mogen wij meedoen?"}).status_code == 403
    colleague = verified_member(organisation=owner.organisation)
    response = login(colleague).post(f"/casussen/{case.id}/partners", data={"message": "x"})
    assert response.status_code == 409 and "eigen gemeente" in response.data.decode()
    assert login(owner).post(f"/casussen/{case.id}/wij-ook", data={"on": "1"}).status_code == 409
    assert links(db, case) == []


def test_bad_input_is_a_4xx_and_stores_nothing(db, login):
    case, _owner = gemeente_case()
    other = verified_member()
    client = login(other)
    assert client.post(f"/casussen/{case.id}/wij-ook", data={"on": "misschien"}).status_code == 400
    assert client.post(f"/casussen/{case.id}/partners",
                       data={"message": "x" * 501}).status_code == 400
    assert client.post("/casussen/99999/partners", data={}).status_code == 404
    assert links(db, case) == []


# Partners


def test_partner_request_accept_gives_edit_rights_and_notices(db, login):
    case, owner = gemeente_case()
    partner = verified_member(name="Partnerlid")
    partner_colleague = verified_member(organisation=partner.organisation)
    assert login(partner).get(f"/casussen/{case.id}/bewerken").status_code == 403
    response = login(partner).post(f"/casussen/{case.id}/partners",
                                   data={"message": "Wij doen hetzelfde."})
    assert response.status_code == 302
    assert notified(db, owner) == [EventKind.PARTNER]
    # Asking twice is refused.
    assert login(partner).post(f"/casussen/{case.id}/partners", data={}).status_code == 409
    link = links(db, case)[0]
    assert link.partner_status is PartnerStatus.REQUESTED
    # Only the owners decide.
    outsider = verified_member()
    assert login(outsider).post(f"/casussen/{case.id}/partners/{link.id}/besluit",
                                data={"decision": "accept"}).status_code == 403
    assert login(owner).post(f"/casussen/{case.id}/partners/{link.id}/besluit",
                             data={"decision": "maybe"}).status_code == 400
    response = login(owner).post(f"/casussen/{case.id}/partners/{link.id}/besluit",
                                 data={"decision": "accept"})
    assert response.status_code == 302
    db.session.refresh(link)
    assert link.partner_status is PartnerStatus.ACCEPTED
    assert EventKind.PARTNER in notified(db, partner_colleague)
    # Partners' verified members edit the case and follow it, as owners do.
    assert login(partner_colleague).get(f"/casussen/{case.id}/bewerken").status_code == 200
    follows = db.session.scalars(sa.select(Follow.user_id).where(
        Follow.target == FollowTarget.CASE, Follow.key == str(case.id))).all()
    assert {partner.id, partner_colleague.id} <= set(follows)
    # A decided request cannot be decided again.
    assert login(owner).post(f"/casussen/{case.id}/partners/{link.id}/besluit",
                             data={"decision": "decline"}).status_code == 409


def test_partners_hear_of_offers_like_owners(db, login):
    case, owner = gemeente_case()
    partner = verified_member()
    link = CaseGemeente(case=case, organisation=partner.organisation,
                        partner_status=PartnerStatus.ACCEPTED)
    db.session.add(link)
    db.session.commit()
    seller = verified_member(kind=OrganisationKind.BEDRIJF)
    solution = SolutionFactory(organisation=seller.organisation)
    login(seller).post(f"/casussen/{case.id}/aanbod",
                       data={"solution_id": solution.id, "explanation": "Wij helpen."})
    assert notified(db, partner) == [EventKind.OFFER]


def test_declined_partner_cannot_edit(db, login):
    case, owner = gemeente_case()
    other = verified_member()
    login(other).post(f"/casussen/{case.id}/partners", data={})
    link = links(db, case)[0]
    login(owner).post(f"/casussen/{case.id}/partners/{link.id}/besluit",
                      data={"decision": "decline"})
    db.session.refresh(link)
    assert link.partner_status is PartnerStatus.DECLINED
    assert login(other).get(f"/casussen/{case.id}/bewerken").status_code == 403
    assert "Gedeeld door 1 gemeente" in login(other).get(f"/casussen/{case.id}").data.decode()


def test_gemeente_page_lists_cases_initiated_joined_and_shared(db, client):
    mine, owner = gemeente_case(title="Eigen casus")
    joined, _ = gemeente_case(title="Casus als partner")
    shared, _ = gemeente_case(title="Casus die wij ook hebben")
    db.session.add_all([
        CaseGemeente(case=joined, organisation=owner.organisation,
                     partner_status=PartnerStatus.ACCEPTED),
        CaseGemeente(case=shared, organisation=owner.organisation, has_it_too=True),
    ])
    db.session.commit()
    page = client.get(f"/organisaties/{owner.organisation.slug}").data.decode()
    initiated = page.split('class="together-initiated"')[1].split("</ul>")[0]
    assert "Eigen casus" in initiated
    assert "Casus als partner" in page.split('class="together-joined"')[1].split("</ul>")[0]
    assert "Casus die wij ook hebben" in page.split('class="together-shares"')[1].split("</ul>")[0]


# The case list


def test_case_list_shows_filters_and_sorts_by_shared_count(db, client):
    lonely, _ = gemeente_case(title="Alleen wij")
    popular, _ = gemeente_case(title="Velen doen dit")
    for _ in range(2):
        db.session.add(CaseGemeente(case=popular, organisation=verified_member().organisation,
                                    has_it_too=True))
    db.session.commit()
    page = client.get("/casussen").data.decode()
    assert "Gedeeld door 3 gemeenten" in page
    filtered = client.get("/casussen", query_string={"shared": "3"}).data.decode()
    assert "Velen doen dit" in filtered and "Alleen wij" not in filtered
    ordered = client.get("/casussen", query_string={"sort": "shared"}).data.decode()
    assert ordered.index("Velen doen dit") < ordered.index("Alleen wij")
    assert client.get("/casussen", query_string={"shared": "veel"}).status_code == 400


def test_search_has_a_shared_by_facet(db, client):
    popular, _ = gemeente_case(title="Slimme lantaarnpalen delen")
    db.session.add(CaseGemeente(case=popular, organisation=verified_member().organisation,
                                has_it_too=True))
    db.session.commit()
    gemeente_case(title="Slimme lantaarnpalen alleen")
    page = client.get("/zoeken", query_string={"q": "lantaarnpalen"}).data.decode()
    assert "Gedeeld door" in page and "2 gemeenten" in page
    only = client.get("/zoeken", query_string={"q": "lantaarnpalen", "theme": "shared:2"})
    text = only.data.decode()
    assert f'data-key="case:{popular.id}"' in text and "alleen" not in text.split(
        'class="card-list search-hits"')[1]


# Scaling and adoptions


def scaling_project(**fields):
    return gemeente_case(kind=CaseKind.PROJECT, status=ProjectStatus.SCALING.value, **fields)


def test_projects_have_scaling_and_standard_stages(db, login):
    owner = verified_member()
    client = login(owner)
    data = {"kind": "project", "status": "scaling", "title": "Parkeren als dienst",
            "language": "nl", "themes": ["samen-organiseren"]}
    response = client.post("/casussen/nieuw", data=data)
    assert response.status_code == 302
    page = client.get(response.location).data.decode()
    assert "Opschalen" in page
    data["status"] = "standard"
    case_id = int(response.location.rsplit("/", 1)[1])
    assert client.post(f"/casussen/{case_id}/bewerken", data=data).status_code == 302
    assert "Gestandaardiseerde dienstverlening" in client.get(f"/casussen/{case_id}").data.decode()


def test_adoptions_with_stages_timeline_and_notices(db, login):
    case, owner = scaling_project()
    follower = verified_member()
    db.session.add(Follow(user_id=follower.id, target=FollowTarget.CASE, key=str(case.id)))
    db.session.commit()
    adopter = verified_member()
    response = login(adopter).post(f"/casussen/{case.id}/adopties",
                                   data={"stage": "plan", "note": "Begroting 2027."})
    assert response.status_code == 302
    adoption = db.session.scalar(sa.select(ProjectAdoption))
    assert adoption.stage is AdoptionStage.PLAN and adoption.organisation_id == \
        adopter.organisation_id
    assert EventKind.ADOPTION in notified(db, owner)
    assert EventKind.ADOPTION in notified(db, follower)
    # A second adoption by the same gemeente is refused; the stage changes instead.
    colleague = verified_member(organisation=adopter.organisation)
    assert login(colleague).post(f"/casussen/{case.id}/adopties",
                                 data={"stage": "pilot"}).status_code == 409
    response = login(colleague).post(f"/casussen/{case.id}/adopties/{adoption.id}",
                                     data={"stage": "in_use", "note": "Live sinds mei."})
    assert response.status_code == 302
    steps = db.session.scalars(sa.select(AdoptionStep).order_by(AdoptionStep.id)).all()
    assert [s.stage for s in steps] == [AdoptionStage.PLAN, AdoptionStage.IN_USE]
    page = login(owner).get(f"/casussen/{case.id}").data.decode()
    timeline = page.split('class="adoption-timeline"')[1].split("</ol>")[0]
    assert timeline.count("<li") == 2 and "In gebruik" in timeline
    # Another gemeente cannot change this gemeente's stage.
    assert login(verified_member()).post(f"/casussen/{case.id}/adopties/{adoption.id}",
                                         data={"stage": "plan"}).status_code == 403


def test_adoption_refusals(db, login):
    running, owner = gemeente_case(kind=CaseKind.PROJECT, status=ProjectStatus.RUNNING.value)
    other = verified_member()
    response = login(other).post(f"/casussen/{running.id}/adopties", data={"stage": "plan"})
    assert response.status_code == 409
    case, owner = scaling_project()
    assert login(owner).post(f"/casussen/{case.id}/adopties",
                             data={"stage": "plan"}).status_code == 409
    company = verified_member(OrganisationKind.BEDRIJF)
    assert login(company).post(f"/casussen/{case.id}/adopties",
                               data={"stage": "plan"}).status_code == 403
    assert login(UserFactory()).post(f"/casussen/{case.id}/adopties",
                                     data={"stage": "plan"}).status_code == 403
    assert login(other).post(f"/casussen/{case.id}/adopties",
                             data={"stage": "overal"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(ProjectAdoption.id))) == 0


def test_project_links_solutions_and_rules(db, login):
    case, owner = scaling_project()
    solution = SolutionFactory(name="Parkeerplatform")
    principle = PrincipleFactory()
    rule = principle.versions[0].rules[0]
    client = login(owner)
    assert client.post(f"/casussen/{case.id}/koppelingen",
                       data={"s-solution_id": solution.id, "s-submit": "1"}).status_code == 302
    assert client.post(f"/casussen/{case.id}/koppelingen",
                       data={"r-rule_id": rule.id, "r-submit": "1"}).status_code == 302
    assert client.post(f"/casussen/{case.id}/koppelingen",
                       data={"s-solution_id": solution.id, "s-submit": "1"}).status_code == 409
    assert client.post(f"/casussen/{case.id}/koppelingen",
                       data={"s-solution_id": 99999, "s-submit": "1"}).status_code == 422
    page = client.get(f"/casussen/{case.id}").data.decode()
    assert "Parkeerplatform" in page.split('class="project-solutions"')[1]
    assert rule.text in page
    assert login(verified_member()).get(f"/casussen/{case.id}/koppelingen").status_code == 403
    assert client.post(f"/casussen/{case.id}/koppelingen/regel/{rule.id}/verwijderen"
                       ).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ProjectRule.case_id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ProjectSolution.case_id))) == 1


def test_adoption_feed(db, login, client):
    case, _owner = scaling_project(title="Deelfietsen als standaard")
    adopter = verified_member()
    login(adopter).post(f"/casussen/{case.id}/adopties", data={"stage": "pilot", "note": ""})
    feed = client.get("/feeds/adopties.atom")
    assert feed.status_code == 200 and feed.content_type.startswith("application/atom+xml")
    assert "Deelfietsen als standaard" in feed.data.decode()
    assert adopter.organisation.name in feed.data.decode()


def test_search_finds_cases_by_partner_and_adopter_names(db, login, client):
    case, _owner = scaling_project(title="Deelauto's voor ambtenaren")
    adopter = verified_member(organisation=OrganisationFactory(
        name="Gemeente Zeewolk", verified_at=datetime.datetime.now(datetime.UTC)))
    assert client.get("/zoeken", query_string={"q": "zeewolk"}).data.decode().count(
        f'data-key="case:{case.id}"') == 0
    login(adopter).post(f"/casussen/{case.id}/adopties", data={"stage": "pilot"})
    found = client.get("/zoeken", query_string={"q": "zeewolk"}).data.decode()
    assert f'data-key="case:{case.id}"' in found


def test_case_page_queries_do_not_grow_with_sharing_gemeenten(db, login):
    from tests.querycount import count_queries

    few, _ = scaling_project()
    many, _ = scaling_project()
    for case, number in ((few, 1), (many, 12)):
        for _ in range(number):
            organisation = verified_member().organisation
            db.session.add(CaseGemeente(case=case, organisation=organisation, has_it_too=True,
                                        partner_status=PartnerStatus.ACCEPTED))
            db.session.add(ProjectAdoption(case=case, organisation=organisation,
                                           stage=AdoptionStage.PILOT))
    db.session.commit()
    viewer = login(verified_member())
    viewer.get(f"/casussen/{few.id}")
    with count_queries(db.engine) as small:
        assert viewer.get(f"/casussen/{few.id}").status_code == 200
    with count_queries(db.engine) as large:
        page = viewer.get(f"/casussen/{many.id}").data.decode()
    assert "Gedeeld door 13 gemeenten" in page
    assert large.count == small.count, "\n".join(large.statements)
