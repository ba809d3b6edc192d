"""Reading the index: one searcher per process, refreshed when the index changes; queries,
facets, snippets and spelling suggestions."""
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from markupsafe import Markup, escape
from whoosh import highlight
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Prefix, Query, Term

from smartsociety.search.index import ANALYZERS, FACET_FIELDS, LANGUAGES, TITLE_BOOST, IndexStore
from smartsociety.search.query import ParsedQuery, Word

SNIPPET_CHARS = 240
FACET_LIMIT = 30


class _MarkFormatter(highlight.Formatter):
    """Matched words in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text):
        return str(escape(text))


class SearcherCache:
    """The process's searcher. Whoosh searchers are not meant to be shared by threads while one
    is being refreshed, so searches in one process take turns (each takes milliseconds)."""

    def __init__(self, store: IndexStore):
        self.store = store
        self.lock = threading.RLock()
        self.version = None
        self.index = None
        self.searcher = None

    def current(self):
        version = self.store.current_version()
        if version is None:
            return None
        if version != self.version:
            self.close()
            self.index = self.store.open(version)
            self.searcher = self.index.searcher()
            self.version = version
        elif not self.searcher.up_to_date():
            # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 its reader reuse brings back
            # segments the writer merged or emptied, so deleted documents would reappear.
            fresh = self.index.searcher()
            self.searcher.close()
            self.searcher = fresh
        return self.searcher

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
        if self.index is not None:
            self.index.close()
        self.searcher = self.index = self.version = None


_caches: dict[tuple[int, str], SearcherCache] = {}
_caches_lock = threading.Lock()


def searcher_cache(store: IndexStore) -> SearcherCache:
    key = (os.getpid(), str(store.root))
    with _caches_lock:
        if key not in _caches:
            _caches[key] = SearcherCache(store)
        return _caches[key]


def close_all() -> None:
    with _caches_lock:
        for cache in _caches.values():
            with cache.lock:
                cache.close()
        _caches.clear()


# -- query building ------------------------------------------------------------------------

PREFIX_TERMS = 20  # a prefix stands for at most this many words: the most frequent ones
PREFIX_SCAN = 5000


def _prefix_query(fieldname: str, text: str, boost: float, reader) -> Query | None:
    """Like Lucene's clause limit: "a*" must not turn into a query of thousands of words."""
    if reader is None:
        return Prefix(fieldname, text, boost=boost)
    terms = []
    for n, term in enumerate(reader.expand_prefix(fieldname, text)):
        if n >= PREFIX_SCAN:
            break
        terms.append(term)
    if len(terms) > PREFIX_TERMS:
        terms = sorted(terms, key=lambda t: -reader.doc_frequency(fieldname, t))[:PREFIX_TERMS]
    if not terms:
        return None
    words = [t.decode() if isinstance(t, bytes) else t for t in terms]
    return Or([Term(fieldname, w, boost=boost) for w in words])


def _field_query(fieldname: str, lang: str, item, boost: float, reader=None) -> Query | None:
    if isinstance(item, Word) and item.prefix:
        return _prefix_query(fieldname, item.text, boost, reader)
    text = item.text if isinstance(item, Word) else " ".join(item.words)
    tokens = [t.text for t in ANALYZERS[lang](text)]
    if not tokens:
        return None  # a stop word in this language
    if len(tokens) == 1:
        return Term(fieldname, tokens[0], boost=boost)
    return Phrase(fieldname, tokens, boost=boost)


def item_query(item, reader=None) -> Query | None:
    parts = []
    for lang in LANGUAGES:
        for prefix, boost in (("title", TITLE_BOOST), ("body", 1.0)):
            q = _field_query(f"{prefix}_{lang}", lang, item, boost, reader)
            if q is not None:
                parts.append(q)
    return Or(parts) if parts else None


def to_whoosh(parsed: ParsedQuery, reader=None) -> Query | None:
    """None when nothing searchable is left (only stop words). With a reader, prefixes are
    expanded to the index's words (a prefix that matches no word makes its clause match
    nothing)."""
    clauses = []
    for clause in parsed.required:
        alternatives = [q for q in (item_query(it, reader) for it in clause) if q is not None]
        if alternatives:
            clauses.append(Or(alternatives) if len(alternatives) > 1 else alternatives[0])
        elif reader is not None and any(isinstance(it, Word) and it.prefix for it in clause):
            clauses.append(NullQuery)
    excluded = [q for q in (item_query(it, reader) for it in parsed.excluded) if q is not None]
    if not clauses and not excluded:
        return None
    positive = And(clauses) if clauses else Every()
    return AndNot(positive, Or(excluded)) if excluded else positive


# -- searching -----------------------------------------------------------------------------

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


@dataclass
class SearchResults:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    stop_words_only: bool = False


def _snippet(hit, lang: str) -> Markup:
    fieldname = f"body_{lang}"
    try:
        text = hit.highlights(fieldname, top=2)
    except (KeyError, ValueError):
        text = ""
    if text:
        return Markup(text)
    body = hit.get(fieldname) or ""
    short = body[:SNIPPET_CHARS]
    return escape(short + ("…" if len(body) > SNIPPET_CHARS else ""))


def _hit(hit) -> Hit:
    doc_type, _, doc_id = hit["key"].partition(":")
    date = hit.get("date")
    lang = hit.get("language", "nl")
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
        language=lang,
        date=date.replace(tzinfo=timezone.utc) if date else None,
        snippet=_snippet(hit, lang),
    )


def _mask(ids, size: int) -> int:
    bits = bytearray((size >> 3) + 1)
    for docnum in ids:
        bits[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(bits, "little")


def _segment_masks(leaf) -> tuple[int, dict[str, dict[str, int]]]:
    size = leaf.doc_count_all()
    live = _mask(leaf.all_doc_ids(), size)
    values = {}
    for name in FACET_FIELDS:
        values[name] = {
            (term.decode() if isinstance(term, bytes) else str(term)):
            _mask(leaf.postings(name, term).all_ids(), size) & live
            for term in leaf.lexicon(name)
        }
    return live, values


# Segment masks outlive searchers: after a small commit only the new segment is read.
_segment_cache: dict[tuple, tuple[int, dict]] = {}
_SEGMENT_CACHE_SIZE = 64


class FacetMasks:
    """Per searcher: for every facet value, the set of its documents as a bit mask (a Python
    int), so counting a value among the matches is one AND and a popcount, not a loop."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = 0
        self.values: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
        for leaf, offset in reader.leaf_readers():
            segment = leaf.segment()
            key = (id(leaf),) if segment is None else (
                segment.segment_id(), segment.deleted_count())
            masks = _segment_cache.get(key) if segment is not None else None
            if masks is None:
                masks = _segment_masks(leaf)
                if segment is not None:
                    if len(_segment_cache) >= _SEGMENT_CACHE_SIZE:
                        _segment_cache.pop(next(iter(_segment_cache)))
                    _segment_cache[key] = masks
            live, values = masks
            self.live |= live << offset
            for name, by_value in values.items():
                merged = self.values[name]
                for value, mask in by_value.items():
                    merged[value] = merged.get(value, 0) | (mask << offset)

    def mask(self, ids) -> int:
        return _mask(ids, self.size)


def _filter(filters: dict[str, list[str]]) -> Query | None:
    parts = []
    for name, values in filters.items():
        values = [v for v in values if v]
        if name in FACET_FIELDS and values:
            parts.append(Or([Term(name, v) for v in values]) if len(values) > 1
                         else Term(name, values[0]))
    return And(parts) if parts else None


def suggest(searcher, parsed: ParsedQuery) -> str | None:
    """A corrected query when some plain word occurs nowhere in the index."""
    corrector = searcher.corrector("spell")
    corrections = {}
    for item in parsed.items():
        if not isinstance(item, Word) or item.prefix or len(item.text) < 3:
            continue
        if searcher.doc_frequency("spell", item.text):
            continue
        found = corrector.suggest(item.text, limit=1, maxdist=2, prefix=1)
        if found and found[0] != item.text:
            corrections[item.text] = found[0]
    return parsed.replaced(corrections) if corrections else None


MAX_RESULTS = 1000  # deeper than this, refining the search serves better than paging


def _facet_masks(cache: "SearcherCache", searcher) -> FacetMasks:
    if getattr(cache, "masks_for", None) is not searcher:
        cache.masks = FacetMasks(searcher)
        cache.masks_for = searcher
    return cache.masks


def search(store: IndexStore, parsed: ParsedQuery, filters: dict[str, list[str]],
           sort: str = "relevance", page: int = 1, per_page: int = 20,
           browse: bool = False) -> SearchResults:
    """Run a parsed query. With `browse`, an empty query lists everything (newest first)."""
    results = SearchResults(page=page, per_page=per_page)
    query = to_whoosh(parsed)
    if query is None:
        if not parsed.is_empty:
            results.stop_words_only = True
        if not browse:
            return results
        query, sort = None, "date"
    cache = searcher_cache(store)
    with cache.lock:
        searcher = cache.current()
        if searcher is None:
            return results
        masks = _facet_masks(cache, searcher)
        query = Every() if query is None else (to_whoosh(parsed, searcher.reader()) or NullQuery)
        matched = masks.mask(query.matcher(searcher).all_ids()) & masks.live
        selected = matched
        for name, values in filters.items():
            if name in masks.values:
                union = 0
                for value in values:
                    union |= masks.values[name].get(value, 0)
                selected &= union
        results.total = selected.bit_count()
        for name, values in masks.values.items():
            results.facets[name] = sorted(
                ((value, (selected & mask).bit_count()) for value, mask in values.items()),
                key=lambda vc: (-vc[1], vc[0]),
            )
            results.facets[name] = [vc for vc in results.facets[name] if vc[1]][:FACET_LIMIT]
        first = (page - 1) * per_page
        if results.total and first < min(results.total, MAX_RESULTS):
            kwargs = {"filter": _filter(filters), "limit": min(first + per_page, MAX_RESULTS)}
            if sort == "date":
                kwargs.update(sortedby="date", reverse=True)
            found = searcher.search(query, **kwargs)
            found.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
            found.formatter = _MarkFormatter()
            results.hits = [_hit(hit) for hit in found[first:first + per_page]]
        if results.total < 3 and not parsed.is_empty:
            results.suggestion = suggest(searcher, parsed)
    return results
