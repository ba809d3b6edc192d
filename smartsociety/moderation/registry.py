"""Reportable item types: each says how to load, name, link, hide and restore its items.

Each feature registers its own types from its plug-in module (smartsociety/<feature>/plugins.py)
with `register(ReportableType(...))`; moderation knows nothing of the features.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import User


@dataclass(frozen=True)
class ReportableType:
    name: str
    label: object
    model: type
    title: Callable[[object], str]
    url: Callable[[object], str]
    author: Callable[[object], User | None]
    # The defaults fit a `Hideable` model (models/base.py); other models say how.
    is_hidden: Callable[[object], bool] = lambda item: item.is_hidden
    hide: Callable[[object, str], None] = lambda item, reason: item.hide(reason)
    restore: Callable[[object], None] = lambda item: item.unhide()
    delete: Callable[[object], None] = lambda item: db.session.delete(item)
    edit_url: Callable[[object], str | None] = lambda item: None
    lockable: bool = False
    # Loader options applied when a page of items is loaded at once.
    load_options: tuple = ()

    def load(self, item_id: int):
        return db.session.get(self.model, item_id)

    def load_many(self, ids) -> dict:
        if not ids:
            return {}
        items = db.session.scalars(
            sa.select(self.model).where(self.model.id.in_(ids)).options(*self.load_options)
        )
        return {item.id: item for item in items}


TYPES: dict[str, ReportableType] = {}


def register(kind: ReportableType) -> None:
    TYPES[kind.name] = kind
    _BY_CLASS.clear()


# type_of's answer per class of item (its type and its __class__, which isinstance asks):
# a thread of fifty comments asked it fifty times. Emptied when a type is registered.
_BY_CLASS: dict[tuple[type, type], ReportableType | None] = {}


def get(name: str) -> ReportableType | None:
    return TYPES.get(name)


def type_of(item) -> ReportableType | None:
    key = (type(item), item.__class__)
    try:
        return _BY_CLASS[key]
    except KeyError:
        found = _BY_CLASS[key] = next(
            (kind for kind in TYPES.values() if isinstance(item, kind.model)), None)
        return found


def describe(item, target_type: str = "", label: str = "") -> tuple[str, int | None, str]:
    """(type name, id, title) for the audit log; unregistered objects name themselves."""
    kind = type_of(item)
    if kind is not None:
        return kind.name, item.id, label or kind.title(item)
    name = label or getattr(item, "title", None) or getattr(item, "name", None) or ""
    return target_type or type(item).__name__.lower(), getattr(item, "id", None), str(name)

