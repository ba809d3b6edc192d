"""The document types of cases, comments and principles; later features register theirs the same way."""
import html
from datetime import datetime, time, timezone

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.extensions import db
from smartsociety.markup import plain_text as _plain_html_text
from smartsociety.models import (
    Case,
    CaseTheme,
    Comment,
    Organisation,
    PrincipleVersion,
    Rule,
    VersionStatus,
)
from smartsociety.search.registry import REGISTRY, DocumentType, primary_key

def plain_text(html_text: str) -> str:
    # markup.plain_text keeps entities (&lt;); the index wants the text a reader sees, and
    # snippets are escaped once when they are rendered.
    return html.unescape(_plain_html_text(html_text))


# Bodies longer than this are cut for the index: snippets and ranking need no more.
MAX_BODY = 20_000


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
    if "cases.detail" not in current_app.view_functions:
        return None
    return url_for("cases.detail", case_id=case_id)


def _comment_url(comment_id: int, stored: dict) -> str | None:
    if "cases.detail" not in current_app.view_functions or not stored.get("case_id"):
        return None
    return url_for("cases.detail", case_id=stored["case_id"], _anchor=f"comment-{comment_id}")


# The text that is in force or under discussion; superseded versions stay readable, unindexed.
SEARCHABLE_VERSIONS = (VersionStatus.CONSULTATION, VersionStatus.ADOPTED)


def _searchable_version_clause():
    return PrincipleVersion.status.in_(SEARCHABLE_VERSIONS)


def _principle_date(version: PrincipleVersion) -> datetime:
    """The date the text carries: its adoption, else the opening of its consultation (the row's
    creation is only when it was entered here: the demo's 2019 principles showed as today's)."""
    if version.adopted_on is not None:
        return datetime.combine(version.adopted_on, time(12), timezone.utc)
    return version.consultation_opened_at or version.created_at


def load_principle_versions(session: Session, ids: list[int]) -> dict[int, dict]:
    versions = session.scalars(
        sa.select(PrincipleVersion)
        .where(PrincipleVersion.id.in_(ids), _searchable_version_clause())
        .options(selectinload(PrincipleVersion.rules), selectinload(PrincipleVersion.principle))
    )
    documents = {}
    for version in versions:
        rules = "\n".join(f"{rule.number}. {rule.text}" for rule in version.rules)
        documents[version.id] = {
            "title": f"{version.principle.number}. {version.title}",
            "body": "\n".join(
                [version.statement, plain_text(version.explanation_html), rules]
            )[:MAX_BODY],
            "language": "nl",
            "kind": "",
            "status": version.status.value,
            "themes": [],
            "date": _principle_date(version),
            "case_id": 0,
            "parent": "",
            "organisation": "",
            "org_kind": "",
        }
    return documents


def _principle_url(version_id: int, _stored: dict) -> str | None:
    if "principles.version" not in current_app.view_functions:
        return None
    version = db.session.get(PrincipleVersion, version_id)
    if version is None:
        return None
    return url_for("principles.version", slug=version.principle.slug, number=version.number)


def _version_id_of(rule: Rule) -> int | None:
    return rule.version_id


def register_defaults() -> None:
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
    REGISTRY.register(DocumentType(
        name="principle",
        model=PrincipleVersion,
        label=_l("Principle"),
        load=load_principle_versions,
        public_ids=lambda: sa.select(PrincipleVersion.id).where(_searchable_version_clause()),
        url=_principle_url,
    ))
    REGISTRY.watch(Rule, "principle", _version_id_of)
    # Themes live in their own rows; an organisation's name and kind show in its cases.
    REGISTRY.watch(CaseTheme, "case", _case_id_of)
    REGISTRY.watch(Organisation, "organisation", primary_key, expand=cases_of_organisations)


def _case_id_of(link: CaseTheme) -> int | None:
    return link.case_id
