"""Sections that features add to another feature's page (the case page, the organisation page).

The page's package owns a `Sections` (cases/sections.py, organisations/sections.py); a feature
registers a section there from its plug-in module (smartsociety/<feature>/plugins.py): the
template the page includes, its place (lower `order` first) and, where the template needs
more than the page's own variables, a function giving them. The page knows no feature.

A section may also say how to tell, in SQL, whether it has anything stored for the subject
(`present`): the page then asks that in its own query, and a section with nothing stored costs
no query and no template, unless `when_empty(subject, user)` says it shows something anyway
(a form to add the first item). `stored_nothing(subject, name)` tells a section's own code that
the page found nothing, so it can skip its query.
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
    # (subject id column) -> SQL boolean, false when nothing is stored for the subject (it may be
    # true while nothing is shown, e.g. only hidden items: the section then decides as before).
    present: Callable[[object], object] | None = None
    # (subject, user) -> whether the section shows something even with nothing stored.
    when_empty: Callable[[object, object], bool] | None = None


PRESENT = "_sections_present"  # the page's flags, kept on the subject for this request


def stored_nothing(subject, name: str) -> bool:
    """True when the page's own query found nothing stored for section `name` of `subject`."""
    return getattr(subject, PRESENT, {}).get(name) is False


class Sections:
    def __init__(self, variable: str):
        self.variable = variable  # the template variable that lists the sections in order
        self.sections: dict[str, Section] = {}

    def register(self, section: Section) -> None:
        self.sections[section.name] = section

    def ordered(self) -> list[Section]:
        return sorted(self.sections.values(), key=lambda section: section.order)

    def present_columns(self, subject_id) -> dict:
        """Labelled SQL flags, one per section that can tell whether it has anything stored."""
        return {section.name: section.present(subject_id).label(f"present_{section.name}")
                for section in self.ordered() if section.present is not None}

    def context(self, subject, user) -> dict:
        """The template variables of every section shown, and those sections in order (with
        flags from `present_columns` on the subject, those with nothing to show left out)."""
        variables: dict = {}
        sections = [
            section for section in self.ordered()
            if not stored_nothing(subject, section.name)
            or (section.when_empty is not None and section.when_empty(subject, user))
        ]
        for section in sections:
            if section.context is not None:
                variables.update(section.context(subject, user))
        return {**variables, self.variable: sections}
