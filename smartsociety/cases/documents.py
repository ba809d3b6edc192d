"""Cases and their comments in the search index (types "case" and "comment")."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.models import Case, CaseTheme, Comment, Organisation
from smartsociety.search.registry import (
    MAX_BODY,
    REGISTRY,
    DocumentType,
    plain_text,
    primary_key,
)


def _case_body(case: Case) -> str:
    parts = [case.summary, plain_text(case.body_html) if case.body_html else case.body,
             case.question, case.values_at_stake, case.tried, case.legal_frame]
    return "\n".join(p for p in parts if p)[:MAX_BODY]


def _organisation_fields(organisation: Organisation | None) -> dict:
    return {
        "organisation": organisation.name if organisation else "",
        "org_kind": organisation.kind.value if organisation else "",
    }


def load_cases(session: Session, ids: list[int]) -> dict[int, dict]:
    cases = session.scalars(
        sa.select(Case)
        .where(Case.id.in_(ids), Case.public_clause())
        .options(selectinload(Case.organisation), selectinload(Case.tags))
    )
    return {
        case.id: {
            "title": case.title,
            "body": "\n".join([_case_body(case), " ".join(t.name for t in case.tags)]),
            "language": case.language or "nl",
            "kind": case.kind.value,
            "status": case.status,
            "themes": [t.value if hasattr(t, "value") else t for t in case.themes],
            "date": case.created_at,
            "case_id": case.id,
            "parent": "",
            **_organisation_fields(case.organisation),
        }
        for case in cases
    }


def load_comments(session: Session, ids: list[int]) -> dict[int, dict]:
    rows = session.execute(
        sa.select(Comment, Case)
        .join(Case, Comment.case_id == Case.id)
        .where(Comment.id.in_(ids), Comment.public_clause(), Case.public_clause())
        .options(selectinload(Case.organisation))
    )
    return {
        comment.id: {
            # The case's title is shown, not indexed: it would make every comment match it.
            "title": case.title,
            "index_title": False,
            "body": (plain_text(comment.body_html) if comment.body_html else comment.body)[
                :MAX_BODY
            ],
            "language": case.language or "nl",
            "kind": case.kind.value,
            "status": case.status,
            "themes": [t.value if hasattr(t, "value") else t for t in case.themes],
            "date": comment.created_at,
            "case_id": case.id,
            "parent": f"case:{case.id}",
            **_organisation_fields(case.organisation),
        }
        for comment, case in rows
    }


def comments_of_cases(session: Session, case_ids: list[int]):
    ids = session.scalars(sa.select(Comment.id).where(Comment.case_id.in_(case_ids)))
    return [("comment", i) for i in ids]


def cases_of_organisations(session: Session, organisation_ids: list[int]):
    ids = session.scalars(sa.select(Case.id).where(Case.organisation_id.in_(organisation_ids)))
    return [("case", i) for i in ids]


def _case_url(case_id: int, _stored: dict) -> str | None:
    return url_for("cases.detail", case_id=case_id)


def _comment_url(comment_id: int, stored: dict) -> str | None:
    if not stored.get("case_id"):
        return None
    return url_for("cases.detail", case_id=stored["case_id"], _anchor=f"comment-{comment_id}")


def register() -> None:
    REGISTRY.register(DocumentType(
        name="case",
        model=Case,
        label=_l("Case"),
        load=load_cases,
        public_ids=lambda: sa.select(Case.id).where(Case.public_clause()),
        dependents=comments_of_cases,
        url=_case_url,
    ))
    REGISTRY.register(DocumentType(
        name="comment",
        model=Comment,
        label=_l("Comment"),
        load=load_comments,
        public_ids=lambda: sa.select(Comment.id)
        .join(Case, Comment.case_id == Case.id)
        .where(Comment.public_clause(), Case.public_clause()),
        url=_comment_url,
    ))
    # Themes live in their own rows; an organisation's name and kind show in its cases.
    REGISTRY.watch(CaseTheme, "case", _case_id_of)
    REGISTRY.watch(Organisation, "organisation", primary_key, expand=cases_of_organisations)


def _case_id_of(link: CaseTheme) -> int | None:
    return link.case_id
