"""The case page's case in one query, with a flag per collection and per section saying whether
anything is stored: an empty one then costs no query. Most cases have no attachments, tags,
editors, linked principles, sensors or events, and each of those was a query on every view of
the page (docs/performance.md, issue 23 item 3)."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from smartsociety.cases import authors, caserow
from smartsociety.cases.caserow import CaseRow
from smartsociety.cases.sections import CASE_PAGE
from smartsociety.extensions import db
from smartsociety.models import (
    Attachment,
    Case,
    CaseEditor,
    CasePrincipleLink,
    Organisation,
    User,
    case_tag,
)
from smartsociety.models.case import CaseTheme
from smartsociety.sections import PRESENT

# The case's own collections the page shows: each is loaded (lazily, one query, as a
# selectinload would) only when its flag says it has rows; otherwise it is set empty.
COLLECTIONS = {
    "tags": lambda: sa.exists().where(case_tag.c.case_id == Case.id),
    "editor_links": lambda: sa.exists().where(CaseEditor.case_id == Case.id),
    "attachments": lambda: sa.exists().where(Attachment.case_id == Case.id),
    "principle_links": lambda: sa.exists().where(CasePrincipleLink.case_id == Case.id),
}


# Per set of sections (one per process; a test builds many apps), a statement each way.
_statements: dict = {}
_CASE = Case.__table__
_ORGANISATION = Organisation.__table__.alias("case_organisation")
_THEME = CaseTheme.__table__


def _statement(plain: bool):
    """Built once per set of sections: SQLAlchemy then finds its compiled form by the object
    instead of walking a dozen subqueries for a cache key on every view. `plain`: Core
    columns for a `CaseRow` (cases/caserow.py), one row per theme."""
    key = tuple((section.name, id(section.present)) for section in CASE_PAGE.ordered()
                if section.present is not None)
    built = _statements.get(key)
    if built is None:
        _statements.clear()
        built = _statements[key] = {}
    found = built.get(plain)
    if found is None:
        sections = CASE_PAGE.present_columns(Case.id)
        collections = {name: make().label(f"has_{name}") for name, make in COLLECTIONS.items()}
        flags = [*collections.values(), *sections.values()]
        if plain:
            source = (_CASE.outerjoin(_ORGANISATION, _ORGANISATION.c.id == _CASE.c.organisation_id)
                      .outerjoin(_THEME, _THEME.c.case_id == _CASE.c.id))
            statement = (
                sa.select(*(_CASE.c[name] for name in caserow.COLUMNS), *_organisation_columns(),
                          _THEME.c.theme, *flags, *authors.LABELLED)
                .select_from(authors.joined(source, _CASE.c.author_id))
                .where(_CASE.c.id == sa.bindparam("case_id")).order_by(_THEME.c.theme))
        else:
            statement = (
                sa.select(Case, *flags).where(Case.id == sa.bindparam("case_id"))
                .options(joinedload(Case.author).joinedload(User.organisation),
                         joinedload(Case.organisation),
                         # Joined too: a case has one to three themes, so a few repeated rows
                         # cost less than a second query.
                         joinedload(Case.theme_links)))
        found = built[plain] = (statement, tuple(collections), tuple(sections))
    return found


def _organisation_columns() -> tuple:
    return (_ORGANISATION.c.id, _ORGANISATION.c.name, _ORGANISATION.c.slug,
            _ORGANISATION.c.kind, _ORGANISATION.c.verified_at)


def load_case(case_id: int, plain: bool = False) -> Case | None:
    """The case with its author, organisations, themes and flags; its empty collections set
    empty and the sections' flags kept on it (`smartsociety.sections.stored_nothing`).
    `plain` (an anonymous reader's page): a `CaseRow` (cases/caserow.py) instead of the
    entity, its author an `AuthorRow` (cases/authors.py)."""
    statement, collections, sections = _statement(plain)
    if plain:
        return _case_row(db.session.execute(statement, {"case_id": case_id}).all(),
                         collections, sections)
    row = db.session.execute(statement, {"case_id": case_id}).unique().first()
    if row is None:
        return None
    case, values = row[0], row._mapping
    for name in collections:
        if not values[f"has_{name}"]:
            set_committed_value(case, name, [])
    setattr(case, PRESENT, {name: bool(values[f"present_{name}"]) for name in sections})
    return case


def _case_row(rows, collections, sections) -> CaseRow | None:
    if not rows:
        return None
    first = rows[0]
    columns = len(caserow.COLUMNS)
    organisation = columns + len(_organisation_columns())
    flags = organisation + 1
    case = CaseRow(first[:columns], {f"has_{name}": bool(first[flags + n])
                                     for n, name in enumerate(collections)})
    case.organisation = caserow.organisation_from(first[columns:organisation])
    case.themes = [row[organisation] for row in rows if row[organisation] is not None]
    flags += len(collections)
    setattr(case, PRESENT, {name: bool(first[flags + n]) for n, name in enumerate(sections)})
    case.author = authors.author_from(first, flags + len(sections), {})
    return case
