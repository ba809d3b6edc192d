"""Searchable document types, and the session hook that logs every write to one of them.

The API features use to put their records in the index: each registers its types from its
plug-in module (smartsociety/<feature>/plugins.py), with `REGISTRY.register(DocumentType(...))`
and `REGISTRY.watch(...)`; search knows nothing of the features."""
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartsociety.markup import plain_text as _plain_html_text
from smartsociety.models.search import SearchChange

# Bodies longer than this are cut for the index: snippets and ranking need no more.
MAX_BODY = 20_000


def plain_text(html_text: str) -> str:
    """The text a reader sees of sanitised HTML, for a document's body. (markup.plain_text keeps
    entities such as &lt;; snippets are escaped once when they are rendered.)"""
    return html.unescape(_plain_html_text(html_text))


# A function from a set of record ids to the index documents of those that are public:
# {id: {"title": ..., "body": ..., "language": "nl", "kind": ..., ...}} (see documents.py).
Loader = Callable[[Session, list[int]], dict[int, dict[str, Any]]]
Expander = Callable[[Session, list[int]], Iterable[tuple[str, int]]]


@dataclass
class DocumentType:
    name: str  # stored in the change log and in the index ("case"); also the "type" facet value
    model: type
    label: Any  # display name for the type facet (lazy string)
    load: Loader
    # Select of every record id that should be in the index (public ones), for rebuild/check.
    public_ids: Callable[[], sa.Select]
    # Other documents whose index entry depends on this record (a case's comments).
    dependents: Expander | None = None
    # Where a hit leads: (doc_id, stored fields) -> URL, or None when there is no such page.
    url: Callable[[int, dict], str | None] | None = None


@dataclass
class Registry:
    types: dict[str, DocumentType] = field(default_factory=dict)
    # model -> [(log name, id of the logged record given the changed object)]
    sources: dict[type, list[tuple[str, Callable[[Any], int | None]]]] = field(
        default_factory=dict
    )
    # log names that are not document types themselves ("organisation" -> its cases)
    expansions: dict[str, Expander] = field(default_factory=dict)

    def register(self, doc_type: DocumentType) -> None:
        self.types[doc_type.name] = doc_type
        self.watch(doc_type.model, doc_type.name, primary_key)

    def watch(self, model: type, name: str, id_of: Callable[[Any], int | None],
              expand: Expander | None = None) -> None:
        """Log a change `(name, id_of(obj))` whenever an object of `model` is written; `expand`
        maps such changes to the documents they affect when `name` is not a document type.
        Watching a model under a name again replaces the earlier watch (each app the factory
        creates registers its plug-ins again)."""
        entries = self.sources.setdefault(model, [])
        entries[:] = [entry for entry in entries if entry[0] != name] + [(name, id_of)]
        if expand is not None:
            self.expansions[name] = expand

    def affected(self, session: Session,
                 changes: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """The documents to refresh for a batch of logged changes (dependents come later, from
        the indexer, which knows whether what they inherit changed)."""
        docs: set[tuple[str, int]] = set()
        for name, ids in _group(changes).items():
            if name in self.types:
                docs.update((name, i) for i in ids)
            elif name in self.expansions:
                docs.update(self.expansions[name](session, sorted(ids)))
        return {d for d in docs if d[0] in self.types}

    def changes_for(self, obj) -> list[tuple[str, int]]:
        found = []
        for cls in type(obj).__mro__:
            for name, id_of in self.sources.get(cls, ()):
                doc_id = id_of(obj)
                if doc_id is not None:
                    found.append((name, doc_id))
        return found


def primary_key(obj) -> int | None:
    return obj.id


def _group(docs: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    grouped: dict[str, set[int]] = {}
    for name, doc_id in docs:
        grouped.setdefault(name, set()).add(doc_id)
    return grouped


REGISTRY = Registry()
PENDING_KEY = "search_changes_logged"


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, _flush_context) -> None:
    """Write the change log in the same transaction as the change itself, for every session."""
    if not REGISTRY.sources:
        return
    rows = set()
    changed = [*session.new, *(o for o in session.dirty if session.is_modified(o)),
               *session.deleted]
    for obj in changed:
        if type(obj) is not SearchChange:
            rows.update(REGISTRY.changes_for(obj))
    if rows:
        session.connection().execute(
            sa.insert(SearchChange),
            [{"doc_type": name, "doc_id": doc_id} for name, doc_id in sorted(rows)],
        )
        session.info[PENDING_KEY] = True
