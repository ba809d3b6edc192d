"""How the audit log reads: item types by their names and items as links, never internal codes."""
from collections import defaultdict

from flask import url_for
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import Organisation, Principle, PrincipleVersion
from smartsociety.moderation import registry

# Every action the audit log records, with its display name (features add theirs, e.g.
# memberships/views.py).
AUDIT_ACTIONS = {
    "auto_hide": _l("Hidden automatically after reports"),
    "dismiss": _l("Reports dismissed"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "delete": _l("Deleted permanently"),
    "lock": _l("Discussion locked"),
    "unlock": _l("Discussion unlocked"),
    "comment_delete": _l("Comment removed by a moderator"),
    "case_edit": _l("Case edited by a moderator"),
    "warn": _l("Warned"),
    "suspend": _l("Suspended"),
    "lift_sanction": _l("Sanction lifted"),
    "organisation_verify": _l("Organisation verified"),
    "organisation_unverify": _l("Organisation verification withdrawn"),
    "organisation_edit": _l("Organisation edited"),
    "role_change": _l("Role changed"),
    "principle_new_version": _l("New principle version started"),
    "principle_open_consultation": _l("Consultation opened"),
    "principle_adopt": _l("Principle version adopted"),
    "amendment_accept": _l("Amendment accepted"),
    "answer_accept": _l("Answer accepted by a moderator"),
    "answer_withdraw": _l("Accepted answer withdrawn by a moderator"),
    "principle_create": _l("Principle created"),
    "principle_draft_edit": _l("Principle draft edited"),
    "principle_draft_delete": _l("Principle draft deleted"),
    "solution_edit": _l("Solution edited by a moderator"),
    "solution_withdraw": _l("Solution withdrawn by a moderator"),
    "solution_reinstate": _l("Solution reinstated by a moderator"),
    "standard_add": _l("Open standard added"),
    "category_add": _l("Solution category added"),
    "certification_add": _l("Certification added"),
}

# Types recorded by features that are not reportable items; reportable types name themselves.
OTHER_TYPES = {
    "organisation": _l("Organisation"),
    "principle": _l("Principle"),
    "principle_version": _l("Principle version"),
    "open_standard": _l("Open standard"),
}


def target_types() -> dict[str, object]:
    """Every type name once, with its label (the registry's label wins)."""
    types = {name: kind.label for name, kind in registry.TYPES.items()}
    for name, label in OTHER_TYPES.items():
        types.setdefault(name, label)
    return types


def _other_urls(target_type: str, ids: set[int]) -> dict[int, str | None]:
    if target_type == "organisation":
        return {o.id: url_for("organisations.detail", slug=o.slug)
                for o in db.session.query(Organisation).filter(Organisation.id.in_(ids))}
    if target_type == "principle":
        return {p.id: url_for("principles.detail", slug=p.slug)
                for p in db.session.query(Principle).filter(Principle.id.in_(ids))}
    if target_type == "principle_version":
        return {v.id: url_for("principles.version", slug=v.principle.slug, number=v.number)
                for v in db.session.query(PrincipleVersion).filter(PrincipleVersion.id.in_(ids))}
    if target_type == "open_standard":
        return {i: url_for("solutions.standards") for i in ids}
    return {}


def target_urls(entries) -> dict[int, str]:
    """entry id -> the page of the item it concerns, for the items that still exist."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.target_id:
            wanted[entry.target_type].add(entry.target_id)
    by_type: dict[str, dict[int, str | None]] = {}
    for target_type, ids in wanted.items():
        kind = registry.get(target_type)
        if kind is not None:
            items = kind.load_many(ids)
            by_type[target_type] = {i: kind.url(item) for i, item in items.items()}
        else:
            by_type[target_type] = _other_urls(target_type, ids)
    urls = {}
    for entry in entries:
        url = by_type.get(entry.target_type, {}).get(entry.target_id)
        if url:
            urls[entry.id] = url
    return urls
