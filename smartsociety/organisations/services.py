"""Creating, editing and verifying organisations, keeping names, slugs and CBS codes unique."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import Organisation, OrganisationKind, utcnow
from smartsociety.moderation.audit import record
from smartsociety.text import slugify

NAME_TAKEN = _l("An organisation with this name already exists; choose it from the list.")
CBS_CODE_TAKEN = _l("Another organisation already has this CBS code.")


def conflicts(name: str, cbs_code: str | None, exclude: Organisation | None = None) -> dict:
    """Field name -> message for values another organisation already uses."""
    found = {}
    others = sa.select(Organisation.id)
    if exclude is not None:
        others = others.where(Organisation.id != exclude.id)
    if db.session.scalar(others.where(Organisation.name_key == Organisation.key_for(name))):
        found["name"] = NAME_TAKEN
    if cbs_code and db.session.scalar(others.where(Organisation.cbs_code == cbs_code)):
        found["cbs_code"] = CBS_CODE_TAKEN
    return found


def unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            sa.select(Organisation.slug).where(
                sa.or_(Organisation.slug == base, Organisation.slug.startswith(f"{base}-"))
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def propose(
    name: str, kind: str, website: str | None, cbs_code: str | None, description: str = ""
) -> Organisation:
    """A new organisation proposed by a member: unverified until a moderator checks it."""
    kind = OrganisationKind(kind)
    organisation = Organisation(
        name=name,
        name_key=Organisation.key_for(name),
        slug=unique_slug(name),
        kind=kind,
        website=website or None,
        # Only municipalities have a CBS gemeente code.
        cbs_code=(cbs_code or None) if kind is OrganisationKind.GEMEENTE else None,
        description=description,
    )
    db.session.add(organisation)
    return organisation


def update(organisation: Organisation, name: str, kind: str, website: str | None,
           cbs_code: str | None, description: str, actor=None,
           inhabitants: int | None = None) -> None:
    kind = OrganisationKind(kind)
    organisation.name = name
    organisation.name_key = Organisation.key_for(name)
    organisation.kind = kind
    organisation.website = website or None
    organisation.cbs_code = (cbs_code or None) if kind is OrganisationKind.GEMEENTE else None
    organisation.description = description
    organisation.inhabitants = inhabitants if kind is OrganisationKind.GEMEENTE else None
    record(actor, "organisation_edit", organisation, target_type="organisation")


def set_verified(organisation: Organisation, verified: bool, actor=None) -> None:
    record(
        actor, "organisation_verify" if verified else "organisation_unverify", organisation,
        target_type="organisation",
    )
    if verified and organisation.verified_at is None:
        organisation.verified_at = utcnow()
    elif not verified:
        organisation.verified_at = None
