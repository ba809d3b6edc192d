"""Demo self-evaluation: the Digitale Agenda 2020 and 2024 questionnaires, a round submitted by
enough gemeenten for the averages to show, and a draft round of Gemeente Turfbrug."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import (
    Answer,
    Evaluation,
    EvaluationStatus,
    EvaluationTheme,
    Organisation,
    OrganisationKind,
    Questionnaire,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Statement,
    User,
    utcnow,
)
from smartsociety.text import slugify

LEVELS = [
    "Ad hoc: het hangt af van personen en is niet gepland.",
    "Herhaalbaar: op sommige plekken gebeurt het, steeds op dezelfde manier.",
    "Vastgelegd: de gemeente heeft beleid en past het overal toe.",
    "Gestuurd: resultaten worden gemeten en er wordt op bijgestuurd.",
    "Voorloper: de gemeente verbetert voortdurend en helpt anderen.",
]

DA2020 = ("Digitale Agenda 2020", "De zes thema's van de Digitale Agenda 2020: waar staat uw "
          "gemeente, en wat is de volgende stap?", [
    ("Innovatie en onderzoek", "innovatie-en-onderzoek", [
        "Wij hebben ruimte en budget om met nieuwe technologie te experimenteren.",
        "Geslaagde experimenten worden opgeschaald naar de staande organisatie.",
        "Wij werken samen met kennisinstellingen aan onderzoeksvragen.",
    ]),
    ("Gemeenschappelijke infrastructuur", "gemeenschappelijke-infrastructuur", [
        "Wij gebruiken de landelijke voorzieningen (zoals DigiD en Berichtenbox).",
        "Wij hergebruiken componenten van andere gemeenten in plaats van zelf te bouwen.",
    ]),
    ("Samen organiseren", "samen-organiseren", [
        "Wij besteden ICT samen met andere gemeenten aan.",
        "Wij delen onze ervaringen en oplossingen actief met andere gemeenten.",
    ]),
    ("Datagedreven werken", "datagedreven-werken", [
        "Beleid wordt onderbouwd met data en de gebruikte data is bekend.",
        "Wij publiceren onze data als open data waar dat kan.",
        "Er is een overzicht van de sensoren die wij in de openbare ruimte gebruiken.",
    ]),
    ("Dienstverlening", "dienstverlening", [
        "Inwoners en ondernemers regelen hun zaken digitaal, op elk apparaat.",
        "Wij vragen gegevens die de overheid al heeft niet opnieuw uit.",
    ]),
    ("Informatiebeveiliging en privacy", "informatiebeveiliging-en-privacy", [
        "Wij voldoen aantoonbaar aan de BIO.",
        "Voor nieuwe toepassingen met persoonsgegevens doen wij vooraf een DPIA.",
        "Inwoners kunnen zien welke gegevens wij van hen gebruiken.",
    ]),
])

DA2024 = ("Digitale Agenda 2024", "De drie doelen van de Digitale Agenda 2024.", [
    ("Mogelijk maken", None, [
        "De digitale basis (infrastructuur, standaarden, beveiliging) is op orde.",
        "Medewerkers hebben de digitale vaardigheden die hun werk vraagt.",
    ]),
    ("Kansen benutten", None, [
        "Wij zetten nieuwe technologie in waar die inwoners aantoonbaar helpt.",
        "Wij leren van de projecten van andere gemeenten voordat wij zelf beginnen.",
    ]),
    ("Duiden en reflecteren", None, [
        "Wij bespreken de ethische kanten van digitalisering met raad en inwoners.",
        "Wij toetsen nieuwe toepassingen aan vastgestelde principes.",
    ]),
])

# Fictional gemeenten that submitted last year's round, so that averages can be shown.
PEERS = [
    ("Gemeente Veenhoven", "GM9941", 31_000, True),
    ("Gemeente Oostermeer", "GM9942", 24_500, False),
    ("Gemeente Kreekzand", "GM9943", 47_000, True),
    ("Gemeente Heidedorp", "GM9944", 22_000, False),
    ("Gemeente Molenwaard-Noord", "GM9945", 39_000, False),
    ("Gemeente Grootstad", "GM9946", 310_000, True),
]
INHABITANTS = {"Gemeente Turfbrug": 45_000, "Gemeente Dijkhaven": 36_000,
               "Gemeente Lindeveld": 12_000}


def _questionnaire(title: str, intro: str, themes) -> QuestionnaireVersion:
    questionnaire = db.session.scalar(
        sa.select(Questionnaire).where(Questionnaire.slug == slugify(title, 100)))
    if questionnaire is not None:
        return questionnaire.versions[-1]
    version = QuestionnaireVersion(
        number=1, title=title, introduction=intro, levels=LEVELS,
        status=QuestionnaireStatus.PUBLISHED, published_at=utcnow(),
        themes=[EvaluationTheme(position=p, title=t, theme_key=key, statements=[
            Statement(position=n, text=text) for n, text in enumerate(statements, start=1)])
            for p, (t, key, statements) in enumerate(themes, start=1)],
    )
    db.session.add(Questionnaire(slug=slugify(title, 100), title=title, versions=[version]))
    db.session.flush()
    return version


def _level(seed: str, index: int) -> int:
    """A fixed but varied level for demo answers."""
    return sum(ord(c) * (n + 1) for n, c in enumerate(f"{seed}{index}")) % 5 + 1


def _evaluate(organisation, version, round_, status, answered, contactable=False):
    exists = db.session.scalar(sa.select(Evaluation.id).where(
        Evaluation.organisation_id == organisation.id, Evaluation.version_id == version.id,
        Evaluation.round == round_))
    if exists is not None:
        return 0
    evaluation = Evaluation(organisation=organisation, version=version, round=round_,
                            status=status, contactable=contactable,
                            submitted_at=utcnow() if status is EvaluationStatus.SUBMITTED else None)
    for index, statement in enumerate(version.statements[:answered]):
        evaluation.answers.append(Answer(
            statement_id=statement.id,
            level=_level(organisation.name + str(round_), index),
        ))
    db.session.add(evaluation)
    return 1


def load() -> int:
    created = 0
    version = _questionnaire(*DA2020)
    _questionnaire(*DA2024)
    for name, inhabitants in INHABITANTS.items():
        organisation = db.session.scalar(sa.select(Organisation).where(
            Organisation.name_key == Organisation.key_for(name)))
        if organisation is not None and organisation.inhabitants is None:
            organisation.inhabitants = inhabitants
    gemeenten = []
    for name, cbs, inhabitants, contactable in PEERS:
        organisation = db.session.scalar(sa.select(Organisation).where(
            Organisation.name_key == Organisation.key_for(name)))
        if organisation is None:
            organisation = Organisation(
                name=name, name_key=Organisation.key_for(name), slug=slugify(name),
                kind=OrganisationKind.GEMEENTE, cbs_code=cbs, inhabitants=inhabitants,
                description="Fictieve gemeente die de zelfevaluatie al invulde.",
                verified_at=utcnow(),
            )
            db.session.add(organisation)
            created += 1
        gemeenten.append((organisation, contactable))
    db.session.flush()
    last_year = utcnow().year - 1
    everyone = len(version.statements)
    for organisation, contactable in gemeenten:
        created += _evaluate(organisation, version, last_year, EvaluationStatus.SUBMITTED,
                             everyone, contactable)
    turfbrug = db.session.scalar(User.by_email("ambtenaar@turfbrug.example")).organisation
    dijkhaven = db.session.scalar(User.by_email("ambtenaar@dijkhaven.example")).organisation
    created += _evaluate(dijkhaven, version, last_year, EvaluationStatus.SUBMITTED, everyone)
    created += _evaluate(turfbrug, version, last_year, EvaluationStatus.SUBMITTED, everyone)
    # This year's round is half done: a newcomer can finish and submit it.
    created += _evaluate(turfbrug, version, last_year + 1, EvaluationStatus.DRAFT, everyone // 2)
    db.session.flush()
    return created
