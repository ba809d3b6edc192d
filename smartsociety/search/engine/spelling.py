"""Did-you-mean: Whoosh's reader corrector, the words that cannot be close left out by numpy."""
from collections import OrderedDict

import numpy as np
from whoosh.spelling import ReaderCorrector
from whoosh.support.levenshtein import distance

from smartsociety.search.engine import dutch
from smartsociety.search.engine.analysis import analysis_key, tokens
from smartsociety.search.engine.masks import segment_id
from smartsociety.search.query import ParsedQuery, Word


class _Words:
    """A segment's words starting with one prefix: their lengths, and how often each letter
    occurs in each (a row per word, a column per letter of `alphabet`)."""

    def __init__(self, words: list[str]):
        self.words = words
        self.lengths = np.array([len(w) for w in words], dtype=np.int64)
        codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        self.alphabet = np.unique(codes)
        self.letters = {chr(c): i for i, c in enumerate(self.alphabet.tolist())}
        # One byte a count when no word is longer than a byte holds (a word of the index is).
        small = not len(words) or int(self.lengths.max()) < 256
        self.counts = np.zeros((len(words), len(self.alphabet)),
                               dtype=np.uint8 if small else np.int32)
        rows = np.repeat(np.arange(len(words)), self.lengths)
        np.add.at(self.counts, (rows, np.searchsorted(self.alphabet, codes)), 1)

    def near(self, text: str, maxdist: int) -> list[str]:
        """The words whose length differs by at most `maxdist` and whose letters differ by
        at most two per edit (a substitution changes two letter counts, an insertion or
        deletion one, a transposition none): the only ones that can be within `maxdist`."""
        # int16 (when it holds every count): with uint8 counts the difference is then
        # computed in two bytes a letter.
        wanted = np.zeros(len(self.alphabet),
                          dtype=np.int16 if len(text) < 2 ** 15 else np.int32)
        elsewhere = 0  # letters of `text` that none of the words has
        for char in text:
            column = self.letters.get(char)
            if column is None:
                elsewhere += 1
            else:
                wanted[column] += 1
        differ = np.abs(self.counts - wanted).sum(axis=1) + elsewhere
        close = (np.abs(self.lengths - len(text)) <= maxdist) & (differ <= 2 * maxdist)
        return [self.words[i] for i in np.flatnonzero(close).tolist()]

    @property
    def nbytes(self) -> int:
        """About what it holds: the arrays, the words (~60 bytes a str), the objects."""
        return self.counts.nbytes + self.lengths.nbytes + 60 * len(self.words) + 500


# By segment id (a segment's words never change), field and prefix. Bounded in bytes: a
# frequent prefix of a large index has tens of thousands of words (~1 MB).
_words_cache: OrderedDict[tuple, _Words] = OrderedDict()
_words_cache_bytes = 0
WORDS_CACHE_BYTES = 8 * 1024 * 1024


def _segment_words(leaf, fieldname: str, fieldobj, prefix: str) -> _Words:
    global _words_cache_bytes
    segment = segment_id(leaf)
    key = (segment, fieldname, prefix)
    if segment is not None and key in _words_cache:
        _words_cache.move_to_end(key)
        return _words_cache[key]
    found = _Words([fieldobj.from_bytes(btext)
                    for btext in leaf.expand_prefix(fieldname, prefix)])
    if segment is not None:
        _words_cache[key] = found
        _words_cache_bytes += found.nbytes
        while _words_cache_bytes > WORDS_CACHE_BYTES and len(_words_cache) > 1:
            _key, old = _words_cache.popitem(last=False)
            _words_cache_bytes -= old.nbytes
    return found


class Corrector(ReaderCorrector):
    """Whoosh's ReaderCorrector, but words that cannot be within `maxdist` edits are skipped
    before the (pure Python) edit distance (see _Words.near), and each segment's words of a
    prefix are read once. Same suggestions, a fraction of the time."""

    def _suggestions(self, text, maxdist, prefix):
        reader, fieldname = self.reader, self.fieldname
        candidates = set()
        for leaf, _offset in reader.leaf_readers():
            candidates.update(
                _segment_words(leaf, fieldname, self.fieldobj, text[:prefix]).near(text, maxdist))
        for word in sorted(candidates):
            if distance(word, text, limit=maxdist) <= maxdist:
                f = reader.frequency(fieldname, word) or 1
                yield 0 - (maxdist + (1.0 / f * 0.5)), word


DUTCH_FIELDS = ("title_nl", "body_nl", "title_nl_parts", "body_nl_parts")


def _dutch_terms(searcher) -> bool:
    """Whether the index has Dutch lemmas (not an index built before them)."""
    schema = searcher.schema
    return "title_nl" in schema and analysis_key(schema["title_nl"]) == "nl"


def _in_dutch_fields(searcher, term: str) -> bool:
    return any(searcher.doc_frequency(name, term) for name in DUTCH_FIELDS
               if name in searcher.schema)


def suggest(searcher, parsed: ParsedQuery) -> str | None:
    """A corrected query when some plain word occurs nowhere in the index. With Dutch lemmas
    in the index, a word whose lemma (or compound part) is indexed needs no correction, and
    a suggested word is given as its lemma ("sensorenn" -> "sensor") when that is indexed."""
    corrector = Corrector(searcher.reader(), "spell", searcher.schema["spell"])
    lemmas = _dutch_terms(searcher)
    corrections = {}
    for item in parsed.items():
        if not isinstance(item, Word) or item.prefix or len(item.text) < 3:
            continue
        if searcher.doc_frequency("spell", item.text):
            continue
        if lemmas and any(_in_dutch_fields(searcher, t) for t in tokens("nl", item.text)):
            continue
        found = corrector.suggest(item.text, limit=1, maxdist=2, prefix=2)
        if found and found[0] != item.text:
            word = found[0]
            if lemmas:
                lemma = dutch.lemma(word)
                if lemma and lemma != item.text and _in_dutch_fields(searcher, lemma):
                    word = lemma
            corrections[item.text] = word
    return parsed.replaced(corrections) if corrections else None
