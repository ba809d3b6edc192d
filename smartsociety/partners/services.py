"""Writes and reads of working together: "we have this too", partner requests and decisions,
adoptions of scaling projects with their timeline, and what a project uses and follows."""
from collections import defaultdict

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.labels import label
from smartsociety.models import (
    AdoptionStage,
    AdoptionStep,
    Case,
    CaseGemeente,
    EventKind,
    FollowTarget,
    Organisation,
    OrganisationKind,
    PartnerStatus,
    ProjectAdoption,
    ProjectRule,
    ProjectSolution,
    Rule,
    Solution,
    User,
    takes_adoptions,
    utcnow,
)
from smartsociety.notify import services as notify
from smartsociety.permissions import (
    is_verified_member,
    verified_gemeente,
    verified_organisation,
)
from smartsociety.refusals import Refused
from smartsociety.sections import stored_nothing

# Who hears of what


def owner_ids(case: Case) -> set[int]:
    """The case's author and the verified members of its organisation."""
    ids = {case.author_id} if case.author_id else set()
    if case.organisation_id:
        members = db.session.scalars(
            sa.select(User).where(User.organisation_id == case.organisation_id)
        )
        ids |= {m.id for m in members if is_verified_member(m)}
    return ids


def partner_member_ids(case: Case) -> set[int]:
    """Verified members of the case's accepted partner gemeenten: notified like owners."""
    partners = [link.organisation_id for link in case.gemeente_links if link.is_partner]
    if not partners:
        return set()
    members = db.session.scalars(sa.select(User).where(User.organisation_id.in_(partners)))
    return {m.id for m in members if is_verified_member(m)}


def owners_and_partners(case: Case) -> set[int]:
    return owner_ids(case) | partner_member_ids(case)


# "We have this too" and partners


def _link(case: Case, organisation: Organisation) -> CaseGemeente:
    for link in case.gemeente_links:
        if link.organisation_id == organisation.id:
            return link
    link = CaseGemeente(case=case, organisation=organisation)
    db.session.add(link)
    return link


def check_gemeente(user: User, case: Case) -> Organisation:
    """The user's verified gemeente, which must be another than the case's own."""
    gemeente = verified_gemeente(user)
    if gemeente is None:
        raise PermissionError(_("Only verified members of a gemeente can do this."))
    if gemeente.id == case.organisation_id:
        raise Refused(_("This is your own gemeente's case."))
    return gemeente


def set_has_it_too(user: User, case: Case, on: bool) -> CaseGemeente:
    gemeente = check_gemeente(user, case)
    link = _link(case, gemeente)
    link.has_it_too = on
    link.has_it_too_by_id = user.id if on else None
    link.has_it_too_at = utcnow() if on else None
    db.session.flush()
    return link


def request_partnership(user: User, case: Case, message: str) -> CaseGemeente:
    gemeente = check_gemeente(user, case)
    link = _link(case, gemeente)
    if link.partner_status is PartnerStatus.ACCEPTED:
        raise Refused(_("Your gemeente is already a partner in this case."))
    if link.partner_status is PartnerStatus.REQUESTED:
        raise Refused(_("Your gemeente has already asked to join this case."))
    link.partner_status = PartnerStatus.REQUESTED
    link.message = message
    link.requested_by_id = user.id
    link.requested_at = utcnow()
    link.decided_by_id = link.decided_at = None
    db.session.flush()
    notify.emit(EventKind.PARTNER, user, case=case, recipients=owner_ids(case),
                title=_("%(gemeente)s asks to join: %(title)s", gemeente=gemeente.name,
                        title=case.title))
    db.session.flush()
    return link


def decide(actor: User, case: Case, link: CaseGemeente, accept: bool) -> None:
    if link.case_id != case.id:
        raise LookupError
    if link.partner_status is not PartnerStatus.REQUESTED:
        raise Refused(_("This request has already been decided."))
    link.partner_status = PartnerStatus.ACCEPTED if accept else PartnerStatus.DECLINED
    link.decided_by_id = actor.id
    link.decided_at = utcnow()
    db.session.flush()
    members = [m for m in db.session.scalars(
        sa.select(User).where(User.organisation_id == link.organisation_id)
    ) if is_verified_member(m)]
    if accept:
        # Partners' members follow the case, as its owners do.
        for member in members:
            notify.auto_follow(member, FollowTarget.CASE, case.id)
    notify.emit(EventKind.PARTNER, actor, case=case, recipients=[m.id for m in members],
                title=(_("Accepted as partner: %(title)s", title=case.title) if accept
                       else _("Partner request declined: %(title)s", title=case.title)))
    db.session.flush()


def sharing_gemeenten(case: Case) -> list[Organisation]:
    """The gemeenten sharing the case: its own (when a gemeente) first, then the others."""
    found = []
    if case.organisation is not None and case.organisation.is_gemeente:
        found.append(case.organisation)
    found += sorted((link.organisation for link in case.gemeente_links if link.shares),
                    key=lambda o: o.name_key)
    return found


def sharing_names(case_ids: list[int]) -> dict[int, list[str]]:
    """Per case, the names of the gemeenten that share it (for lists: two queries)."""
    names: dict[int, list[str]] = defaultdict(list)
    if not case_ids:
        return names
    own = db.session.execute(
        sa.select(Case.id, Organisation.name)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .where(Case.id.in_(case_ids), Organisation.kind == OrganisationKind.GEMEENTE)
    )
    for case_id, name in own:
        names[case_id].append(name)
    _add_others(names, case_ids)
    return names


def _add_others(names: dict[int, list[str]], case_ids: list[int]) -> None:
    """The other gemeenten sharing these cases, by name, after each case's own."""
    if not case_ids:
        return
    others = db.session.execute(
        sa.select(CaseGemeente.case_id, Organisation.name)
        .join(Organisation, Organisation.id == CaseGemeente.organisation_id)
        .where(CaseGemeente.case_id.in_(case_ids), CaseGemeente.sharing_clause())
        .order_by(Organisation.name_key)
    )
    for case_id, name in others:
        names[case_id].append(name)


SHARING = "sharing"  # the case cards' flag: another gemeente shares the case


def shared_by_others(case_id):
    """SQL: another gemeente shares the case (a case card's flag, smartsociety/cases/cards.py)."""
    return sa.exists().where(CaseGemeente.case_id == case_id, CaseGemeente.sharing_clause())


def sharing_of(case) -> list[str]:
    """For a case card: names of the gemeenten sharing it, preloaded per page by `preload`."""
    cache = g.setdefault("case_sharing", {})
    if case.id not in cache:
        cache.update({case.id: []} | dict(sharing_names([case.id])))
    return cache[case.id]


def preload(cases) -> str:
    cache = g.setdefault("case_sharing", {})
    cases = [case for case in cases if case.id not in cache]
    if cases and all(_organisation_loaded(case) for case in cases):
        # The list's query loaded each case's organisation and told which cases other
        # gemeenten share (smartsociety/cases/cards.py, homecards.py): a query for those
        # only, if any.
        names = defaultdict(list, {
            case.id: [case.organisation.name] if case.organisation is not None
            and case.organisation.kind == OrganisationKind.GEMEENTE else []
            for case in cases})
        _add_others(names, [case.id for case in cases if not stored_nothing(case, SHARING)])
    else:
        names = sharing_names([case.id for case in cases])
    cache.update({case.id: [] for case in cases} | dict(names))
    return ""


def _organisation_loaded(case) -> bool:
    # A Case whose organisation is loaded, or a plain card (cases/homecards.py), which has it.
    state = sa.inspect(case, raiseerr=False)
    return state is None or "organisation" not in state.unloaded


def organisation_cases(organisation: Organisation) -> dict[str, list[Case]]:
    """A gemeente's cases: those it initiated, joined as partner, and shares ("has it too")."""
    initiated = list(db.session.scalars(
        Case.public().where(Case.organisation_id == organisation.id)
        .order_by(Case.created_at.desc()).limit(50)
    ))
    links = list(db.session.scalars(
        sa.select(CaseGemeente).join(Case, Case.id == CaseGemeente.case_id)
        .where(CaseGemeente.organisation_id == organisation.id, Case.public_clause())
        .options(selectinload(CaseGemeente.case))
        .order_by(Case.created_at.desc())
    ))
    return {
        "initiated": initiated,
        "joined": [link.case for link in links if link.is_partner],
        "shares": [link.case for link in links if link.has_it_too],
    }


# Adoptions


def ensure_takes_adoptions(case: Case) -> None:
    if not takes_adoptions(case):
        raise Refused(_("Only a project that is scaling up or a standard can be adopted."))


def adopt(user: User, case: Case, stage: AdoptionStage, note: str) -> ProjectAdoption:
    gemeente = check_gemeente(user, case)
    ensure_takes_adoptions(case)
    taken = db.session.scalar(sa.select(ProjectAdoption.id).where(
        ProjectAdoption.case_id == case.id, ProjectAdoption.organisation_id == gemeente.id))
    if taken:
        raise Refused(_("Your gemeente has already adopted this project; change its stage "
                        "instead."))
    adoption = ProjectAdoption(case=case, organisation=gemeente, author_id=user.id, stage=stage,
                               note=note)
    adoption.steps.append(AdoptionStep(stage=stage, note=note, author_id=user.id))
    db.session.add(adoption)
    db.session.flush()
    _adoption_event(user, case, adoption)
    db.session.flush()
    return adoption


def change_stage(user: User, adoption: ProjectAdoption, stage: AdoptionStage,
                 note: str) -> None:
    if verified_organisation(user) is None or verified_organisation(user).id != \
            adoption.organisation_id:
        raise PermissionError(_("Only verified members of the adopting gemeente can do this."))
    if stage is adoption.stage and note == adoption.note:
        return
    adoption.stage, adoption.note, adoption.updated_at = stage, note, utcnow()
    adoption.steps.append(AdoptionStep(stage=stage, note=note, author_id=user.id))
    db.session.flush()
    _adoption_event(user, adoption.case, adoption)
    db.session.flush()


def _adoption_event(user: User, case: Case, adoption: ProjectAdoption) -> None:
    notify.auto_follow(user, FollowTarget.CASE, case.id)
    title = _("%(gemeente)s: %(stage)s — %(title)s", gemeente=adoption.organisation.name,
              stage=label(adoption.stage), title=case.title)
    done = notify.emit(EventKind.ADOPTION, user, case=case, recipients=owners_and_partners(case),
                       title=title)
    notify.emit(EventKind.ADOPTION, user, case=case, followed=[(FollowTarget.CASE, case.id)],
                exclude=done, title=title)


def adoptions_of(case: Case) -> list[ProjectAdoption]:
    return list(db.session.scalars(
        sa.select(ProjectAdoption).where(ProjectAdoption.case_id == case.id)
        .options(selectinload(ProjectAdoption.organisation))
        .order_by(ProjectAdoption.created_at, ProjectAdoption.id)
    ))


def timeline(case: Case) -> list[AdoptionStep]:
    return list(db.session.scalars(
        sa.select(AdoptionStep).join(ProjectAdoption)
        .where(ProjectAdoption.case_id == case.id)
        .options(selectinload(AdoptionStep.adoption).selectinload(ProjectAdoption.organisation))
        .order_by(AdoptionStep.created_at, AdoptionStep.id)
    ))


def recent_steps(limit: int = 30) -> list[AdoptionStep]:
    return list(db.session.scalars(
        sa.select(AdoptionStep).join(ProjectAdoption)
        .join(Case, Case.id == ProjectAdoption.case_id).where(Case.public_clause())
        .options(selectinload(AdoptionStep.adoption).selectinload(ProjectAdoption.organisation),
                 selectinload(AdoptionStep.adoption).selectinload(ProjectAdoption.case))
        .order_by(AdoptionStep.created_at.desc(), AdoptionStep.id.desc()).limit(limit)
    ))


# What a project uses and follows


def linked_solutions(case: Case) -> list[Solution]:
    return list(db.session.scalars(
        sa.select(Solution).join(ProjectSolution, ProjectSolution.solution_id == Solution.id)
        .where(ProjectSolution.case_id == case.id, Solution.hidden_at.is_(None))
        .options(selectinload(Solution.organisation)).order_by(Solution.name)
    ))


def linked_rules(case: Case) -> list[Rule]:
    return list(db.session.scalars(
        sa.select(Rule).join(ProjectRule, ProjectRule.rule_id == Rule.id)
        .where(ProjectRule.case_id == case.id).order_by(Rule.version_id, Rule.number)
    ))


def link_solution(case: Case, solution: Solution) -> None:
    if solution.is_withdrawn or solution.hidden_at is not None:
        raise Refused(_("A withdrawn solution cannot be linked."))
    if db.session.get(ProjectSolution, (case.id, solution.id)) is not None:
        raise Refused(_("This solution is already linked to the project."))
    db.session.add(ProjectSolution(case_id=case.id, solution_id=solution.id))
    db.session.flush()


def unlink_solution(case: Case, solution_id: int) -> None:
    row = db.session.get(ProjectSolution, (case.id, solution_id))
    if row is None:
        raise LookupError
    db.session.delete(row)
    db.session.flush()


def link_rule(case: Case, rule: Rule) -> None:
    if db.session.get(ProjectRule, (case.id, rule.id)) is not None:
        raise Refused(_("This rule is already linked to the project."))
    db.session.add(ProjectRule(case_id=case.id, rule_id=rule.id))
    db.session.flush()


def unlink_rule(case: Case, rule_id: int) -> None:
    row = db.session.get(ProjectRule, (case.id, rule_id))
    if row is None:
        raise LookupError
    db.session.delete(row)
    db.session.flush()
