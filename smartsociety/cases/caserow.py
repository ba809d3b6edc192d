"""The case as plain rows for an anonymous reader's case page (cases/page.py `load_case`):
building the Case entity with its organisation and themes was most of the page's case query's
CPU (docs/performance.md, issue 23 item 3), and an anonymous reader's page writes nothing.

`CaseRow` has every column of the case, its author (cases/authors.py `AuthorRow`), organisation
(`OrganisationRow`) and themes, and `Case`'s properties. Its collections are loaded on first
read, one query each as the relationships' own lazy loads, and only when the page's flags say
rows are stored. The permission predicates and moderation's registry ask
`isinstance(item, Case)`: `__class__` answers `Case`, and tests/test_case_row.py checks that
every page of every kind of case is byte-identical to the one rendered from the entity.
Code that writes loads the `Case`."""
import sqlalchemy as sa

from smartsociety.cases.authors import OrganisationRow
from smartsociety.extensions import db
from smartsociety.models import Attachment, Case, CaseEditor, CasePrincipleLink, Tag, case_tag
from smartsociety.models.partnership import CaseGemeente
from smartsociety.sections import PRESENT

COLUMNS = tuple(prop.key for prop in Case.__mapper__.column_attrs)

# Each collection: the page's flag for it, and its query (the relationship's order).
_COLLECTIONS = {
    "tags": ("has_tags", lambda: sa.select(Tag).join(case_tag, case_tag.c.tag_id == Tag.id)
             .where(case_tag.c.case_id == sa.bindparam("case_id")).order_by(Tag.slug)),
    "editor_links": ("has_editor_links", lambda: sa.select(CaseEditor)
                     .where(CaseEditor.case_id == sa.bindparam("case_id"))),
    "attachments": ("has_attachments", lambda: sa.select(Attachment)
                    .where(Attachment.case_id == sa.bindparam("case_id"))
                    .order_by(Attachment.created_at)),
    "principle_links": ("has_principle_links", lambda: sa.select(CasePrincipleLink)
                        .where(CasePrincipleLink.case_id == sa.bindparam("case_id"))
                        .order_by(CasePrincipleLink.id)),
    # The partners' links (a backref of theirs); the page's flag for their section.
    "gemeente_links": ("partners", lambda: sa.select(CaseGemeente)
                       .where(CaseGemeente.case_id == sa.bindparam("case_id"))),
}
_statements: dict = {}


def _collection(name: str):
    def read(self):
        found = self._collections.get(name)
        if found is None:
            flag, build = _COLLECTIONS[name]
            stored = self._flags.get(flag)
            if stored is None:
                stored = getattr(self, PRESENT, {}).get(flag, True)
            found = []
            if stored:
                statement = _statements.get(name)
                if statement is None:
                    statement = _statements[name] = build()
                found = list(db.session.scalars(statement, {"case_id": self.id}))
            self._collections[name] = found
        return found
    return property(read)


class CaseRow:
    """A case as its page reads it (see the module's docstring)."""

    __slots__ = (*COLUMNS, "author", "organisation", "themes", "_flags", "_collections",
                 PRESENT)

    def __init__(self, values, flags: dict):
        for name, value in zip(COLUMNS, values, strict=False):
            setattr(self, name, value)
        self._flags = flags
        self._collections: dict = {}
        self.themes: list = []

    @property
    def __class__(self):
        return Case

    is_hidden = property(Case.is_hidden.fget)
    is_public = property(Case.is_public.fget)
    is_dilemma = property(Case.is_dilemma.fget)
    is_locked = property(Case.is_locked.fget)
    editor_ids = property(Case.editor_ids.fget)

    tags = _collection("tags")
    editor_links = _collection("editor_links")
    attachments = _collection("attachments")
    principle_links = _collection("principle_links")
    gemeente_links = _collection("gemeente_links")


def organisation_from(values) -> OrganisationRow | None:
    """The case's organisation from (id, name, slug, kind, verified_at), or None."""
    if values[0] is None:
        return None
    organisation = OrganisationRow()
    (organisation.id, organisation.name, organisation.slug, organisation.kind,
     organisation.verified_at) = values
    return organisation
