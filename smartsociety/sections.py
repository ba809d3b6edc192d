"""Sections that features add to another feature's page (the case page, the organisation page).

The page's package owns a `Sections` (cases/sections.py, organisations/sections.py); a feature
registers a section there from its plug-in module (smartsociety/<feature>/plugins.py): the
template the page includes, its place (lower `order` first) and, where the template needs
more than the page's own variables, a function giving them. The page knows no feature.
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    template: str  # included with the page's context
    order: int
    # (subject, user) -> extra template variables; all sections' variables are merged, so a
    # later section may use an earlier one's (the case's requirements use its offers).
    context: Callable[[object, object], dict] | None = None


class Sections:
    def __init__(self, variable: str):
        self.variable = variable  # the template variable that lists the sections in order
        self.sections: dict[str, Section] = {}

    def register(self, section: Section) -> None:
        self.sections[section.name] = section

    def ordered(self) -> list[Section]:
        return sorted(self.sections.values(), key=lambda section: section.order)

    def context(self, subject, user) -> dict:
        """The template variables of every section, and the sections in order."""
        variables: dict = {}
        sections = self.ordered()
        for section in sections:
            if section.context is not None:
                variables.update(section.context(subject, user))
        return {**variables, self.variable: sections}
