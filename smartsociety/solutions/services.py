"""Writes that span several models: listings with revisions, offers, use reviews, messages.
They only flush and raise Refused; the request commits (transaction.py)."""
import functools
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.markup import plain_text, render_markdown
from smartsociety.memberships.services import verified_members
from smartsociety.models import (
    Case,
    Certification,
    ContactMessage,
    ContactReply,
    EventKind,
    Offer,
    OfferStatus,
    OpenStandard,
    Organisation,
    PriceModel,
    Solution,
    SolutionCategory,
    SolutionRevision,
    SolutionUse,
    Theme,
    User,
    takes_offers,
    utcnow,
)
from smartsociety.models.membership import speaks_for
from smartsociety.models.solution import OPEN_OFFER_STATUSES
from smartsociety.moderation.audit import record_if_moderating
from smartsociety.notify import services as notify
from smartsociety.partners.services import partner_member_ids
from smartsociety.permissions import is_verified_member
from smartsociety.refusals import Refused
from smartsociety.search import service as search_service
from smartsociety.transaction import savepoint

SOLUTION_FIELDS = ("name", "summary", "description", "hosting_location", "jurisdiction",
                   "privacy_by_design", "dpia_available", "privacy_notes", "contact")


@dataclass
class SolutionInput:
    name: str
    summary: str
    description: str
    themes: list[str]
    standard_ids: list[int]
    hosting_location: str
    jurisdiction: str
    privacy_by_design: bool
    dpia_available: bool
    privacy_notes: str
    price_model: str
    contact: str
    category_id: int | None = None
    accepts_gibit: bool = False
    certification_ids: list[int] | None = None
    exit_plan: str = ""


def _apply(solution: Solution, data: SolutionInput) -> None:
    for name in SOLUTION_FIELDS:
        setattr(solution, name, getattr(data, name))
    solution.price_model = PriceModel(data.price_model)
    solution.description_html = render_markdown(solution.description)
    wanted = [Theme(value) for value in data.themes]
    for link in list(solution.theme_links):
        if link.theme not in wanted:
            solution.theme_links.remove(link)
    present = {link.theme for link in solution.theme_links}
    for theme in wanted:
        if theme not in present:
            solution.themes.append(theme)
    ids = set(data.standard_ids)
    solution.standards = list(
        db.session.scalars(OpenStandard.by_name().where(OpenStandard.id.in_(ids)))
    ) if ids else []
    solution.category = db.session.get(SolutionCategory, data.category_id) \
        if data.category_id else None
    solution.accepts_gibit = data.accepts_gibit
    solution.exit_plan = data.exit_plan
    ids = set(data.certification_ids or [])
    solution.certifications = list(
        db.session.scalars(Certification.by_name().where(Certification.id.in_(ids)))
    ) if ids else []


def create_solution(author: User, data: SolutionInput) -> Solution:
    solution = Solution(author=author, organisation=author.organisation)
    _apply(solution, data)
    db.session.add(solution)
    db.session.flush()
    solution.revisions.append(SolutionRevision(editor=author, data=solution.snapshot()))
    db.session.flush()
    return solution


def edit_solution(solution: Solution, editor: User, data: SolutionInput) -> Solution:
    record_if_moderating(editor, "solution_edit", solution, target_type="solution",
                         label=solution.name, own=editor.organisation_id == solution.organisation_id)
    _apply(solution, data)
    snapshot = solution.snapshot()
    if not solution.revisions or solution.revisions[-1].data != snapshot:
        solution.revisions.append(SolutionRevision(editor=editor, data=snapshot))
        solution.updated_at = utcnow()
    db.session.flush()
    return solution


def set_withdrawn(solution: Solution, withdrawn: bool, actor: User | None = None) -> None:
    """Withdraw (or list again) a solution; its open offers are withdrawn with it, and come
    back as offered when it is listed again, so a case never shows a dead offer as active."""
    now = utcnow()
    if withdrawn and solution.withdrawn_at is None:
        offers = db.session.scalars(sa.select(Offer).where(
            Offer.solution_id == solution.id, Offer.status.in_(OPEN_OFFER_STATUSES)))
        for offer in offers:
            offer.status, offer.status_changed_at = OfferStatus.WITHDRAWN, now
    elif not withdrawn and solution.withdrawn_at is not None:
        offers = db.session.scalars(sa.select(Offer).where(
            Offer.solution_id == solution.id, Offer.status == OfferStatus.WITHDRAWN))
        for offer in offers:
            offer.status, offer.status_changed_at = OfferStatus.OFFERED, now
    solution.withdrawn_at = (solution.withdrawn_at or now) if withdrawn else None
    record_if_moderating(actor, "solution_withdraw" if withdrawn else "solution_reinstate",
                         solution, target_type="solution", label=solution.name,
                         own=actor is not None and actor.organisation_id == solution.organisation_id)
    db.session.flush()


def add_standard(name: str, url: str | None, actor: User | None = None) -> OpenStandard:
    key = OpenStandard.key_for(name)
    if db.session.scalar(sa.select(OpenStandard.id).where(OpenStandard.name_key == key)):
        raise Refused(_("This standard is already on the list."))
    standard = OpenStandard(name=" ".join(name.split()), name_key=key, url=url or None)
    db.session.add(standard)
    db.session.flush()
    record_if_moderating(actor, "standard_add", standard, target_type="open_standard",
                         label=standard.name)
    db.session.flush()
    return standard


# Offers


def offerable_solutions(user: User) -> list[Solution]:
    """The listings the member's organisation can offer (not withdrawn)."""
    if user.organisation_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Solution)
            .where(Solution.organisation_id == user.organisation_id,
                   Solution.listed_clause())
            .order_by(Solution.name)
        )
    )


def ensure_takes_offers(case: Case) -> None:
    if not takes_offers(case):
        raise Refused(_("This case no longer takes offers: it is answered, closed or finished."))


def make_offer(user: User, case: Case, solution: Solution, explanation: str) -> Offer:
    ensure_takes_offers(case)
    if solution.organisation_id != user.organisation_id or solution.is_withdrawn:
        raise Refused(_("You can only offer a current solution of your own organisation."))
    taken = db.session.scalar(
        sa.select(Offer.id).where(Offer.case_id == case.id,
                                  Offer.organisation_id == user.organisation_id)
    )
    if taken:
        raise Refused(_("Your organisation has already made an offer on this case."))
    offer = Offer(case=case, solution=solution, organisation_id=user.organisation_id,
                  author=user, explanation=explanation)
    try:
        with savepoint():  # two colleagues offering at once: the unique index keeps one
            db.session.add(offer)
    except sa.exc.IntegrityError:
        raise Refused(_("Your organisation has already made an offer on this case.")) from None
    # Partner gemeenten' verified members hear of offers as the case's owners do.
    notify.emit(EventKind.OFFER, user, case=case,
                recipients=[case.author, *partner_member_ids(case)])
    db.session.flush()
    return offer


def set_offer_status(offer: Offer, status: OfferStatus, actor: User) -> None:
    if not offer.can_move_to(status):
        raise Refused(_("An offer moves from offered to in conversation to chosen, not back."))
    offer.status = status
    offer.status_changed_at = utcnow()
    notify.emit(EventKind.OFFER_STATUS, actor, case=offer.case, recipients=[offer.author])
    db.session.flush()


# The ids similar() found per case text, for one state of the index (per process): a case page
# asks again on every view, and the answer only changes with the text or the index.
_SIMILAR_KEPT = 1024
_similar_found: OrderedDict = OrderedDict()


def _similar_ids(case: Case, n: int) -> list[int]:
    fields = (case.title, case.summary, case.body_html, case.question, case.values_at_stake)
    generation = search_service.index_generation(catch_up=False)
    key = (generation, case.id, hash(fields), n)
    found = _similar_found.get(key) if generation is not None else None
    if found is None:
        text = "\n".join([case.title, case.summary, plain_text(case.body_html), case.question,
                          case.values_at_stake])
        found = search_service.similar(text, "solution", limit=n)
        if generation is not None:
            _similar_found[key] = found
            while len(_similar_found) > _SIMILAR_KEPT:
                _similar_found.popitem(last=False)
    return found


def suggestions(case: Case, exclude: set[int] = frozenset(), limit: int = 3) -> list[sa.Row]:
    """Listed solutions whose text resembles the case (more-like-this in the search index),
    best first, leaving out those in `exclude` (already offered): rows of what the case page
    shows (id, name, organisation_name), in one query without ORM objects."""
    try:
        ids = _similar_ids(case, limit + len(exclude))
    except Exception:
        # Suggestions are a bonus: a broken or missing index must not break the case page.
        current_app.logger.exception("suggestions for case %s failed", case.id)
        return []
    ids = [i for i in ids if i not in exclude][:limit]
    if not ids:
        return []
    found = {row.id: row for row in db.session.execute(_suggested(), {"ids": ids})}
    return [found[i] for i in ids if i in found]


@functools.cache
def _suggested() -> sa.Select:
    # Built once per process, the ids as an expanding parameter.
    return (sa.select(Solution.id, Solution.name, Organisation.name.label("organisation_name"))
            .join(Organisation, Organisation.id == Solution.organisation_id)
            .where(Solution.id.in_(sa.bindparam("ids", expanding=True)),
                   Solution.listed_clause()))


# Use and reviews


def record_use(user: User, solution: Solution, rating: int, review: str, since=None,
               domain: str = "") -> SolutionUse:
    """One review per gemeente per solution: a second save updates it."""
    use = db.session.scalar(
        sa.select(SolutionUse).where(SolutionUse.solution_id == solution.id,
                                     SolutionUse.organisation_id == user.organisation_id)
    )
    if use is None:
        use = SolutionUse(solution=solution, organisation_id=user.organisation_id)
        db.session.add(use)
    use.author = user
    use.rating = rating
    use.review = review
    use.since = since
    use.domain = domain or ""
    use.updated_at = utcnow()
    db.session.flush()
    return use


def counted_use():
    """A review counts while its author speaks for the gemeente (verified e-mail, membership
    and gemeente), so reviews written before verification count once it comes (issue 15)."""
    return speaks_for(SolutionUse.author_id, SolutionUse.organisation_id)


def rating_summary(solution: Solution) -> tuple[float | None, int]:
    average, count = db.session.execute(
        SolutionUse.average_rating(solution.id).where(counted_use())
    ).one()
    return (round(float(average), 1) if average is not None else None), count


def uses_of(solution: Solution) -> list[SolutionUse]:
    return list(
        db.session.scalars(
            sa.select(SolutionUse)
            .where(SolutionUse.solution_id == solution.id, counted_use())
            .options(selectinload(SolutionUse.organisation),
                     selectinload(SolutionUse.author).selectinload(User.organisation))
            .order_by(SolutionUse.updated_at.desc())
        )
    )


# Contact messages

def inbox_readers(organisation: Organisation) -> list[User]:
    """Those who may read the organisation's inbox: its verified members."""
    return [m.user for m in verified_members(organisation)
            if is_verified_member(m.user, organisation)]


def conversation_path(message: ContactMessage) -> str:
    """Where a notification about the conversation leads (built without a request: the
    sender of mail runs outside one)."""
    return f"/berichten/{message.id}"


def send_contact(sender: User, solution: Solution, subject: str, body: str) -> ContactMessage:
    """Store the message as the start of a conversation in the organisation's inbox and notify
    its members in the app; mail goes through the outbox (retried, never lost on a refused
    connection) as each member chose, at once by default."""
    message = ContactMessage(solution=solution, organisation_id=solution.organisation_id,
                             sender=sender, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    organisation = db.session.get(Organisation, solution.organisation_id)
    notify.emit(EventKind.CONTACT, sender, recipients=inbox_readers(organisation),
                title=subject, path=conversation_path(message))
    db.session.flush()
    return message


def reply_to_contact(message: ContactMessage, author: User, body: str) -> ContactReply:
    """A reply in the conversation; the other side is notified (the sender, or the members of
    the receiving organisation)."""
    reply = ContactReply(message=message, author=author, body=body)
    db.session.add(reply)
    db.session.flush()
    if author.id == message.sender_id:
        recipients = inbox_readers(db.session.get(Organisation, message.organisation_id))
    else:
        recipients = [message.sender]
    notify.emit(EventKind.CONTACT, author, recipients=recipients, title=message.subject,
                path=conversation_path(message))
    db.session.flush()
    return reply


# Organisation profile


def organisation_sections(organisation: Organisation) -> dict:
    """The organisation page's cases, solutions and (for gemeenten) solutions in use."""
    cases = list(
        db.session.scalars(
            Case.public().where(Case.organisation_id == organisation.id)
            .order_by(Case.created_at.desc()).limit(50)
        )
    )
    solutions = list(
        db.session.scalars(
            # Withdrawn listings stay on their organisation's page (marked); hidden ones do not.
            sa.select(Solution).where(Solution.organisation_id == organisation.id,
                                      Solution.hidden_at.is_(None))
            .order_by(Solution.withdrawn_at.is_not(None), Solution.name)
        )
    )
    used = list(
        db.session.scalars(
            sa.select(SolutionUse)
            .join(Solution, SolutionUse.solution_id == Solution.id)
            .where(SolutionUse.organisation_id == organisation.id, Solution.hidden_at.is_(None),
                   counted_use())
            .options(selectinload(SolutionUse.solution).selectinload(Solution.organisation))
        )
    ) if organisation.is_gemeente else []
    return {"org_cases": cases, "org_solutions": solutions, "org_uses": used}
