"""How the audit log reads: item types by their names and items as links, never internal codes."""
from collections import defaultdict

from flask import url_for
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import Organisation, Principle, PrincipleVersion
from smartsociety.moderation import registry

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
