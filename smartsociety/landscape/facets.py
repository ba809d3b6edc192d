"""How the search page shows the facet values this feature adds. They live, prefixed, in the
index's existing multi-valued fields (category in "kind", procurement terms, certifications and
the shared-by count in "theme"), and are shown under their own headings."""
import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from smartsociety.extensions import db
from smartsociety.models import Certification, SolutionCategory

GROUPS = {
    "category": _l("Category"),
    "terms": _l("Procurement terms"),
    "cert": _l("Certification"),
    "shared": _l("Shared by"),
}


def _prefix(value: str) -> str | None:
    head, sep, _rest = value.partition(":")
    return head if sep and head in GROUPS else None


def facet_groups(name: str, counts, selected, title) -> list[tuple]:
    """[(heading, counts, selected values)]: the field's own values first, then one group per
    prefix that occurs."""
    groups = {None: ([], [])}
    for value, count in counts:
        groups.setdefault(_prefix(value), ([], []))[0].append((value, count))
    for value in selected:
        groups.setdefault(_prefix(value), ([], []))[1].append(value)
    result = [(title, *groups.pop(None))]
    for prefix in GROUPS:
        if prefix in groups:
            result.append((GROUPS[prefix], *groups[prefix]))
    return result


def names_version() -> tuple:
    """What facet_label shows from the database, for a page cached by index generation."""
    return tuple(sorted(_names(SolutionCategory, "category").items())) + (None,) + tuple(
        sorted(_names(Certification, "cert").items()))


def _names(model, kind: str) -> dict[str, str]:
    cache = g.setdefault("facet_names", {})
    if kind not in cache:
        cache[kind] = dict(db.session.execute(sa.select(model.slug, model.name)).all())
    return cache[kind]


def facet_label(value: str) -> str:
    prefix = _prefix(value)
    rest = value.partition(":")[2]
    if prefix == "category":
        return _names(SolutionCategory, "category").get(rest, rest)
    if prefix == "cert":
        return _names(Certification, "cert").get(rest, rest)
    if prefix == "terms":
        return {"gibit": _("Accepts GIBIT"), "exit-plan": _("Has an exit plan")}.get(rest, rest)
    if prefix == "shared":
        if rest.endswith("+"):
            return _("%(num)s or more gemeenten", num=rest[:-1])
        return ngettext("%(num)d gemeente", "%(num)d gemeenten", int(rest)) \
            if rest.isdigit() else rest
    return value
