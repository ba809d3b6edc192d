"""Solutions and organisations in the search index, each with its own type facet value."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.cases.documents import cases_of_organisations
from smartsociety.models import Organisation, Solution, SolutionTheme
from smartsociety.search.registry import MAX_BODY, REGISTRY, DocumentType, plain_text


def load_solutions(session: Session, ids: list[int]) -> dict[int, dict]:
    solutions = session.scalars(
        sa.select(Solution)
        .where(Solution.id.in_(ids), Solution.listed_clause())
        .options(selectinload(Solution.organisation), selectinload(Solution.standards),
                 selectinload(Solution.category), selectinload(Solution.certifications))
    )
    return {
        s.id: {
            "title": s.name,
            "body": "\n".join(part for part in [
                s.summary, plain_text(s.description_html), s.privacy_notes,
                " ".join(std.name for std in s.standards),
            ] if part)[:MAX_BODY],
            "language": "nl",
            # Facets of the landscape: the category as the kind, procurement terms with the
            # themes (prefixed, so the search page shows them under their own headings).
            "kind": f"category:{s.category.slug}" if s.category else "",
            "themes": [t.value for t in s.themes] + procurement_terms(s),
            "date": s.created_at,
            "organisation": s.organisation.name,
            "org_kind": s.organisation.kind.value,
        }
        for s in solutions
    }


def procurement_terms(solution: Solution) -> list[str]:
    terms = [f"cert:{c.slug}" for c in solution.certifications]
    if solution.accepts_gibit:
        terms.append("terms:gibit")
    if (solution.exit_plan or "").strip():
        terms.append("terms:exit-plan")
    return terms


def load_organisations(session: Session, ids: list[int]) -> dict[int, dict]:
    return {
        o.id: {
            "title": o.name,
            "body": o.description or "",
            "language": "nl",
            "date": o.created_at,
            "organisation": o.name,
            "org_kind": o.kind.value,
        }
        for o in session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)))
    }


def _solution_url(doc_id: int, _stored: dict) -> str | None:
    return url_for("solutions.detail", solution_id=doc_id)


def _organisation_url(doc_id: int, _stored: dict) -> str | None:
    return url_for("solutions.organisation_by_id", organisation_id=doc_id)


def _dependents_of_organisations(session: Session, ids: list[int]):
    """An organisation's name and kind show in its cases and its solutions."""
    solutions = session.scalars(sa.select(Solution.id).where(Solution.organisation_id.in_(ids)))
    return [*cases_of_organisations(session, ids), *(("solution", i) for i in solutions)]


def register() -> None:
    REGISTRY.register(DocumentType(
        name="solution",
        model=Solution,
        label=_l("Solution"),
        load=load_solutions,
        public_ids=lambda: sa.select(Solution.id).where(Solution.listed_clause()),
        url=_solution_url,
    ))
    REGISTRY.watch(SolutionTheme, "solution", lambda link: link.solution_id)
    # Registering the organisation type keeps its cases refreshed through `dependents`
    # (the "organisation" log name used to expand to them directly).
    REGISTRY.register(DocumentType(
        name="organisation",
        model=Organisation,
        label=_l("Organisation"),
        load=load_organisations,
        public_ids=lambda: sa.select(Organisation.id),
        dependents=_dependents_of_organisations,
        url=_organisation_url,
    ))
