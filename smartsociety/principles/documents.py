"""Principle versions in the search index (type "principle"): the texts in consultation or
adopted, with their rules."""
from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.extensions import db
from smartsociety.models import PrincipleVersion, Rule, VersionStatus
from smartsociety.search.registry import MAX_BODY, REGISTRY, DocumentType, plain_text

# The text that is in force or under discussion; superseded versions stay readable, unindexed.
SEARCHABLE_VERSIONS = (VersionStatus.CONSULTATION, VersionStatus.ADOPTED)


def _searchable_version_clause():
    return PrincipleVersion.status.in_(SEARCHABLE_VERSIONS)


def _principle_date(version: PrincipleVersion) -> datetime:
    """The date the text carries: its adoption, else the opening of its consultation (the row's
    creation is only when it was entered here: the demo's 2019 principles showed as today's)."""
    if version.adopted_on is not None:
        return datetime.combine(version.adopted_on, time(12), UTC)
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
    version = db.session.get(PrincipleVersion, version_id)
    if version is None:
        return None
    return url_for("principles.version", slug=version.principle.slug, number=version.number)


def _version_id_of(rule: Rule) -> int | None:
    return rule.version_id


def register() -> None:
    REGISTRY.register(DocumentType(
        name="principle",
        model=PrincipleVersion,
        label=_l("Principle"),
        load=load_principle_versions,
        public_ids=lambda: sa.select(PrincipleVersion.id).where(_searchable_version_clause()),
        url=_principle_url,
    ))
    REGISTRY.watch(Rule, "principle", _version_id_of)
