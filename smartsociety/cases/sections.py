"""Sections other features add to the case page, below the case's own text.

A feature registers a section from its plug-in module (smartsociety/<feature>/plugins.py):
the template the case page includes, its place (lower `order` first) and, where the template
needs more than `case`, a function giving its variables. The case page knows no feature.
"""
from dataclasses import dataclass
from typing import Callable

from smartsociety.models import Case


@dataclass(frozen=True)
class CaseSection:
    name: str
    template: str  # included with the case page's context (`case`, `current_user`, ...)
    order: int
    # (case, user) -> extra template variables; all sections' variables are merged, so a
    # later section may use an earlier one's (the requirements use the offers).
    context: Callable[[Case, object], dict] | None = None


SECTIONS: dict[str, CaseSection] = {}


def register(section: CaseSection) -> None:
    SECTIONS[section.name] = section


def ordered() -> list[CaseSection]:
    return sorted(SECTIONS.values(), key=lambda section: section.order)


def context(case: Case, user) -> dict:
    """The template variables of every section, and the sections in order as `case_sections`."""
    variables: dict = {}
    sections = ordered()
    for section in sections:
        if section.context is not None:
            variables.update(section.context(case, user))
    return {**variables, "case_sections": sections}
