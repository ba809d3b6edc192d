"""Reading the index: the process's searcher and result cache, queries, facets, did-you-mean."""
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Prefix, Query, Term
from whoosh.searching import Results

from smartsociety.search.engine.analysis import LANGUAGES, analysis_key, tokens
from smartsociety.search.engine.basis import Basis, basis_of, holds
from smartsociety.search.engine.hits import Hit, KeptHits
from smartsociety.search.engine.masks import FacetMasks, match_mask
from smartsociety.search.engine.schema import (
    COMPOUND_LANGUAGES,
    FACET_FIELDS,
    PAIRS,
    PART_BOOST,
    PARTS,
    PREFIX_MAX,
    PREFIXES,
    TITLE_BOOST,
    pair_term,
)
from smartsociety.search.engine.scoring import newest, scored_top
from smartsociety.search.engine.snippets import highlighter, mark_terms
from smartsociety.search.engine.spelling import Corrector, suggest
from smartsociety.search.engine.versions import IndexStore, reopen, stat_key
from smartsociety.search.query import ParsedQuery, Word

FACET_LIMIT = 30
RESULT_CACHE_SIZE = 512


class SearcherCache:
    """The process's searcher. Whoosh searchers are not meant to be shared by threads while one
    is being refreshed, so searches in one process take turns (each takes milliseconds).

    Also the process's recent results, valid for exactly one generation of one index version:
    any commit or rebuild makes a new generation, which empties the cache (so a result is never
    older than the searcher that would compute it again)."""

    def __init__(self, store: IndexStore):
        self.store = store
        self.lock = threading.RLock()
        self.version = None
        self.index = None
        self.searcher = None
        self.behind = False
        self.reopened = False  # the last current() opened or reopened the searcher
        self.results: OrderedDict[tuple, SearchResults] = OrderedDict()
        self.results_for = None
        self.hits = KeptHits()  # the shown hits' fields and snippets, across generations
        # The version directory's stat when the searcher was last found up to date: a new
        # generation adds a file to it, so while the stat stays (settled), the searcher is
        # still up to date without Whoosh listing the directory (a case page asks every view).
        self.checked_dir = None

    def cached_results(self, searcher, key) -> "SearchResults | None":
        generation = (self.version, searcher.reader().generation())
        if self.results_for != generation:
            self.results.clear()
            self.results_for = generation
            return None
        found = self.results.get(key)
        if found is not None:
            self.results.move_to_end(key)
        return found

    def store_results(self, key, results: "SearchResults") -> None:
        self.results[key] = results
        if len(self.results) > RESULT_CACHE_SIZE:
            self.results.popitem(last=False)

    def current(self):
        version = self.store.current_version()
        self.reopened = False
        if version is None:
            return None
        if version != self.version:
            self.close()
            self.index = self.store.open(version)
            self.searcher = self.index.searcher()
            self.version = version
            self.behind = False
            self.reopened = True
            return self.searcher
        try:
            directory, settled = stat_key(version)
        except FileNotFoundError:
            directory, settled = None, False
        if directory is not None and directory == self.checked_dir:
            self.behind = False
        elif not self.searcher.up_to_date():
            self.checked_dir = None
            self.reopened = True
            fresh = reopen(self.index, self.searcher)
            self.behind = fresh is self.searcher
            self.searcher = fresh
        else:
            self.behind = False
            self.checked_dir = directory if settled else None
        return self.searcher

    def close(self) -> None:
        self.checked_dir = None
        self.results.clear()
        self.results_for = None
        self.hits = KeptHits()
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


def _field_query(fieldname: str, lang: str, item, boost: float, reader=None,
                 shadow: bool = True) -> Query | None:
    """With `shadow`, phrases and short prefixes use the index's pairs and prefixes fields
    (same documents, one posting list); without, the plain form (used for highlighting)."""
    schema = reader.schema if reader is not None and shadow else None
    if isinstance(item, Word) and item.prefix:
        if schema is not None and fieldname + PREFIXES in schema and len(item.text) <= PREFIX_MAX:
            return Term(fieldname + PREFIXES, item.text, boost=boost)
        return _prefix_query(fieldname, item.text, boost, reader)
    text = item.text if isinstance(item, Word) else " ".join(item.words)
    if reader is not None and fieldname in reader.schema:
        lang = analysis_key(reader.schema[fieldname])  # (an older index: its own analysis)
    words = tokens(lang, text)
    if not words:
        return None  # a stop word in this language
    if len(words) == 1:
        return Term(fieldname, words[0], boost=boost)
    phrase = Phrase(fieldname, words, boost=boost)
    if schema is None or fieldname + PAIRS not in schema:
        return phrase
    common = schema[fieldname + PAIRS].common
    pairs = [Term(fieldname + PAIRS, pair_term(a, b), boost=boost)
             for a, b in zip(words, words[1:]) if a in common and b in common]
    if len(words) == 2 and pairs:
        return pairs[0]
    # Longer: the pairs narrow it down to few documents, the phrase checks the word order there.
    return And([*pairs, phrase]) if pairs else phrase


def _part_query(fieldname: str, lang: str, item, boost: float, reader) -> Query | None:
    """A word as a part of compounds ("sensor" in "parkeersensoren"), weighing less than
    the word itself. A compound query matches the compound (and compounds it is part of)."""
    parts = fieldname + PARTS
    if (lang not in COMPOUND_LANGUAGES or not isinstance(item, Word) or item.prefix
            or reader is not None and parts not in reader.schema):
        return None
    words = tokens(lang, item.text)
    return Term(parts, words[0], boost=boost * PART_BOOST) if len(words) == 1 else None


def item_query(item, reader=None, shadow: bool = True) -> Query | None:
    whole, parts = [], []
    for lang in LANGUAGES:
        for prefix, boost in (("title", TITLE_BOOST), ("body", 1.0)):
            fieldname = f"{prefix}_{lang}"
            q = _field_query(fieldname, lang, item, boost, reader, shadow)
            if q is not None:
                whole.append(q)
            q = _part_query(fieldname, lang, item, boost, reader)
            if q is not None:
                parts.append(q)
    # (The parts last: a document without any adds the scores of its terms in the order it
    # did before, so Whoosh's sums and the engine's stay the same floats.)
    return Or(whole + parts) if whole or parts else None


def to_whoosh(parsed: ParsedQuery, reader=None, shadow: bool = True) -> Query | None:
    """None when nothing searchable is left (only stop words). With a reader, prefixes are
    expanded to the index's words (a prefix that matches no word makes its clause match
    nothing), and phrases and short prefixes use the shadow fields unless `shadow` is off."""
    clauses = []
    for clause in parsed.required:
        alternatives = [q for q in (item_query(it, reader, shadow) for it in clause)
                        if q is not None]
        if alternatives:
            clauses.append(Or(alternatives) if len(alternatives) > 1 else alternatives[0])
        elif reader is not None and any(isinstance(it, Word) and it.prefix for it in clause):
            clauses.append(NullQuery)
    excluded = [q for q in (item_query(it, reader, shadow) for it in parsed.excluded)
                if q is not None]
    if not clauses and not excluded:
        return None
    positive = And(clauses) if clauses else Every()
    return AndNot(positive, Or(excluded)) if excluded else positive


# -- searching -----------------------------------------------------------------------------

@dataclass
class SearchResults:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    stop_words_only: bool = False
    cached: bool = False  # served from the result cache (same index generation)
    behind: bool = False  # the index has changed in a way this process could not open yet
    timings: dict[str, float] = field(default_factory=dict)  # ms per step, for Server-Timing
    basis: Basis | None = None  # what they were computed from (engine/basis.py)


def _filter(filters: dict[str, list[str]]) -> Query | None:
    parts = []
    for name, values in filters.items():
        values = [v for v in values if v]
        if name in FACET_FIELDS and values:
            parts.append(Or([Term(name, v) for v in values]) if len(values) > 1
                         else Term(name, values[0]))
    return And(parts) if parts else None


# The name it had here (tests compare it with Whoosh's corrector).
_Corrector = Corrector


MAX_RESULTS = 1000  # deeper than this, refining the search serves better than paging
SPARSE = 2000  # sorting by date: up to this many matches, sort them all


def _facet_masks(cache: "SearcherCache", searcher) -> FacetMasks:
    if getattr(cache, "masks_for", None) is not searcher:
        cache.masks = FacetMasks(searcher)
        cache.masks_for = searcher
    return cache.masks


def run_query(parsed: ParsedQuery, reader) -> Query:
    """The Whoosh query search() runs for `parsed` on `reader` (browsing: Every)."""
    if to_whoosh(parsed) is None:
        return Every()
    return to_whoosh(parsed, reader) or NullQuery


def still_holds(store: IndexStore, basis: Basis) -> Basis | None:
    """`basis` moved to the generation this process's searcher shows now, when results computed
    on it would be the same there (engine/basis.py); None when they may differ or the searcher
    is behind."""
    cache = searcher_cache(store)
    with cache.lock:
        searcher = cache.current()
        if searcher is None or cache.behind:
            return None
        return holds(basis, cache.version, searcher,
                     lambda: run_query(basis.parsed, searcher.reader()))


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
    timings = results.timings
    started = time.perf_counter()

    def step(name):
        nonlocal started
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + (now - started) * 1000
        started = now

    with cache.lock:
        step("lock")
        searcher = cache.current()
        step("reopen" if cache.reopened else "searcher")
        if searcher is None:
            return results
        key = (repr(parsed), tuple(sorted((k, tuple(v)) for k, v in filters.items())), sort,
               page, per_page, browse)
        hit = cache.cached_results(searcher, key)
        if hit is not None:
            return replace(hit, cached=True, behind=cache.behind, timings=timings)
        results.behind = cache.behind
        masks = _facet_masks(cache, searcher)
        step("masks")
        query = Every() if query is None else (to_whoosh(parsed, searcher.reader()) or NullQuery)
        matched = match_mask(query, searcher) & masks.live
        step("match")
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
        step("facets")
        first = (page - 1) * per_page
        if results.total and first < min(results.total, MAX_RESULTS):
            limit = min(first + per_page, MAX_RESULTS)
            if sort == "date":
                # The matches are known (the mask): no need to score them to order by date.
                top = newest(searcher, selected, results.total, limit, SPARSE)
                found = Results(searcher, query, [(None, d) for d in top])
            else:
                top = scored_top(query, searcher, selected, limit)
                found = (searcher.search(query, filter=_filter(filters), limit=limit)
                         if top is None else Results(searcher, query, top))
            step("order")
            found.highlighter = highlighter()
            shown = found[first:first + per_page]
            mark_terms(found, parsed, shown, cache.hits)
            results.hits = cache.hits.shown(found, shown)
            step("hits")
        may_suggest = results.total < 3 and not parsed.is_empty
        if may_suggest:
            results.suggestion = suggest(searcher, parsed)
            step("suggest")
        results.basis = basis_of(cache.version, searcher, parsed, query, filters, selected,
                                 may_suggest)
        cache.store_results(key, results)
    return results
