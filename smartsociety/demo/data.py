"""The demo organisations and members; each loader creates only what is missing."""
import sqlalchemy as sa

from smartsociety.demo import principles
from smartsociety.extensions import db
from smartsociety.models import Organisation, OrganisationKind, Role, User, utcnow
from smartsociety.text import slugify

DEMO_PASSWORD = "demo-wachtwoord-2026"

ORGANISATIONS = [
    # name, kind, cbs code, website, description, verified
    ("Gemeente Turfbrug", OrganisationKind.GEMEENTE, "GM9901", "https://turfbrug.example",
     "Fictieve middelgrote gemeente in het veen, voorloper met sensoren in de openbare ruimte.",
     True),
    ("Gemeente Dijkhaven", OrganisationKind.GEMEENTE, "GM9902", "https://dijkhaven.example",
     "Fictieve havengemeente die experimenteert met slimme verlichting.", True),
    ("Gemeente Lindeveld", OrganisationKind.GEMEENTE, "GM9903", None,
     "Fictieve plattelandsgemeente met een datagedreven sociaal domein.", False),
    ("Sensorium B.V.", OrganisationKind.BEDRIJF, None, "https://sensorium.example",
     "Levert open sensorplatforms voor de openbare ruimte.", True),
    ("Datakompas", OrganisationKind.BEDRIJF, None, "https://datakompas.example",
     "Adviseert gemeenten over datagedreven werken en privacy.", False),
    ("Lectoraat Slimme Stad, Hogeschool Polder", OrganisationKind.KENNISINSTELLING, None,
     "https://hogeschoolpolder.example", "Onderzoek naar ethiek en techniek in de stad.", True),
]

USERS = [
    # e-mail, name, role, organisation
    ("beheer@turfbrug.example", "Anouk de Vries", Role.ADMIN, "Gemeente Turfbrug"),
    ("moderator@turfbrug.example", "Sanne Bakker", Role.MODERATOR, "Gemeente Turfbrug"),
    ("ambtenaar@turfbrug.example", "Pieter Jansen", Role.MEMBER, "Gemeente Turfbrug"),
    ("verkoop@sensorium.example", "Mila Visser", Role.MEMBER, "Sensorium B.V."),
    ("onderzoeker@hogeschoolpolder.example", "Daan Smit", Role.MEMBER,
     "Lectoraat Slimme Stad, Hogeschool Polder"),
]

DEMO_USERS_SUMMARY = [(email, role.value, org) for email, _name, role, org in USERS]


def load(password_method: str) -> int:
    """Create missing demo records; return how many were created."""
    created = 0
    organisations = {}
    for name, kind, cbs, website, description, verified in ORGANISATIONS:
        org = db.session.scalar(
            sa.select(Organisation).where(Organisation.name_key == Organisation.key_for(name))
        )
        if org is None:
            org = Organisation(
                name=name,
                name_key=Organisation.key_for(name),
                slug=slugify(name),
                kind=kind,
                cbs_code=cbs,
                website=website,
                description=description,
            )
            if verified:
                org.verified_at = utcnow()
            db.session.add(org)
            created += 1
        organisations[name] = org
    db.session.flush()
    for email, name, role, org_name in USERS:
        if db.session.scalar(User.by_email(email)) is None:
            user = User(name=name, email=email, role=role, organisation=organisations[org_name])
            user.set_password(DEMO_PASSWORD, password_method)
            db.session.add(user)
            created += 1
    db.session.flush()
    created += principles.load()
    return created
