"""Demo marketplace: two solutions, an offer on the sensor dilemma and one use review."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    Offer,
    OfferStatus,
    OpenStandard,
    PriceModel,
    Solution,
    SolutionRevision,
    SolutionUse,
    Theme,
    User,
)

STANDARDS = [
    ("NGSI-LD", "https://www.etsi.org/committee/cim"),
    ("OGC SensorThings API", "https://www.ogc.org/standard/sensorthings/"),
    ("Common Ground", "https://commonground.nl"),
    ("DCAT-AP", "https://op.europa.eu/en/web/eu-vocabularies/dcat-ap"),
]

SOLUTIONS = [
    dict(
        email="verkoop@sensorium.example", name="Sensorium Open Register",
        summary="Een openbaar register van sensoren in de openbare ruimte, met open API.",
        description="Registreer elke sensor met doel, eigenaar en bewaartermijn. Inwoners zien "
                    "op een kaart **wat er gemeten wordt** en waarom.",
        themes=[Theme.DATAGEDREVEN, Theme.INFORMATIEBEVEILIGING],
        standards=["OGC SensorThings API", "DCAT-AP"], hosting="Datacentrum in Amsterdam",
        jurisdiction="Nederland", pbd=True, dpia=True,
        privacy="Slaat geen persoonsgegevens op; alleen metadata van sensoren.",
        price=PriceModel.SUBSCRIPTION, contact="verkoop@sensorium.example",
    ),
    dict(
        email="onderzoeker@hogeschoolpolder.example",
        name="Ethische toets voor slimme-stadprojecten",
        summary="Een begeleide werksessie waarin een projectteam de waarden in zijn project "
                "toetst.",
        description="Gebaseerd op onderzoek van het lectoraat. Levert een **waardenkaart** en "
                    "aanbevelingen op.",
        themes=[Theme.INNOVATIE, Theme.SAMEN_ORGANISEREN],
        standards=[], hosting="Geen hosting: een werksessie", jurisdiction="Nederland",
        pbd=False, dpia=False, privacy="Verwerkt geen gegevens van inwoners.",
        price=PriceModel.ON_REQUEST, contact="https://hogeschoolpolder.example/lectoraat",
    ),
]

OFFER_CASE = "Moeten wij een openbaar register van sensoren bijhouden?"


def load() -> int:
    created = 0
    for name, url in STANDARDS:
        key = OpenStandard.key_for(name)
        exists = sa.select(OpenStandard.id).where(OpenStandard.name_key == key)
        if db.session.scalar(exists) is None:
            db.session.add(OpenStandard(name=name, name_key=key, url=url))
            created += 1
    db.session.flush()
    for item in SOLUTIONS:
        if db.session.scalar(sa.select(Solution.id).where(Solution.name == item["name"])):
            continue
        author = db.session.scalar(User.by_email(item["email"]))
        solution = Solution(
            organisation=author.organisation, author=author, name=item["name"],
            summary=item["summary"], description=item["description"],
            description_html=render_markdown(item["description"]),
            hosting_location=item["hosting"], jurisdiction=item["jurisdiction"],
            privacy_by_design=item["pbd"], dpia_available=item["dpia"],
            privacy_notes=item["privacy"], price_model=item["price"], contact=item["contact"],
            standards=list(db.session.scalars(
                sa.select(OpenStandard).where(OpenStandard.name.in_(item["standards"])))),
        )
        for theme in item["themes"]:
            solution.themes.append(theme)
        db.session.add(solution)
        db.session.flush()
        solution.revisions.append(SolutionRevision(editor=author, data=solution.snapshot()))
        created += 1
    db.session.flush()
    register = db.session.scalar(sa.select(Solution).where(Solution.name == SOLUTIONS[0]["name"]))
    case = db.session.scalar(sa.select(Case).where(Case.title == OFFER_CASE))
    if register and case and db.session.scalar(
        sa.select(Offer.id).where(Offer.case_id == case.id,
                                  Offer.organisation_id == register.organisation_id)
    ) is None:
        db.session.add(Offer(
            case=case, solution=register, organisation_id=register.organisation_id,
            author=register.author, status=OfferStatus.IN_CONVERSATION,
            explanation="Ons register doet precies dit; we denken graag mee over de invoering.",
        ))
        created += 1
    reviewer = db.session.scalar(User.by_email("ambtenaar@dijkhaven.example"))
    if register and reviewer and db.session.scalar(
        sa.select(SolutionUse.id).where(SolutionUse.solution_id == register.id,
                                        SolutionUse.organisation_id == reviewer.organisation_id)
    ) is None:
        db.session.add(SolutionUse(
            solution=register, organisation_id=reviewer.organisation_id, author=reviewer,
            rating=4, review="Sinds een jaar in gebruik in de haven. Inwoners waarderen de kaart; "
                             "koppelen met ons GIS kostte meer tijd dan verwacht.",
        ))
        created += 1
    db.session.flush()
    return created
