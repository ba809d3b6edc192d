"""Demo data for working together: solution categories and certifications, procurement terms,
a project that scales with a partner and an adoption, and two application landscapes."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    AdoptionStage,
    AdoptionStep,
    Case,
    CaseGemeente,
    CaseKind,
    CaseRequirement,
    CaseRevision,
    Certification,
    Organisation,
    PartnerStatus,
    PriceModel,
    ProjectAdoption,
    ProjectSolution,
    ProjectStatus,
    RequirementKind,
    Solution,
    SolutionCategory,
    SolutionRevision,
    SolutionUse,
    Theme,
    User,
    utcnow,
)
from smartsociety.models.procurement import name_key
from smartsociety.text import slugify

CATEGORIES = [
    ("Zaaksysteem", "Zaakgericht werken: aanvragen, meldingen en vergunningen."),
    ("Burgerzaken", "Basisregistratie personen, reisdocumenten, rijbewijzen."),
    ("Sociaal domein", "Wmo, Jeugdwet en Participatiewet."),
    ("Belastingen", "Gemeentelijke belastingen en WOZ."),
    ("GIS", "Geografische informatie en kaarten."),
    ("Sensorplatform", "Sensoren in de openbare ruimte beheren en hun gegevens ontsluiten."),
]
CERTIFICATIONS = ["ISO 27001", "NEN 7510", "BIO-verklaring", "DigiD-assessment"]
REGISTER = "Sensorium Open Register"
HUB = "Datakompas Sensorhub"
PROJECT = "Slim parkeren als gezamenlijke dienst"
SENSOR_CASE = "Moeten wij een openbaar register van sensoren bijhouden?"
# What this module adds besides the other demo modules' records (their tests count them).
CASES_ADDED, SOLUTIONS_ADDED, USES_ADDED = 1, 1, 1


def _named(model, names) -> int:
    created = 0
    for name, *rest in names:
        if db.session.scalar(sa.select(model.id).where(model.name_key == name_key(name))):
            continue
        extra = {"description": rest[0]} if rest else {}
        db.session.add(model(name=name, name_key=name_key(name), slug=slugify(name)[:90],
                             **extra))
        created += 1
    db.session.flush()
    return created


def _by_name(model, name):
    column = model.title if model is Case else model.name
    return db.session.scalar(sa.select(model).where(column == name))


def load() -> int:
    created = _named(SolutionCategory, CATEGORIES)
    created += _named(Certification, [(name,) for name in CERTIFICATIONS])
    sensors = _by_name(SolutionCategory, "Sensorplatform")
    register = _by_name(Solution, REGISTER)
    if register is not None and register.category_id is None:
        register.category = sensors
        register.accepts_gibit = True
        register.exit_plan = "Alle sensoren en metingen als CSV en via de SensorThings API."
        register.certifications = [_by_name(Certification, "ISO 27001"),
                                   _by_name(Certification, "BIO-verklaring")]
        register.revisions.append(SolutionRevision(data=register.snapshot()))
    company = _by_name(Organisation, "Datakompas")
    if company is not None and _by_name(Solution, HUB) is None:
        text = "Een hub die metingen van sensoren van elk merk verzamelt en ontsluit."
        hub = Solution(
            organisation=company, name=HUB, summary=text, description=text,
            description_html=render_markdown(text), hosting_location="Cloud in Frankfurt",
            jurisdiction="Duitsland", privacy_by_design=False, dpia_available=True,
            price_model=PriceModel.LICENCE, contact="info@datakompas.example", category=sensors,
        )
        hub.themes.append(Theme.DATAGEDREVEN)
        db.session.add(hub)
        db.session.flush()
        hub.revisions.append(SolutionRevision(data=hub.snapshot()))
        created += 1
    created += _landscapes()
    created += _project()
    db.session.flush()
    return created


def _landscapes() -> int:
    created = 0
    turfbrug = db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    hub = _by_name(Solution, HUB)
    if turfbrug and hub and db.session.scalar(sa.select(SolutionUse.id).where(
            SolutionUse.solution_id == hub.id,
            SolutionUse.organisation_id == turfbrug.organisation_id)) is None:
        db.session.add(SolutionUse(
            solution=hub, organisation_id=turfbrug.organisation_id, author=turfbrug, rating=3,
            review="Doet wat het moet doen, maar de gegevens staan buiten Nederland.",
            domain="Openbare ruimte: luchtkwaliteit"))
        created += 1
    for name, inhabitants in (("Gemeente Turfbrug", 48_250), ("Gemeente Dijkhaven", 121_400)):
        organisation = _by_name(Organisation, name)
        if organisation and organisation.inhabitants is None:
            organisation.inhabitants = inhabitants
            created += 1
    case = _by_name(Case, SENSOR_CASE)
    if case and db.session.scalar(sa.select(CaseRequirement.id).where(
            CaseRequirement.case_id == case.id)) is None:
        db.session.add(CaseRequirement(case_id=case.id, kind=RequirementKind.GIBIT))
        db.session.add(CaseRequirement(case_id=case.id, kind=RequirementKind.EXIT_PLAN))
        created += 2
    return created


def _project() -> int:
    if _by_name(Case, PROJECT) is not None:
        return 0
    author = db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    partner = db.session.scalar(User.by_email("ambtenaar@dijkhaven.example"))
    lindeveld = _by_name(Organisation, "Gemeente Lindeveld")
    if author is None or partner is None:
        return 0
    body = ("Sensoren in parkeervakken laten zien waar plek is. Na een pilot in Turfbrug "
            "schalen we op naar een **gezamenlijke dienst** die elke gemeente kan afnemen.")
    case = Case(kind=CaseKind.PROJECT, status=ProjectStatus.SCALING.value, title=PROJECT,
                summary="Van pilot in één gemeente naar een dienst voor alle gemeenten.",
                body=body, body_html=render_markdown(body), language="nl", author=author,
                organisation=author.organisation)
    case.themes.append(Theme.SAMEN_ORGANISEREN)
    db.session.add(case)
    db.session.flush()
    case.revisions.append(CaseRevision(editor=author, data=case.snapshot()))
    db.session.add(CaseGemeente(case=case, organisation_id=partner.organisation_id,
                                partner_status=PartnerStatus.ACCEPTED, has_it_too=True,
                                requested_by_id=partner.id, requested_at=utcnow(),
                                decided_by_id=author.id, decided_at=utcnow(),
                                message="Wij willen de dienst mee ontwikkelen."))
    if lindeveld is not None:
        db.session.add(CaseGemeente(case=case, organisation_id=lindeveld.id, has_it_too=True,
                                    has_it_too_at=utcnow()))
    adoption = ProjectAdoption(case=case, organisation_id=partner.organisation_id,
                               author_id=partner.id, stage=AdoptionStage.PILOT,
                               note="Pilot in het havengebied.")
    adoption.steps.append(AdoptionStep(stage=AdoptionStage.PLAN, note="In de begroting.",
                                       author_id=partner.id))
    adoption.steps.append(AdoptionStep(stage=AdoptionStage.PILOT,
                                       note="Pilot in het havengebied.", author_id=partner.id))
    db.session.add(adoption)
    hub = _by_name(Solution, HUB)
    if hub is not None:
        db.session.add(ProjectSolution(case_id=case.id, solution_id=hub.id))
    return 4
