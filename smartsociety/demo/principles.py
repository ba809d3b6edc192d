"""The four smart-city principles first set by Amsterdam and Eindhoven, in our own words."""
from datetime import date

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import Principle, PrincipleVersion, Rule, VersionStatus

DECISION = "ALV 2019-11-29, agendapunt 7"
ADOPTED_ON = date(2019, 11, 29)

PRINCIPLES = [
    {
        "slug": "infrastructuur",
        "title": "Infrastructuur",
        "statement": (
            "Digitale infrastructuur in de openbare ruimte dient een leefbare en veilige stad "
            "en is beschikbaar en betrouwbaar voor iedereen."
        ),
        "explanation": (
            "Sensoren, camera's, bakens en netwerken in de openbare ruimte worden steeds "
            "belangrijker voor hoe een stad functioneert. Net als wegen en riolering moeten ze "
            "**het publieke belang** dienen: leefbaarheid, veiligheid en gelijke toegang.\n\n"
            "Wie infrastructuur in de openbare ruimte plaatst, neemt daarmee ook "
            "verantwoordelijkheid voor de beveiliging en het beheer ervan."
        ),
        "rules": [
            "Nieuwe digitale infrastructuur in de openbare ruimte draagt aantoonbaar bij aan "
            "een leefbare, veilige of duurzame stad.",
            "Infrastructuur die met publiek geld of in publieke ruimte wordt aangelegd, is "
            "onder gelijke voorwaarden toegankelijk voor andere partijen.",
            "Elke installatie heeft een bekende beheerder die verantwoordelijk is voor "
            "beveiliging, updates en verwijdering aan het einde van de levensduur.",
            "Storingen en beveiligingsincidenten worden gemeld en opgelost volgens vooraf "
            "afgesproken termijnen.",
        ],
    },
    {
        "slug": "rollen",
        "title": "Rollen",
        "statement": (
            "Bedrijven, instellingen, overheid en inwoners maken en gebruiken de digitale "
            "infrastructuur samen; de overheid stuurt waar toegang en veiligheid dat vragen."
        ),
        "explanation": (
            "De digitale stad wordt niet door één partij gebouwd. Iedere partij heeft een "
            "eigen rol, maar de gemeente bewaakt het publieke belang: ze grijpt in waar de "
            "markt toegang of veiligheid niet vanzelf regelt."
        ),
        "rules": [
            "Bij elk project is vooraf vastgelegd wie eigenaar, beheerder en gebruiker is van "
            "de infrastructuur en de gegevens.",
            "De gemeente stelt voorwaarden aan plaatsing in de openbare ruimte wanneer "
            "toegang of veiligheid in het geding is.",
            "Inwoners en hun organisaties worden betrokken bij keuzes over infrastructuur in "
            "hun eigen omgeving.",
        ],
    },
    {
        "slug": "technologie",
        "title": "Technologie",
        "statement": (
            "We gebruiken bekende, veilige en uitwisselbare technologie met open standaarden, "
            "tenzij er een goede reden is om daarvan af te wijken, en inwoners weten welke "
            "apparaten er om hen heen zijn."
        ),
        "explanation": (
            "Open standaarden voorkomen dat een gemeente vast komt te zitten aan één "
            "leverancier en maken het mogelijk systemen te koppelen. Afwijken mag, maar alleen "
            "met een uitgelegde reden.\n\nTransparantie over sensoren en camera's is een "
            "voorwaarde voor vertrouwen."
        ),
        "rules": [
            "Systemen in de openbare ruimte gebruiken open standaarden en open interfaces; een "
            "afwijking wordt gemotiveerd en openbaar gemaakt.",
            "Apparaten worden voor ingebruikname getest op beveiliging en krijgen updates "
            "zolang ze in gebruik zijn.",
            "Alle sensoren en camera's in de openbare ruimte staan in een openbaar register "
            "met doel, eigenaar en soort gegevens.",
            "Op of bij het apparaat is voor inwoners te zien wat het meet en wie ze kunnen "
            "aanspreken.",
        ],
    },
    {
        "slug": "data",
        "title": "Data",
        "statement": (
            "Gegevens zijn open en worden gedeeld, tenzij privacy of veiligheid dat "
            "verbieden; gegevens over een inwoner zijn van die inwoner."
        ),
        "explanation": (
            "Gegevens uit de openbare ruimte zijn een gemeenschappelijke bron. Door ze te "
            "delen ontstaan nieuwe diensten en beter beleid. Persoonsgegevens zijn de "
            "uitzondering: daarover beslist de inwoner zelf."
        ),
        "rules": [
            "Gegevens die in de openbare ruimte worden verzameld, worden als open data "
            "gepubliceerd, tenzij privacy of veiligheid zich daartegen verzetten.",
            "Persoonsgegevens worden alleen verzameld met een duidelijk doel en niet langer "
            "bewaard dan daarvoor nodig is.",
            "Inwoners kunnen inzien welke gegevens over hen zijn vastgelegd en kunnen die "
            "laten corrigeren of verwijderen.",
            "Gegevens worden waar mogelijk geanonimiseerd of geaggregeerd voordat ze worden "
            "gedeeld.",
        ],
    },
]


def load() -> int:
    """Create the principles that are missing, each adopted as version 1; return how many."""
    created = 0
    for number, data in enumerate(PRINCIPLES, start=1):
        if db.session.scalar(sa.select(Principle.id).where(Principle.slug == data["slug"])):
            continue
        if db.session.scalar(sa.select(Principle.id).where(Principle.number == number)):
            continue
        principle = Principle(number=number, slug=data["slug"], title=data["title"])
        version = PrincipleVersion(
            number=1,
            status=VersionStatus.ADOPTED,
            title=data["title"],
            statement=data["statement"],
            explanation=data["explanation"],
            explanation_html=render_markdown(data["explanation"]),
            decision=DECISION,
            adopted_on=ADOPTED_ON,
        )
        version.rules = [Rule(number=n, text=text) for n, text in enumerate(data["rules"], 1)]
        principle.versions.append(version)
        db.session.add(principle)
        created += 1
    db.session.flush()
    return created
