"""Claiming, verifying, refusing and ending memberships; organisation administrators and
e-mail domains. Every decision is written to the audit log in the caller's transaction."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import (
    Membership,
    MembershipState,
    Organisation,
    OrganisationDomain,
    User,
    VerificationMethod,
    utcnow,
)
from smartsociety.moderation.audit import record
from smartsociety.refusals import Refused


class MembershipError(Refused):
    """A decision that does not fit the membership's state; the message is for the reader."""


def _label(membership: Membership) -> str:
    return f"{membership.user.name} – {membership.organisation.name}"


def _record(actor, action: str, membership: Membership) -> None:
    if membership.user.id is not None:
        db.session.flush()  # the entry names the membership by id
    record(actor, action, membership, target_type="membership", label=_label(membership))


def current(user: User) -> Membership | None:
    """The open membership of the member's organisation (claimed or verified)."""
    if user.organisation_id is None:
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == user.organisation_id,
            Membership.state.in_([MembershipState.CLAIMED, MembershipState.VERIFIED]),
        )
    )


def _close_open(user: User, actor, state: MembershipState) -> Membership | None:
    """End (or, for a claim, withdraw) the member's open membership, if any."""
    open_one = current(user) if user.id is not None else None
    if open_one is not None:
        open_one.state = state
        open_one.is_admin = False
        open_one.ended_at = utcnow()
        open_one.ended_by_id = getattr(actor, "id", None)
        _record(actor, "membership_end", open_one)
        db.session.flush()
    return open_one


def claim(user: User, organisation: Organisation, actor=None) -> Membership:
    """The member says they belong to `organisation`: a claim, verified at once when their
    verified e-mail address is on one of its domains. An earlier membership ends."""
    existing = current(user) if user.id is not None else None
    if existing is not None and existing.organisation_id == organisation.id:
        return existing
    _close_open(user, actor or user, MembershipState.ENDED)
    user.organisation = organisation
    membership = Membership(user=user, organisation=organisation, state=MembershipState.CLAIMED)
    db.session.add(membership)
    # A claim is the member's own word, not a decision: only decisions go to the audit log.
    verify_by_domain(user, membership)
    if user.id is not None:
        db.session.expire(user, ["membership"])
    return membership


def leave(user: User) -> Membership | None:
    """The member leaves their organisation (or withdraws their claim)."""
    ended = _close_open(user, user, MembershipState.ENDED)
    user.organisation = None
    db.session.expire(user, ["membership"])
    return ended


def verify(membership: Membership, actor, method: VerificationMethod) -> None:
    if membership.state is not MembershipState.CLAIMED:
        raise MembershipError(_l("Only a pending claim can be approved."))
    membership.state = MembershipState.VERIFIED
    membership.method = method
    membership.decided_at = utcnow()
    membership.decided_by_id = getattr(actor, "id", None)
    _record(actor, f"membership_verify_{method.value}", membership)
    if membership.user.id is not None:
        db.session.expire(membership.user, ["membership"])


def refuse(membership: Membership, actor) -> None:
    """A claim is refused: the member no longer shows the organisation."""
    if membership.state is not MembershipState.CLAIMED:
        raise MembershipError(_l("Only a pending claim can be refused."))
    membership.state = MembershipState.REFUSED
    membership.decided_at = utcnow()
    membership.decided_by_id = getattr(actor, "id", None)
    _record(actor, "membership_refuse", membership)
    _detach(membership)


def remove(membership: Membership, actor) -> None:
    """An administrator or moderator ends a verified membership."""
    if membership.state is not MembershipState.VERIFIED:
        raise MembershipError(_l("Only a confirmed member can be removed."))
    membership.state = MembershipState.ENDED
    membership.is_admin = False
    membership.ended_at = utcnow()
    membership.ended_by_id = getattr(actor, "id", None)
    _record(actor, "membership_remove", membership)
    _detach(membership)


def _detach(membership: Membership) -> None:
    user = membership.user
    if user.organisation_id == membership.organisation_id:
        user.organisation = None
    db.session.expire(user, ["membership"])


def set_admin(membership: Membership, is_admin: bool, actor) -> None:
    if membership.state is not MembershipState.VERIFIED:
        raise MembershipError(_l("Only a confirmed member can be an administrator."))
    if membership.is_admin == is_admin:
        return
    membership.is_admin = is_admin
    _record(actor, "membership_admin_appoint" if is_admin else "membership_admin_withdraw",
            membership)


def verified_members(organisation: Organisation) -> list[Membership]:
    return list(db.session.scalars(
        Membership.of_organisation(organisation.id, MembershipState.VERIFIED)
    ))


def pending_claims(organisation: Organisation) -> list[Membership]:
    return list(db.session.scalars(
        Membership.of_organisation(organisation.id, MembershipState.CLAIMED)
    ))


def history(user: User) -> list[Membership]:
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
        .order_by(Membership.created_at.desc(), Membership.id.desc())
    ))


# E-mail domains

DOMAIN_TAKEN = _l("This domain already belongs to %(name)s.")


def domain_for(email: str) -> OrganisationDomain | None:
    """The registered domain covering `email` (its own domain or a parent of it)."""
    candidates = OrganisationDomain.candidates(email)
    if not candidates:
        return None
    found = db.session.scalars(
        sa.select(OrganisationDomain).where(OrganisationDomain.domain.in_(candidates))
    ).all()
    # The most specific domain wins (gemeente.turfbrug.nl before turfbrug.nl).
    return max(found, key=lambda d: len(d.domain), default=None)


def verify_by_domain(user: User, membership: Membership | None = None) -> bool:
    """Verify the member's claim when their verified address is on one of the organisation's
    domains. Returns whether it did."""
    if user.email_verified_at is None or user.organisation is None:
        return False
    membership = membership or current(user)
    if membership is None or not membership.is_claimed:
        return False
    with db.session.no_autoflush:
        domain = domain_for(user.email)
    if domain is None or domain.organisation_id != membership.organisation.id:
        return False
    verify(membership, None, VerificationMethod.DOMAIN)
    return True


def domains(organisation: Organisation) -> list[OrganisationDomain]:
    return list(db.session.scalars(
        sa.select(OrganisationDomain)
        .where(OrganisationDomain.organisation_id == organisation.id)
        .order_by(OrganisationDomain.domain)
    ))


def add_domain(organisation: Organisation, domain: str, actor) -> OrganisationDomain:
    """Register `domain` (already checked by the form) and verify the claims it covers."""
    taken = db.session.scalar(
        sa.select(OrganisationDomain).where(OrganisationDomain.domain == domain)
    )
    if taken is not None:
        raise MembershipError(DOMAIN_TAKEN % {"name": taken.organisation.name})
    entry = OrganisationDomain(organisation=organisation, domain=domain,
                               added_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    record(actor, "organisation_domain_add", organisation, target_type="organisation",
           label=f"{organisation.name}: {domain}")
    for membership in pending_claims(organisation):
        verify_by_domain(membership.user)
    return entry


def remove_domain(entry: OrganisationDomain, actor) -> None:
    """Members verified by the domain stay verified; new claims are no longer verified by it."""
    organisation = entry.organisation
    record(actor, "organisation_domain_remove", organisation, target_type="organisation",
           label=f"{organisation.name}: {entry.domain}")
    db.session.delete(entry)


def on_email_verified(user: User, **_extra) -> None:
    """Receiver of `signals.email_verified` (sender: the User): its decision joins the
    sender's transaction, committed with it."""
    if verify_by_domain(user):
        db.session.flush()
