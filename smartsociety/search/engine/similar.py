"""More-like-this: documents of one type whose indexed text resembles a given text."""
from whoosh.query import Or, Term

from smartsociety.search.engine import searching as engine
from smartsociety.search.engine.analysis import LANGUAGES
from smartsociety.search.engine.versions import IndexStore

KEY_TERMS = 12


def similar(store: IndexStore, text: str, doc_type: str, language: str = "nl",
            limit: int = 3) -> list[int]:
    """Ids of up to `limit` documents of `doc_type`, best match first, by the text's key terms
    (Whoosh's Bo1 expansion model weighs them against the whole index). Reads the index as it
    is, without the catch-up search() does: that costs a query, and suggestions may lag."""
    if not text.strip():
        return []
    fieldname = f"body_{language if language in LANGUAGES else 'nl'}"
    cache = engine.searcher_cache(store)
    with cache.lock:
        searcher = cache.current()
        if searcher is None:
            return []
        terms = searcher.key_terms_from_text(fieldname, text, numterms=KEY_TERMS)
        if not terms:
            return []
        query = Or([Term(fieldname, word, boost=weight) for word, weight in terms])
        hits = searcher.search(query, filter=Term("doc_type", doc_type), limit=limit)
        return [int(hit["key"].partition(":")[2]) for hit in hits]
