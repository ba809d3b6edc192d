"""The shown hits of a results page, from their stored fields and snippets, kept per index.

A document's stored fields in a segment never change (an edit adds a new document, and a merge
a new segment), so a hit is known by its segment's id and its number there, and its snippet
also by the terms the page marks. A search computed again after an unrelated change of the
index (a new generation empties the results kept by searching.py) then finds the hits it shows
here instead of loading and highlighting them again; a hit that changed is a new document,
under a new key. Bounded in entries (least recently used go first); used under the searcher
cache's lock, like everything of one SearcherCache.
"""
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from markupsafe import Markup

from smartsociety.search.engine.snippets import snippet

HITS_KEPT = 2000
SNIPPETS_KEPT = 2000


@dataclass
class Hit:
    key: str
    doc_type: str
    doc_id: int
    case_id: int | None
    title: str
    kind: str
    status: str
    organisation: str
    org_kind: str
    language: str
    date: datetime | None
    snippet: Markup


def _fields(hit) -> Hit:
    doc_type, _, doc_id = hit["key"].partition(":")
    date = hit.get("date")
    return Hit(
        key=hit["key"],
        doc_type=doc_type,
        doc_id=int(doc_id),
        case_id=hit.get("case_id"),
        title=hit.get("title", ""),
        kind=hit.get("kind", ""),
        status=hit.get("status", ""),
        organisation=hit.get("organisation", ""),
        org_kind=hit.get("org_kind", ""),
        language=hit.get("language", "nl"),
        date=date.replace(tzinfo=UTC) if date else None,
        snippet=Markup(""),
    )


class _Recent(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def find(self, key):
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def keep(self, key, value) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class KeptHits:
    def __init__(self):
        self.hits = _Recent(HITS_KEPT)
        self.snippets = _Recent(SNIPPETS_KEPT)
        self.prefix_terms = _Recent(SNIPPETS_KEPT)

    def prefixed(self, found, hit, fieldname: str, prefixes: tuple, find) -> frozenset:
        """The terms of a hit's text (`fieldname`) that start with one of `prefixes` (`find`
        finds them in a text: the words new to the process are analysed only as far as
        needed, which analysis.py's memo does not keep, so they are kept here)."""
        where = _where(found.searcher.reader(), hit.docnum)
        key = (where, fieldname, prefixes)
        terms = self.prefix_terms.find(key) if where else None
        if terms is None:
            terms = frozenset(find(hit.get(fieldname) or ""))
            if where:
                self.prefix_terms.keep(key, terms)
        return terms

    def shown(self, found, shown) -> list[Hit]:
        """The page's hits (`shown`: Whoosh hits of `found`, their terms marked)."""
        reader = found.searcher.reader()
        marked = frozenset(found.termdocs)  # what the highlighter marks (snippets.mark_terms)
        result = []
        for hit in shown:
            where = _where(reader, hit.docnum)
            base = self.hits.find(where) if where else None
            if base is None:
                base = _fields(hit)
                if where:
                    self.hits.keep(where, base)
            text = self.snippets.find((where, marked)) if where else None
            if text is None:
                text = snippet(hit, base.language)
                if where:
                    self.snippets.keep((where, marked), text)
            result.append(replace(base, snippet=text))
        return result


def _where(reader, docnum: int) -> tuple | None:
    """(segment id, document number in the segment), or None for a reader of another kind."""
    readers = getattr(reader, "readers", None)
    if readers is not None:
        index, docnum = reader._segment_and_docnum(docnum)
        reader = readers[index]
    segment = reader.segment() if hasattr(reader, "segment") else None
    return (segment.segment_id(), docnum) if segment is not None else None
