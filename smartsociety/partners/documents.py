"""Cases in the search index carry how many gemeenten share them, as a facet value
("shared:2", "shared:3+"; a case only its own gemeente has carries none) in the multi-valued
theme field; the search page shows these values under their own heading."""
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smartsociety.models import (
    Case,
    CaseGemeente,
    Organisation,
    OrganisationKind,
    ProjectAdoption,
)
from smartsociety.search.registry import REGISTRY

SHARED_PREFIX = "shared:"


def shared_value(count: int) -> str:
    return f"{SHARED_PREFIX}{count}" if count < 3 else f"{SHARED_PREFIX}3+"


def shared_counts(session: Session, ids: list[int]) -> dict[int, int]:
    counts = {i: 0 for i in ids}
    own = session.execute(
        sa.select(Case.id).join(Organisation, Organisation.id == Case.organisation_id)
        .where(Case.id.in_(ids), Organisation.kind == OrganisationKind.GEMEENTE)
    )
    for (case_id,) in own:
        counts[case_id] += 1
    others = session.execute(
        sa.select(CaseGemeente.case_id, sa.func.count(CaseGemeente.id))
        .where(CaseGemeente.case_id.in_(ids), CaseGemeente.sharing_clause())
        .group_by(CaseGemeente.case_id)
    )
    for case_id, count in others:
        counts[case_id] += count
    return counts


def partner_names(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """The other gemeenten on each case (sharing it or adopting it), so a search for a
    gemeente's name finds the cases it works on together."""
    names: dict[int, list[str]] = {}
    sharing = session.execute(
        sa.select(CaseGemeente.case_id, Organisation.name)
        .join(Organisation, Organisation.id == CaseGemeente.organisation_id)
        .where(CaseGemeente.case_id.in_(ids), CaseGemeente.sharing_clause())
    )
    adopting = session.execute(
        sa.select(ProjectAdoption.case_id, Organisation.name)
        .join(Organisation, Organisation.id == ProjectAdoption.organisation_id)
        .where(ProjectAdoption.case_id.in_(ids))
    )
    for case_id, name in [*sharing, *adopting]:
        if name not in names.setdefault(case_id, []):
            names[case_id].append(name)
    return names


def _with_sharing(load):
    def load_cases(session: Session, ids: list[int]) -> dict[int, dict]:
        docs = load(session, ids)
        counts = shared_counts(session, list(docs))
        names = partner_names(session, list(docs))
        for case_id, doc in docs.items():
            if counts.get(case_id, 0) >= 2:
                doc["themes"] = [*doc.get("themes", []), shared_value(counts[case_id])]
            if names.get(case_id):
                doc["body"] = "\n".join([doc.get("body") or "", ", ".join(names[case_id])])
        return docs

    load_cases.with_sharing = True
    return load_cases


def register() -> None:
    case_type = REGISTRY.types["case"]  # the cases' plug-in registers it first
    if getattr(case_type.load, "with_sharing", False):
        return
    REGISTRY.register(replace(case_type, load=_with_sharing(case_type.load)))
    REGISTRY.watch(CaseGemeente, "case", lambda link: link.case_id)
    REGISTRY.watch(ProjectAdoption, "case", lambda adoption: adoption.case_id)
