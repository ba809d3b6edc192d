"""Application landscape with alternatives, categories and certifications kept by moderators,
procurement terms on listings, comparing side by side, case requirements, search facets."""
import datetime

import pytest
import sqlalchemy as sa

from smartsociety.extensions import db as _db
from smartsociety.landscape import services
from smartsociety.models import (
    CaseRequirement,
    Certification,
    Organisation,
    OrganisationKind,
    RequirementKind,
    Role,
    SizeClass,
    Solution,
    SolutionCategory,
    SolutionUse,
)
from tests.factories import (
    CaseFactory,
    OfferFactory,
    OpenStandardFactory,
    OrganisationFactory,
    SolutionFactory,
    UserFactory,
    verified_member,
)

NOW = datetime.datetime.now(datetime.UTC)


def category(name="Zaaksysteem"):
    item = SolutionCategory(name=name, name_key=name.casefold(), slug=name.lower())
    _db.session.add(item)
    _db.session.commit()
    return item


def certification(name="ISO 27001"):
    item = Certification(name=name, name_key=name.casefold(), slug=name.lower().replace(" ", "-"))
    _db.session.add(item)
    _db.session.commit()
    return item


def use(solution, organisation, rating, **fields):
    row = SolutionUse(solution_id=solution.id, organisation_id=organisation.id, rating=rating,
                      review="Prima.", **fields)
    _db.session.add(row)
    _db.session.commit()
    return row


def gemeente(name=None):
    return OrganisationFactory(kind=OrganisationKind.GEMEENTE, verified_at=NOW,
                               **({"name": name} if name else {}))


# The moderators' lists


@pytest.mark.parametrize("path", ["/oplossingen/categorieen", "/certificeringen"])
def test_moderators_keep_the_lists(db, login, client, path):
    moderator = UserFactory(role=Role.MODERATOR)
    response = login(moderator).post(path, data={"name": "GIS"})
    assert response.status_code == 302
    assert "GIS" in client.get(path).data.decode()
    assert login(moderator).post(path, data={"name": "  gis "}).status_code == 422
    assert login(verified_member()).post(path, data={"name": "Burgerzaken"}).status_code == 403
    assert client.post(path, data={"name": "Burgerzaken"}).status_code == 401
    model = SolutionCategory if "categorie" in path else Certification
    assert db.session.scalar(sa.select(sa.func.count(model.id))) == 1


def test_unknown_category_is_404(client):
    assert client.get("/oplossingen/categorieen/bestaat-niet").status_code == 404


# Procurement terms on listings


def listing(**changes):
    data = {"name": "Open Zaak", "summary": "Zaakgericht werken.", "themes": ["dienstverlening"],
            "price_model": "free", "contact": "info@example.org"}
    data.update(changes)
    return data


def test_listing_states_category_gibit_certifications_and_exit_plan(db, login, client):
    zaak, iso = category(), certification()
    seller = verified_member(kind=OrganisationKind.BEDRIJF)
    response = login(seller).post("/oplossingen/nieuw", data=listing(
        category_id=zaak.id, accepts_gibit="y", certifications=[iso.id],
        exit_plan="Alle zaken als CSV en PDF/A."))
    assert response.status_code == 302
    solution = db.session.scalar(sa.select(Solution))
    assert solution.category_id == zaak.id and solution.accepts_gibit
    assert [c.name for c in solution.certifications] == ["ISO 27001"]
    page = client.get(f"/oplossingen/{solution.id}").data.decode()
    assert "Accepteert GIBIT" in page and "PDF/A" in page and "Zaaksysteem" in page


def test_unknown_category_or_certification_is_refused(db, login):
    seller = verified_member(kind=OrganisationKind.BEDRIJF)
    client = login(seller)
    assert client.post("/oplossingen/nieuw", data=listing(category_id=9999)).status_code == 422
    assert client.post("/oplossingen/nieuw", data=listing(certifications=[9999])).status_code == 422
    assert client.post("/oplossingen/nieuw",
                       data=listing(category_id="zaaksysteem")).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 0


def test_use_records_since_when_and_domain(db, login):
    solution = SolutionFactory()
    member = verified_member()
    response = login(member).post(f"/oplossingen/{solution.id}/gebruik", data={
        "rating": "4", "review": "Werkt goed.", "since": "2021-03-01", "domain": "Wmo"})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(SolutionUse))
    assert row.since == datetime.date(2021, 3, 1) and row.domain == "Wmo"
    assert login(member).post(f"/oplossingen/{solution.id}/gebruik", data={
        "rating": "4", "review": "x", "since": "gisteren"}).status_code == 422


# The landscape and its alternatives


def test_landscape_shows_alternatives_with_counts_and_ratings(db, client):
    zaak, gis = category("Zaaksysteem"), category("GIS")
    mine = SolutionFactory(name="Zaakbox", category=zaak)
    popular = SolutionFactory(name="Open Zaak", category=zaak, hosting_location="Haarlem")
    popular.standards = [OpenStandardFactory(name="ZGW API's")]
    SolutionFactory(name="Zaakwijzer", category=zaak)
    SolutionFactory(name="Oudzaak", category=zaak, withdrawn_at=NOW)
    other = SolutionFactory(name="Kaartviewer", category=gis)
    db.session.commit()
    turfbrug, b, c = gemeente("Gemeente Turfbrug"), gemeente(), gemeente()
    use(mine, turfbrug, 3, domain="Vergunningen", since=datetime.date(2019, 1, 1))
    use(popular, b, 5)
    use(popular, c, 2)
    use(other, c, 4)
    groups = services.landscape(turfbrug)
    assert [cat.name for cat, _ in groups] == ["Zaaksysteem"]
    entry = groups[0][1][0]
    assert entry.use.solution.name == "Zaakbox" and entry.usage.gemeenten == 1
    alternatives = [(s.name, u.gemeenten, u.average) for s, u in entry.alternatives]
    assert alternatives == [("Open Zaak", 2, 3.5), ("Zaakwijzer", 0, None)]
    page = client.get(f"/organisaties/{turfbrug.slug}/applicatielandschap").data.decode()
    alternatives_html = page.split('class="data-table alternatives"')[1].split("</table>")[0]
    assert "Open Zaak" in alternatives_html and "2 gemeenten" in alternatives_html
    assert "gemiddeld 3,5 van 5" in alternatives_html and "ZGW API" in alternatives_html
    assert "Haarlem" in alternatives_html
    assert "Oudzaak" not in page and "Kaartviewer" not in page
    assert "Vergunningen" in page
    # Linked from the gemeente's page.
    org_page = client.get(f"/organisaties/{turfbrug.slug}").data.decode()
    assert f"/organisaties/{turfbrug.slug}/applicatielandschap" in org_page
    summary = org_page.split('class="gemeente-landscape"')[1].split("</section>")[0]
    assert "Zaaksysteem" in summary and "Zaakbox" in summary and "Open Zaak" in summary


def test_landscape_only_for_gemeenten(db, client):
    company = OrganisationFactory(kind=OrganisationKind.BEDRIJF)
    assert client.get(f"/organisaties/{company.slug}/applicatielandschap").status_code == 404
    assert client.get("/organisaties/niemand/applicatielandschap").status_code == 404


def test_inhabitants_set_by_verified_members_only(db, login):
    member = verified_member()
    slug = member.organisation.slug
    assert login(member).post(f"/organisaties/{slug}/inwoners",
                              data={"inhabitants": "48250"}).status_code == 302
    organisation = db.session.get(Organisation, member.organisation_id)
    assert organisation.inhabitants == 48250 and organisation.size_class is SizeClass.MEDIUM
    assert login(member).post(f"/organisaties/{slug}/inwoners",
                              data={"inhabitants": "-3"}).status_code == 422
    assert login(verified_member()).post(f"/organisaties/{slug}/inwoners",
                                         data={"inhabitants": "1"}).status_code == 403
    unverified = UserFactory()  # a member of a gemeente that is not verified
    assert login(unverified).post(f"/organisaties/{unverified.organisation.slug}/inwoners",
                                  data={"inhabitants": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, member.organisation_id).inhabitants == 48250


def test_one_number_of_inhabitants_for_landscape_and_self_evaluation(db, login):
    """The landscape's number is the organisation's own: the edit page and the self-evaluation's
    peer group see what the landscape page saved, and the other way round."""
    member = verified_member()
    organisation = member.organisation
    organisation.inhabitants = 120_000
    db.session.commit()
    page = login(member).get(f"/organisaties/{organisation.slug}/applicatielandschap").text
    assert "120.000" in page and "meer dan 100.000 inwoners" in page
    login(member).post(f"/organisaties/{organisation.slug}/inwoners",
                       data={"inhabitants": "100000"})
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.inhabitants == 100_000 and organisation.size_class is SizeClass.LARGE
    page = login(member).get(f"/organisaties/{organisation.slug}/applicatielandschap").text
    assert "50.000 tot 100.000 inwoners" in page


# Comparing


def test_compare_two_to_four_solutions(db, client):
    zaak, iso = category(), certification()
    first = SolutionFactory(name="Zaakbox", category=zaak, accepts_gibit=True,
                            exit_plan="CSV")
    first.certifications = [iso]
    second = SolutionFactory(name="Open Zaak", category=zaak)
    db.session.commit()
    small, large = gemeente(), gemeente()
    small.inhabitants, large.inhabitants = 12_000, 160_000
    use(first, small, 4)
    use(first, large, 5)
    response = client.get("/oplossingen/vergelijken", query_string=[("id", first.id),
                                                                     ("id", second.id)])
    assert response.status_code == 200
    table = response.data.decode().split('class="data-table compare-table"')[1]
    for text in ("Zaakbox", "Open Zaak", "Zaaksysteem", "ISO 27001", "Accepteert GIBIT",
                 "Exitplan", "gemiddeld 4,5 van 5"):
        assert text in table
    small_row = table.split("minder dan 20.000 inwoners")[1].split("</tr>")[0]
    assert small_row.count("<td>1</td>") == 1 and small_row.count("<td>0</td>") == 1
    printable = client.get("/oplossingen/vergelijken",
                           query_string=[("id", first.id), ("id", second.id), ("afdruk", 1)])
    assert printable.status_code == 200 and "data-print" in printable.data.decode()


def test_compare_refusals(db, client):
    solutions = [SolutionFactory() for _ in range(5)]
    gone = SolutionFactory(withdrawn_at=NOW)
    ids = [s.id for s in solutions]

    def status(values):
        return client.get("/oplossingen/vergelijken",
                          query_string=[("id", v) for v in values]).status_code

    assert status(ids[:1]) == 400
    assert status([ids[0], ids[0]]) == 400
    assert status(ids) == 400
    assert status([ids[0], gone.id]) == 409
    assert status([ids[0], 99999]) == 404
    assert status([ids[0], "drie"]) == 400
    assert status(ids[:4]) == 200


# Requirements


def test_case_requirements_and_which_solutions_meet_them(db, login, client):
    iso, standard = certification(), OpenStandardFactory(name="StUF")
    owner = verified_member()
    case = CaseFactory(author=owner, organisation=owner.organisation)
    good = SolutionFactory(name="Voldoet", accepts_gibit=True)
    good.certifications = [iso]
    good.standards = [standard]
    weak = SolutionFactory(name="Voldoet niet")
    db.session.commit()
    OfferFactory(case=case, solution=good)
    OfferFactory(case=case, solution=weak)
    editor = login(owner)
    for data in ({"kind": "gibit"}, {"kind": "open_standard", "target": f"standard:{standard.id}"},
                 {"kind": "certification", "target": f"certification:{iso.id}"}):
        assert editor.post(f"/casussen/{case.id}/eisen", data=data).status_code == 302
    assert editor.post(f"/casussen/{case.id}/eisen", data={"kind": "gibit"}).status_code == 409
    assert editor.post(f"/casussen/{case.id}/eisen",
                       data={"kind": "open_standard", "target": "standard:9999"}).status_code == 422
    assert editor.post(f"/casussen/{case.id}/eisen",
                       data={"kind": "open_standard", "target": ""}).status_code == 400
    assert editor.post(f"/casussen/{case.id}/eisen",
                       data={"kind": "verplicht"}).status_code == 422
    assert login(verified_member()).post(f"/casussen/{case.id}/eisen",
                                         data={"kind": "exit_plan"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(CaseRequirement.id))) == 3
    page = client.get(f"/casussen/{case.id}").data.decode()
    matches = page.split('class="data-table requirement-matches"')[1].split("</table>")[0]
    assert matches.split('class="meets-all"')[1].split("</tr>")[0].count("Voldoet") == 1
    assert "Voldoet niet" in matches.split('class="meets-not-all"')[1]
    requirement_id = db.session.scalar(sa.select(CaseRequirement.id).where(
        CaseRequirement.kind == RequirementKind.GIBIT))
    assert editor.post(f"/casussen/{case.id}/eisen/{requirement_id}/verwijderen"
                       ).status_code == 302
    assert editor.post(f"/casussen/{case.id}/eisen/{requirement_id}/verwijderen"
                       ).status_code == 404


# Search


def test_search_facets_for_category_and_procurement_terms(db, client):
    zaak = category()
    gibit = SolutionFactory(name="Zaakbox Fijnstof", category=zaak, accepts_gibit=True)
    plain = SolutionFactory(name="Kaart Fijnstof")
    page = client.get("/zoeken", query_string={"q": "fijnstof"}).data.decode()
    assert "Categorie" in page and "Inkoopvoorwaarden" in page and "Accepteert GIBIT" in page
    by_category = client.get("/zoeken", query_string={"q": "fijnstof",
                                                     "kind": "category:zaaksysteem"}).data.decode()
    assert f'data-key="solution:{gibit.id}"' in by_category
    assert f'data-key="solution:{plain.id}"' not in by_category
    by_terms = client.get("/zoeken", query_string={"q": "fijnstof",
                                                  "theme": "terms:gibit"}).data.decode()
    assert f'data-key="solution:{gibit.id}"' in by_terms
    assert f'data-key="solution:{plain.id}"' not in by_terms
    feed = client.get("/feeds/zoeken.atom", query_string={"q": "fijnstof",
                                                         "theme": "terms:gibit"}).data.decode()
    assert "Zaakbox Fijnstof" in feed and "Kaart Fijnstof" not in feed


def test_demo_data_for_working_together_loads_once(app, db, client):
    from smartsociety.demo import data

    data.load("pbkdf2:sha256:1000")
    db.session.commit()
    assert data.load("pbkdf2:sha256:1000") == 0
    turfbrug = db.session.scalar(sa.select(SolutionCategory).where(
        SolutionCategory.name == "Sensorplatform"))
    assert turfbrug is not None
    page = client.get("/organisaties/gemeente-turfbrug/applicatielandschap").data.decode()
    assert "Datakompas Sensorhub" in page and "Sensorium Open Register" in page
