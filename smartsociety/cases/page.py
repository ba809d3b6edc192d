"""The case page's case in one query, with a flag per collection and per section saying whether
anything is stored: an empty one then costs no query. Most cases have no attachments, tags,
editors, linked principles, sensors or events, and each of those was a query on every view of
the page (docs/performance.md, issue 23 item 3)."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from smartsociety.cases import authors
from smartsociety.cases.sections import CASE_PAGE
from smartsociety.extensions import db
from smartsociety.models import Attachment, Case, CaseEditor, CasePrincipleLink, User, case_tag
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


def _statement(plain_author: bool):
    """Built once per set of sections: SQLAlchemy then finds its compiled form by the object
    instead of walking a dozen subqueries for a cache key on every view. With `plain_author`,
    the author, their organisation and membership come as columns (cases/authors.py) instead
    of entities."""
    key = tuple((section.name, id(section.present)) for section in CASE_PAGE.ordered()
                if section.present is not None)
    built = _statements.get(key)
    if built is None:
        _statements.clear()
        built = _statements[key] = {}
    found = built.get(plain_author)
    if found is None:
        sections = CASE_PAGE.present_columns(Case.id)
        collections = {name: make().label(f"has_{name}") for name, make in COLLECTIONS.items()}
        # Joined too: a case has one to three themes, so a few repeated rows cost less than a
        # second query.
        options = [joinedload(Case.organisation), joinedload(Case.theme_links)]
        columns = [*collections.values(), *sections.values()]
        if plain_author:
            statement = (sa.select(Case, *columns, *authors.LABELLED)
                         .select_from(authors.joined(Case.__table__, Case.__table__.c.author_id)))
        else:
            statement = sa.select(Case, *columns)
            options.append(joinedload(Case.author).joinedload(User.organisation))
        statement = statement.where(Case.id == sa.bindparam("case_id")).options(*options)
        found = built[plain_author] = (statement, tuple(collections), tuple(sections))
    return found


def load_case(case_id: int, plain_author: bool = False) -> tuple[Case, object] | None:
    """The case with its organisation, themes and flags, its empty collections set empty and
    the sections' flags kept on it (`smartsociety.sections.stored_nothing`); and its author:
    the User (loaded with it), or with `plain_author` (an anonymous reader's page) a row
    (cases/authors.py), the User then left unloaded."""
    statement, collections, sections = _statement(plain_author)
    row = db.session.execute(statement, {"case_id": case_id}).unique().first()
    if row is None:
        return None
    case, values = row[0], row._mapping
    for name in collections:
        if not values[f"has_{name}"]:
            set_committed_value(case, name, [])
    setattr(case, PRESENT, {name: bool(values[f"present_{name}"]) for name in sections})
    if not plain_author:
        return case, case.author
    return case, authors.author_from(row, 1 + len(collections) + len(sections), {})
