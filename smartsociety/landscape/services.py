"""The moderators' lists (categories, certifications), each gemeente's application landscape
with the alternatives per category, comparing listings, and a case's requirements."""
import functools
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from smartsociety.extensions import db
from smartsociety.models import (
    Case,
    CaseRequirement,
    Certification,
    OpenStandard,
    Organisation,
    RequirementKind,
    SizeClass,
    Solution,
    SolutionCategory,
    SolutionUse,
)
from smartsociety.models.procurement import name_key, solution_certification
from smartsociety.models.solution import solution_standard
from smartsociety.moderation.audit import record_if_moderating
from smartsociety.refusals import Refused
from smartsociety.sections import stored_nothing
from smartsociety.text import slugify

MIN_COMPARE, MAX_COMPARE = 2, 4


# The moderators' lists


def _add_named(model, name: str, actor, action: str, **extra):
    key = name_key(name)
    if db.session.scalar(sa.select(model.id).where(model.name_key == key)):
        raise Refused(_("This name is already on the list."))
    item = model(name=" ".join(name.split()), name_key=key, slug=slugify(name)[:90], **extra)
    db.session.add(item)
    db.session.flush()
    record_if_moderating(actor, action, item, target_type=model.__tablename__, label=item.name)
    db.session.flush()
    return item


def add_category(name: str, description: str, actor) -> SolutionCategory:
    return _add_named(SolutionCategory, name, actor, "category_add", description=description)


def add_certification(name: str, actor) -> Certification:
    return _add_named(Certification, name, actor, "certification_add")


# Figures per solution


@dataclass
class Usage:
    gemeenten: int = 0
    average: float | None = None
    by_size: dict[SizeClass | None, int] = field(default_factory=dict)


def usage(solution_ids: list[int]) -> dict[int, Usage]:
    """Per solution: how many gemeenten use it, their average rating, and per size class."""
    result = {i: Usage() for i in solution_ids}
    if not solution_ids:
        return result
    rows = db.session.execute(
        sa.select(SolutionUse.solution_id, sa.func.count(SolutionUse.id),
                  sa.func.avg(SolutionUse.rating))
        .where(SolutionUse.solution_id.in_(solution_ids)).group_by(SolutionUse.solution_id)
    )
    for solution_id, count, average in rows:
        result[solution_id].gemeenten = count
        result[solution_id].average = round(float(average), 1) if average is not None else None
    sizes = db.session.execute(
        sa.select(SolutionUse.solution_id, Organisation.inhabitants)
        .join(Organisation, Organisation.id == SolutionUse.organisation_id)
        .where(SolutionUse.solution_id.in_(solution_ids))
    )
    for solution_id, inhabitants in sizes:
        by_size = result[solution_id].by_size
        key = SizeClass.for_inhabitants(inhabitants)  # None: not known
        by_size[key] = by_size.get(key, 0) + 1
    return result


def _listed_with_details() -> sa.Select:
    return (sa.select(Solution).where(Solution.listed_clause())
            .options(selectinload(Solution.organisation), selectinload(Solution.standards),
                     selectinload(Solution.category), selectinload(Solution.certifications)))


# The landscape


@dataclass
class LandscapeEntry:
    use: SolutionUse
    usage: Usage
    alternatives: list[tuple[Solution, Usage]]


def landscape(organisation: Organisation) -> list[tuple[SolutionCategory | None,
                                                          list[LandscapeEntry]]]:
    """The gemeente's solutions in use by category (uncategorised last), each with the other
    listed solutions of its category as alternatives, most used first."""
    uses = list(db.session.scalars(
        sa.select(SolutionUse).join(Solution, Solution.id == SolutionUse.solution_id)
        .where(SolutionUse.organisation_id == organisation.id, Solution.hidden_at.is_(None))
        .options(selectinload(SolutionUse.solution).selectinload(Solution.category),
                 selectinload(SolutionUse.solution).selectinload(Solution.organisation),
                 selectinload(SolutionUse.solution).selectinload(Solution.standards))
    ))
    category_ids = {u.solution.category_id for u in uses if u.solution.category_id}
    candidates = list(db.session.scalars(
        _listed_with_details().where(Solution.category_id.in_(category_ids))
    )) if category_ids else []
    figures = usage([u.solution_id for u in uses] + [c.id for c in candidates])
    used_ids = {u.solution_id for u in uses}
    groups: dict[int | None, list[LandscapeEntry]] = defaultdict(list)
    for use in sorted(uses, key=lambda u: u.solution.name.casefold()):
        category_id = use.solution.category_id
        alternatives = sorted(
            ((c, figures[c.id]) for c in candidates
             if c.category_id == category_id and c.id != use.solution_id and c.id not in used_ids),
            key=lambda pair: (-pair[1].gemeenten, -(pair[1].average or 0), pair[0].name),
        ) if category_id else []
        groups[category_id].append(LandscapeEntry(use, figures[use.solution_id], alternatives))
    categories = {u.solution.category_id: u.solution.category for u in uses}
    ordered = sorted((k for k in groups if k is not None),
                     key=lambda k: categories[k].name_key)
    result = [(categories[k], groups[k]) for k in ordered]
    if None in groups:
        result.append((None, groups[None]))
    return result


def set_inhabitants(organisation: Organisation, number: int) -> None:
    """The one number of inhabitants a gemeente has (also set on its edit page): it decides
    its size class in comparisons and its peer group in the self-evaluation."""
    organisation.inhabitants = number
    db.session.flush()


def category_solutions(category: SolutionCategory) -> list[tuple[Solution, Usage]]:
    found = list(db.session.scalars(
        _listed_with_details().where(Solution.category_id == category.id)
    ))
    figures = usage([s.id for s in found])
    return sorted(((s, figures[s.id]) for s in found),
                  key=lambda pair: (-pair[1].gemeenten, pair[0].name.casefold()))


# Comparing


def comparison(ids: list[int]) -> list[tuple[Solution, Usage]]:
    """2 to 4 current listings, in the order asked, with their figures."""
    unique = list(dict.fromkeys(ids))
    if len(unique) < MIN_COMPARE:
        raise Refused(_("Choose at least two solutions to compare."), 400)
    if len(unique) > MAX_COMPARE:
        raise Refused(_("Compare at most four solutions at a time."), 400)
    found = {s.id: s for s in db.session.scalars(
        sa.select(Solution).where(Solution.id.in_(unique), Solution.hidden_at.is_(None))
        .options(selectinload(Solution.organisation), selectinload(Solution.standards),
                 selectinload(Solution.category), selectinload(Solution.certifications))
    )}
    missing = [i for i in unique if i not in found]
    if missing:
        raise Refused(_("One of the chosen solutions does not exist."), 404)
    withdrawn = [found[i].name for i in unique if found[i].is_withdrawn]
    if withdrawn:
        raise Refused(_("%(names)s has been withdrawn and cannot be compared.",
                        names=", ".join(withdrawn)), 409)
    figures = usage(unique)
    return [(found[i], figures[i]) for i in unique]


# Case requirements


def requirements_of(case: Case) -> list[CaseRequirement]:
    return list(db.session.scalars(_requirements_of(), {"case_id": case.id}))


@functools.cache
def _requirements_of() -> sa.Select:
    # One joined query (a requirement names at most one standard or certification), built
    # once per process.
    return (sa.select(CaseRequirement)
            .where(CaseRequirement.case_id == sa.bindparam("case_id"))
            .options(joinedload(CaseRequirement.standard),
                     joinedload(CaseRequirement.certification))
            .order_by(CaseRequirement.id))


def add_requirement(case: Case, kind: RequirementKind, target_id: int | None, actor) -> None:
    standard_id = certification_id = None
    if kind is RequirementKind.STANDARD:
        if target_id is None or db.session.get(OpenStandard, target_id) is None:
            raise Refused(_("Choose one of the open standards on the list."), 400)
        standard_id = target_id
    elif kind is RequirementKind.CERTIFICATION:
        if target_id is None or db.session.get(Certification, target_id) is None:
            raise Refused(_("Choose one of the certifications on the list."), 400)
        certification_id = target_id
    if any(r.key == (kind.value, standard_id, certification_id) for r in requirements_of(case)):
        raise Refused(_("The case already states this requirement."))
    db.session.add(CaseRequirement(case_id=case.id, kind=kind, standard_id=standard_id,
                                   certification_id=certification_id, author_id=actor.id))
    db.session.flush()


def remove_requirement(case: Case, requirement_id: int) -> None:
    row = db.session.get(CaseRequirement, requirement_id)
    if row is None or row.case_id != case.id:
        raise LookupError
    db.session.delete(row)
    db.session.flush()


def _solution_facts(ids: list[int]) -> dict[int, dict]:
    """What the requirements ask of each solution (GIBIT, an exit plan, its standards and
    certifications), for the given solutions, in two queries whatever their number (instead of
    two lazy loads per solution)."""
    facts = {row.id: {"gibit": bool(row.accepts_gibit), "exit_plan": bool((row.exit_plan or "").strip()),
                      "standard": set(), "certification": set()}
             for row in db.session.execute(_facts_statement(), {"ids": ids})}
    for solution_id, kind, target in db.session.execute(_targets_statement(), {"ids": ids}):
        facts[solution_id][kind].add(target)
    return facts


@functools.cache
def _facts_statement() -> sa.Select:
    return (sa.select(Solution.id, Solution.accepts_gibit, Solution.exit_plan)
            .where(Solution.id.in_(sa.bindparam("ids", expanding=True))))


@functools.cache
def _targets_statement():
    standard, certification = solution_standard.c, solution_certification.c
    return sa.union_all(
        sa.select(standard.solution_id, sa.literal("standard"), standard.standard_id)
        .where(standard.solution_id.in_(sa.bindparam("ids", expanding=True))),
        sa.select(certification.solution_id, sa.literal("certification"),
                  certification.certification_id)
        .where(certification.solution_id.in_(sa.bindparam("ids", expanding=True))),
    )


def meets(facts: dict, requirement: CaseRequirement) -> bool:
    kind = requirement.kind
    if kind is RequirementKind.GIBIT:
        return facts["gibit"]
    if kind is RequirementKind.EXIT_PLAN:
        return facts["exit_plan"]
    if kind is RequirementKind.STANDARD:
        return requirement.standard_id in facts["standard"]
    return requirement.certification_id in facts["certification"]


def requirement_matches(case: Case, solutions: list) -> dict:
    """For the case's marketplace section: per offered or suggested solution (anything with
    an `id` and a `name`), which of the case's requirements it meets."""
    # The case page's own query said none are stored (shown empty to who may state them).
    requirements = [] if stored_nothing(case, "requirements") else requirements_of(case)
    if not requirements:
        return {"requirements": [], "rows": []}
    unique = list({solution.id: solution for solution in solutions}.values())
    facts = _solution_facts([solution.id for solution in unique]) if unique else {}
    rows = []
    for solution in unique:
        met = [meets(facts[solution.id], r) for r in requirements]
        rows.append({"solution": solution, "met": met, "all": all(met)})
    return {"requirements": requirements, "rows": rows}
