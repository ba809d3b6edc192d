"""Demo memberships: every demo account a verified member of a verified organisation with
e-mail domains, one organisation administrator, and one pending claim to try approving."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.memberships import services
from smartsociety.models import Organisation, OrganisationDomain, User, utcnow

DOMAINS = {
    "Gemeente Turfbrug": "turfbrug.example",
    "Gemeente Dijkhaven": "dijkhaven.example",
    "Sensorium B.V.": "sensorium.example",
    "Lectoraat Slimme Stad, Hogeschool Polder": "hogeschoolpolder.example",
}
# Approves and refuses the claims on Gemeente Turfbrug.
ORGANISATION_ADMIN = "ambtenaar@turfbrug.example"
# Says they work for Gemeente Turfbrug from an address that is not on its domain.
PENDING_CLAIM = "stagiair@studentpost.example"
NOTES = {
    ORGANISATION_ADMIN: "organisation administrator",
    PENDING_CLAIM: "pending claim, not yet confirmed",
}


def describe(email: str, organisation: str) -> str:
    """The organisation column of `make run`'s printout of the demo accounts."""
    note = NOTES.get(email)
    return f"{organisation} ({note})" if note else organisation


def load(emails: list[str]) -> int:
    created = 0
    for name, domain in DOMAINS.items():
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.name_key == Organisation.key_for(name))
        )
        taken = db.session.scalar(
            sa.select(OrganisationDomain.id).where(OrganisationDomain.domain == domain)
        )
        if organisation is not None and taken is None:
            db.session.add(OrganisationDomain(organisation=organisation, domain=domain))
            created += 1
    db.session.flush()
    for email in emails:
        user = db.session.scalar(User.by_email(email))
        if user is None or user.organisation is None:
            continue
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()  # demo addresses count as confirmed
        if services.current(user) is None:
            organisation, user.organisation = user.organisation, None
            services.claim(user, organisation, actor=user)  # verified by its domain
            created += 1
    db.session.flush()
    admin = db.session.scalar(User.by_email(ORGANISATION_ADMIN))
    membership = services.current(admin) if admin is not None else None
    if membership is not None and membership.is_verified and not membership.is_admin:
        services.set_admin(membership, True, None)
    return created
