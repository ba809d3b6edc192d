"""Text analysis for the index: the Dutch and English analyzers, and the field types that index
with a fast path giving exactly the terms and positions of those analyzers.

Dutch is indexed by lemma (simplemma's data, `search/dutch.py`), and each Dutch compound's
parts go to a field of their own (`<field>_parts`, counted, without positions), so a match on a
part can weigh less than a match on the whole word. English keeps Snowball. Indexes built
before this used Snowball for Dutch too: their schema's fields say so (see `analysis_key`),
and they are read and written that way until `flask search rebuild`.

Whoosh's analyzers pass a Token object through a generator per filter for every word, which
was a third of the time of building an index. A word's indexed form depends on the word alone
(lowercase, fold accents, drop stop words, stem), so it is computed once per distinct word and
looked up after that. Queries and highlighting keep using the analyzers themselves; a test
checks that both give the same terms and positions.
"""
import re
from itertools import repeat

from whoosh import formats
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.fields import TEXT, FieldType
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map
from whoosh.system import emptybytes, pack_uint

from smartsociety.search.engine import dutch

LANGUAGES = ("nl", "en")
# Memo sizes: emptied when full, so memory stays bounded whatever words people type. A
# builder of a rebuild of 100,000 posts of the benchmark sees ~320,000 distinct words.
STEM_CACHE_SIZE = 500_000
FOLD_CACHE_SIZE = 500_000
PARTS_CACHE_SIZE = 500_000


class CachedStemFilter(StemFilter):
    """StemFilter with a plain dict as cache: Whoosh's LFU cache (50,000 words) costs more in
    bookkeeping than it saves on a large vocabulary."""

    keeps_initial = True  # a stem starts with the word's first letter (snippets rely on it)

    def __init__(self, lang: str):
        super().__init__(lang=lang, cachesize=None)

    def clear(self):
        super().clear()  # with cachesize None: self._stem is the bare stemmer
        self._stem = dutch.memoised(self._stem, STEM_CACHE_SIZE)


class LemmaFilter(CachedStemFilter):
    """Dutch words to their index terms (`dutch.term`: lemma, an unknown compound's head
    lemma, else the Snowball stem), cached like CachedStemFilter."""

    keeps_initial = False  # "geregistreerd" -> "registreren"

    def __init__(self):
        StemFilter.__init__(self, stemfn=dutch.term, lang=None, cachesize=None)


class PartsFilter(Filter):
    """A compound term -> its parts' terms, each at the compound's position; other terms go."""

    def __call__(self, tokens):
        parts = dutch.parts
        for t in tokens:
            if t.stopped:
                continue
            whole = t.text
            for part in parts(whole):
                t.text = part
                yield t


def language_analyzer(lang: str, lemmas: bool | None = None):
    """Whoosh's LanguageAnalyzer chain, with accents folded before stemming so "België" and
    "Belgie" meet; for Dutch (unless `lemmas` is False) lemmas instead of stems."""
    if lemmas is None:
        lemmas = lang == "nl"
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=stopwords_for_language(lang) | (
            dutch.EXTRA_STOP_WORDS if lemmas else frozenset()), minsize=1)
        | (LemmaFilter() if lemmas else CachedStemFilter(lang=lang))
    )


SPELL_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
ANALYZERS = {lang: language_analyzer(lang) for lang in LANGUAGES}
# Analysis keys: a language's current analysis, and the ones of indexes built before.
LEGACY = {"nl": "nl-stem"}
ALL_ANALYZERS = {**ANALYZERS, "nl-stem": language_analyzer("nl", lemmas=False)}
PARTS_ANALYZER = language_analyzer("nl") | PartsFilter()
LINES = RegexTokenizer(r"[^\n]+")  # shadow field values: one term per line

# RegexTokenizer's default pattern, its group made non-capturing for findall.
_WORD = re.compile(default_pattern.pattern.replace("(\\.", "(?:\\."))
_STOP = object()


class _Folder:
    """A language's word -> indexed term (None for a stop word), memoised per distinct word."""

    def __init__(self, lang: str | None):
        if lang is None:  # the spelling field: lowercase and fold accents only
            self.stops, self.stem = frozenset(), None
        else:
            analyzer = ALL_ANALYZERS[lang]
            stop_filter = next(f for f in analyzer.items if isinstance(f, StopFilter))
            stem_filter = next(f for f in analyzer.items if isinstance(f, StemFilter))
            # This memo is per word already: for Dutch lemmas (`dutch.term`, a lookup) the
            # filter's own memo would only keep every word's term a second time. Snowball
            # stems cost more, and case variants of a word share the filter's memo.
            self.stops = stop_filter.stops
            self.stem = (stem_filter.stemfn if isinstance(stem_filter, LemmaFilter)
                         else stem_filter._stem)
        self.memo: dict[str, str | None] = {}

    def fold(self, word: str) -> str | None:
        term = word.lower().translate(accent_map)
        if self.stem is not None:
            if not term or term in self.stops:  # StopFilter(minsize=1)
                term = None
            else:
                term = self.stem(term)
        if len(self.memo) >= FOLD_CACHE_SIZE:
            self.memo.clear()
        self.memo[word] = term
        return term


_FOLDERS = {key: _Folder(key) for key in ALL_ANALYZERS}
_SPELL = _Folder(None)


class NewWords:
    """The terms of words new to the process (not in analysis.py's memo), computed only when
    they may start with one of some letters: finding a Dutch word's lemma or compound parts
    costs ~15 µs a word, and most words of the first snippets a worker makes are new to it.

    A stem starts with its word's first letter (Snowball changes endings only), and so does
    the term of a Dutch word the lemma data does not know (a compound keeps its first part,
    else Snowball); a word it knows has its lemma, found by one lookup. So a word whose first
    letter is none of them cannot have such a term, unless (Dutch) its lemma does."""

    def __init__(self, key: str, keeps_initial: bool):
        folder = _FOLDERS[key]
        self.fold, self.stops = folder.fold, folder.stops
        self.lemma = dutch.lemma if key == "nl" else None
        self.filters = keeps_initial or self.lemma is not None

    def term(self, word: str, initials) -> str | None:
        """The word's term (None for a stop word), or None when it cannot start with one of
        `initials` (a set of first letters; None: every word's term is computed)."""
        if initials is None or not self.filters:
            return self.fold(word)
        folded = word.lower()
        if not folded.isascii():  # (accent_map changes no lowercase ASCII letter)
            folded = folded.translate(accent_map)
        first = folded[:1]
        if first in initials or not first.isascii():
            return self.fold(word)
        if self.lemma is None or not folded or folded in self.stops:
            return None
        return self.lemma(folded)  # (None: not known, so its term starts with `first`)


_last: tuple = (None, None, None)
_before: tuple = (None, None, None)


def analyse(lang: str, text: str) -> tuple[int, list[str]]:
    """(position of the first term, the terms in order): what ALL_ANALYZERS[lang] yields
    (`lang` a language or an analysis key). The StopFilter numbers the terms after the first
    one consecutively. Do not change the list: the last two answers are kept, as indexing a
    document asks for the same texts (title, body) again for the shadow and parts fields."""
    global _last, _before
    if _last[0] is text and _last[1] == lang:
        return _last[2]
    if _before[0] is text and _before[1] == lang:
        _last, _before = _before, _last
        return _last[2]
    folder = _FOLDERS[lang]
    memo, fold = folder.memo, folder.fold
    terms = []
    first = 0
    for word in _WORD.findall(text):
        term = memo.get(word, _STOP)
        if term is _STOP:
            term = fold(word)
        if term is not None:
            terms.append(term)
        elif not terms:
            first += 1
    _before, _last = _last, (text, lang, (first, terms))
    return first, terms


def analyse_parts(text: str) -> list[tuple[int, str]]:
    """(position, part) of every Dutch compound's parts: what PARTS_ANALYZER yields."""
    first, terms = analyse("nl", text)
    parts = dutch.parts
    return [(pos, part) for pos, term in enumerate(terms, first) for part in parts(term)]


_parts_memo: dict[str, tuple[str, ...]] = {}


def part_counts(text: str) -> dict[str, int]:
    """How often each part of the text's Dutch compounds occurs: the parts field's terms
    without their positions. A term's parts are looked up in a plain dict, once per word of
    the text (this runs for every word of every Dutch document of a rebuild)."""
    _first, terms = analyse("nl", text)
    memo = _parts_memo
    get = memo.get
    counts: dict[str, int] = {}
    for term in terms:
        found = get(term)
        if found is None:
            if len(memo) >= PARTS_CACHE_SIZE:
                memo.clear()
            found = memo[term] = dutch.parts(term)
        for part in found:
            counts[part] = counts.get(part, 0) + 1
    return counts


def analysis_key(fieldobj) -> str:
    """How a language field of an index analyses its text (see LanguageText)."""
    return fieldobj.analysis_key


def tokens(lang: str, text: str) -> list[str]:
    """The terms a text field indexes, in order (what a phrase query matches against)."""
    return list(analyse(lang, text)[1])


def spell_words(text: str) -> set[str]:
    memo, fold = _SPELL.memo, _SPELL.fold
    words = set()
    for word in _WORD.findall(text):
        term = memo.get(word, _STOP)
        words.add(fold(word) if term is _STOP else term)
    return words


# Field types. Each has `postings(value)`: the distinct terms of a value, how often each
# occurs, and each one's encoded value (None when the format keeps none); the bulk writer of a
# rebuild takes those lists as they are. `index()` gives the same in Whoosh's form, exactly
# what Whoosh's generic one gives for the field's analyzer and format.

class _Postings:
    def index(self, value, **kwargs):
        terms, counts, values = self.postings(value)
        boost = self.format.field_boost
        return [(term.encode(), count, count * boost, encoded) for term, count, encoded
                in zip(terms, counts, values or repeat(emptybytes))]


class LanguageText(_Postings, TEXT):
    """A text field of one language (positions, for phrases). `analysis` names the analysis
    its index was built with: a field pickled in an older index has none, and keeps the
    analysis of its time (LEGACY)."""

    def __init__(self, language: str, **kwargs):
        super().__init__(analyzer=ANALYZERS[language], **kwargs)
        self.language = language
        self.analysis = language

    @property
    def analysis_key(self) -> str:
        return self.__dict__.get("analysis") or LEGACY.get(self.language, self.language)

    def postings(self, value):
        first, terms = analyse(self.analysis_key, value)
        return _positional(enumerate(terms, first), self.format)


class PartsText(_Postings, TEXT):
    """The parts of a Dutch field's compounds, with how often each occurs. A part is only ever
    searched as a single term (phrases match the whole words), so its positions are not kept:
    writing them cost a rebuild more than the rest of the parts field. (Indexes built while
    they were kept, at the compound's position, have a Positions format and get them.)"""

    def __init__(self, **kwargs):
        super().__init__(analyzer=PARTS_ANALYZER, phrase=False, **kwargs)

    def postings(self, value):
        if self.format.supports("positions"):
            return _positional(analyse_parts(value), self.format)
        counts = part_counts(value)
        frequencies = list(counts.values())
        return list(counts), frequencies, list(map(_frequency_value, frequencies))


_FREQUENCIES = [pack_uint(n) for n in range(64)]


def _frequency_value(count: int) -> bytes:
    """What formats.Frequency encodes for a term that occurs `count` times."""
    return _FREQUENCIES[count] if count < 64 else pack_uint(count)


def _positional(pairs, format_):
    """(terms, counts, encoded positions) of (position, term) pairs."""
    positions: dict[str, list[int]] = {}
    for pos, term in pairs:
        found = positions.get(term)
        if found is None:
            positions[term] = [pos]
        else:
            found.append(pos)
    encode = format_.encode
    single = _SINGLE_POSITION
    counts, values = [], []
    for found in positions.values():
        count = len(found)
        if count == 1:  # most words of a text: its encoding depends on the position only
            encoded = single.get(found[0])
            if encoded is None:
                encoded = single[found[0]] = encode(found)
        else:
            encoded = encode(found)
        counts.append(count)
        values.append(encoded)
    return list(positions), counts, values


_SINGLE_POSITION: dict[int, bytes] = {}


class LinesField(_Postings, FieldType):
    """A shadow field: one term per line, with how often it occurs (pairs) or only that it
    occurs (prefixes)."""

    def __init__(self, counted: bool, boost: float):
        fmt = formats.Frequency(field_boost=boost) if counted else formats.Existence(
            field_boost=boost)
        super().__init__(fmt, analyzer=LINES, scorable=counted)
        self.counted = counted

    def postings(self, value):
        if not self.counted:
            lines = [line for line in set(value.split("\n")) if line]
            return lines, [1] * len(lines), None
        counts: dict[str, int] = {}
        for line in value.split("\n"):
            if line:
                counts[line] = counts.get(line, 0) + 1
        return list(counts), list(counts.values()), [pack_uint(n) for n in counts.values()]


class PrefixField(LinesField):
    """The first `shortest`..`longest` letters of the terms of another field (`source`), so
    that a short prefix query is one posting list."""

    def __init__(self, source: str, boost: float, shortest: int, longest: int):
        super().__init__(counted=False, boost=boost)
        self.source, self.shortest, self.longest = source, shortest, longest


def term_prefixes(term: str, shortest: int, longest: int) -> list[str]:
    return [term[:n] for n in range(shortest, min(longest, len(term)) + 1)]


class SpellField(_Postings, FieldType):
    """Words for did-you-mean: lowercased, accents folded, not stemmed; only their document
    counts are used, so no frequencies or lengths are written."""

    def __init__(self):
        super().__init__(formats.Existence(), analyzer=SPELL_ANALYZER, scorable=False)

    def postings(self, value):
        words = list(spell_words(value))
        return words, [1] * len(words), None
