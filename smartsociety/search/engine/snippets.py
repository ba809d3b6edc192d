"""Snippets of the shown hits: the body's best passages with the matched words marked.

Whoosh's highlighter passes every word of a hit's stored body through the analyzer and its
fragmenter, one Token at a time: a third of a computed search page. Here the body's distinct
words are looked up once each (analysis.py's memo of terms), and the fragmenter's loop runs
over the words near the matches only; the fragments, their scores and the marked HTML are
Whoosh's own."""
import re
from bisect import bisect_left, bisect_right
from collections import deque

from markupsafe import Markup, escape
from whoosh import highlight
from whoosh.analysis import (
    CharsetFilter,
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.reading import TermNotFound

from smartsociety.search.engine import dutch
from smartsociety.search.engine.analysis import (
    _FOLDERS,
    _STOP,
    _WORD,
    LANGUAGES,
    NewWords,
    analysis_key,
    tokens,
)
from smartsociety.search.engine.schema import PARTS
from smartsociety.search.query import ParsedQuery, Word

SNIPPET_CHARS = 240
_SPAN = re.Match.span


class MarkFormatter(highlight.Formatter):
    """Matched words in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text):
        return str(escape(text))


class _Match:
    """A matched word as Whoosh's fragments, scorer and formatter read it."""

    __slots__ = ("text", "startchar", "endchar", "boost")

    def __init__(self, text: str, startchar: int, endchar: int):
        self.text, self.startchar, self.endchar, self.boost = text, startchar, endchar, 1.0


def _fast_analysis(field) -> str | None:
    """The analysis key of a field whose analyzer the memoised analysis of analysis.py gives
    exactly (the language analyzers: default tokenizer, lowercase, fold accents, stop words,
    stem); None for another analyzer (Whoosh's highlighter then runs as it is)."""
    key = getattr(field, "analysis_key", None)
    items = getattr(field.analyzer, "items", None)
    if (key not in _FOLDERS or type(field.analyzer) is not CompositeAnalyzer or len(items) != 5
            or [type(item) for item in items[:4]] != [
                RegexTokenizer, LowercaseFilter, CharsetFilter, StopFilter]
            or not isinstance(items[4], StemFilter) or items[0].gaps
            or items[0].expression.pattern != default_pattern.pattern):
        return None
    return key


class _Marker:
    """Which words of a text a search matched, for one field of one results page: a word
    matches when its index term is one of the matched terms, or (Dutch) one of its compound
    parts is. Each distinct word is looked at once per page; its term comes from the
    process's memo of analysis.py, or NewWords (when compound parts matched, any word may
    have one of them: then every new word is analysed)."""

    def __init__(self, key: str, words: frozenset, part_words: frozenset, keeps_initial: bool):
        self.memo = _FOLDERS[key].memo
        self.new_words = NewWords(key, keeps_initial)
        self.words, self.part_words = words, part_words
        self.initials = None if part_words else {word[:1] for word in words}
        self.seen: set[str] = set()
        self.matched: dict[str, str] = {}  # word -> its term, for the words that match

    def terms(self, text_words) -> dict[str, str]:
        """The words among `text_words` that match, with their terms."""
        distinct = set(text_words)
        new = distinct.difference(self.seen)
        if new:
            memo, words, part_words = self.memo, self.words, self.part_words
            initials, parts, matched = self.initials, dutch.parts, self.matched
            new_term = self.new_words.term
            for word in new:
                found = memo.get(word, _STOP)
                if found is _STOP:
                    found = new_term(word, initials)
                if found is not None and (found in words or part_words and not (
                        part_words.isdisjoint(parts(found)))):
                    matched[word] = found
            self.seen |= new
        return {word: self.matched[word] for word in distinct.intersection(self.matched)}

    def term(self, word: str) -> str | None:
        """The word's term when it matches, else None."""
        return self.terms((word,)).get(word)

    def matches(self, words: list[str]) -> dict[int, str]:
        """{token number: term} of the tokens `words` that match."""
        matched = {}
        for word, term in self.terms(words).items():
            at = words.index(word)  # (list.index: most words do not match)
            while True:
                matched[at] = term
                try:
                    at = words.index(word, at + 1)
                except ValueError:
                    break
        return matched


class _Markers:
    """A field's markers for one results page. With compound parts matched (Dutch), a
    document whose parts field has none of them (the index says so) needs only the whole
    words, which is much cheaper to find (see _Marker)."""

    def __init__(self, reader, fieldname: str, key: str, words: frozenset,
                 part_words: frozenset, keeps_initial: bool):
        self.with_parts = (_Marker(key, words, part_words, keeps_initial) if part_words
                           else None)
        # (The parts field is made with the lemmas: an index of stems is not asked.)
        self.whole = (_Marker(key, words, frozenset(), keeps_initial)
                      if self.with_parts is None or key == "nl" else self.with_parts)
        self.leaves = list(reader.leaf_readers())
        self.offsets = [offset for _leaf, offset in self.leaves]
        self.parts_field = fieldname + PARTS
        self.parts = [part.encode() for part in part_words]

    def marker(self, docnum: int) -> _Marker:
        if self.whole is self.with_parts or self.with_parts is None:
            return self.whole
        leaf, offset = self.leaves[bisect_right(self.offsets, docnum) - 1]
        if any(_in_document(leaf, self.parts_field, part, docnum - offset)
               for part in self.parts):
            return self.with_parts
        return self.whole


def _in_document(leaf, fieldname: str, term: bytes, docnum: int) -> bool:
    """Whether a segment's document has a term."""
    try:
        matcher = leaf.postings(fieldname, term)
    except TermNotFound:
        return False
    if matcher.is_active() and matcher.id() < docnum:
        matcher.skip_to(docnum)
    return matcher.is_active() and matcher.id() == docnum


def fragments(text: str, marker: _Marker, maxchars: int, surround: int) -> list:
    """What ContextFragmenter(maxchars, surround) gives for `text` tokenized by the analyzer
    (without its 32,768-character limit, which indexed bodies never reach: MAX_BODY), less
    the fragments without a match it also yields (they never score)."""
    return fragments_of(text, marker.matches(_WORD.findall(text)), maxchars, surround)


def fragments_of(text: str, terms: dict[int, str], maxchars: int, surround: int) -> list:
    """`fragments` for the matches `terms` ({token number: term}).

    The fragmenter's loop is Whoosh's (fragment_tokens), run over the tokens near the matches
    only: outside a fragment a word that does not match only moves the window of the
    `surround` characters before the next match, so a run of such words is skipped at once
    and the window set to what walking them would leave."""
    if not terms:
        return []
    matched = sorted(terms)  # the matches' token numbers
    spans = list(map(_SPAN, _WORD.finditer(text)))
    count = len(spans)
    result = []
    first = None
    firsts = deque()
    countdown = -1
    tks = []
    endchar = None
    currentlen = 0
    i = 0  # the next token
    next_match = 0  # index into `matched` of the first match at or after i
    while i < count:
        if countdown < 0:
            while next_match < len(matched) and matched[next_match] < i:
                next_match += 1
            if next_match == len(matched):
                break  # no match left: no fragment either
            upto = matched[next_match]
            if upto > i:
                # Walk tokens i .. upto-1 (none matches) at once: the window keeps the starts
                # of those within `surround` characters of the last one's end.
                last_end = spans[upto - 1][1]
                floor = last_end - surround
                kept = [s for s in firsts if s >= floor]
                lo = bisect_left(spans, (floor,), i, upto)  # the first starting at floor
                firsts = deque(kept + [start for start, _end in spans[lo:upto]])
                endchar = last_end
                i = upto
        # The loop body of Whoosh's ContextFragmenter.fragment_tokens, for token i.
        startchar, endchar = spans[i]
        tlength = endchar - startchar
        is_match = i in terms
        if countdown < 0 and not is_match:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif is_match:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append(_Match(terms[i], startchar, endchar))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                if tks:  # (Whoosh also yields fragments without a match; they never score)
                    result.append(highlight.mkfrag(text, tks, startchar=first,
                                                   endchar=endchar))
                tks = []
                firsts = deque()
                first = None
                currentlen = 0
        i += 1
    if tks:
        result.append(highlight.mkfrag(text, tks, startchar=first, endchar=endchar))
    return result


class Highlighter(highlight.Highlighter):
    """Whoosh's highlighter (retokenizing the stored text) with the fragments computed by
    `fragments` when the field's analyzer allows: the same snippets, from a fraction of the
    work (tests/test_search_engine.py compares both)."""

    def highlight_hit(self, hitobj, fieldname, text=None, top=3, minscore=1,
                      strict_phrase=False):
        results = hitobj.results
        field = results.searcher.schema[fieldname]
        key = _fast_analysis(field)
        if (key is None or strict_phrase or self.can_load_chars(results, fieldname)
                or type(self.fragmenter) is not highlight.ContextFragmenter):
            return super().highlight_hit(hitobj, fieldname, text, top, minscore, strict_phrase)
        if text is None:
            if fieldname not in hitobj:
                raise KeyError(f"Field {fieldname!r} is not stored.")
            text = hitobj[fieldname]
        markers = results.__dict__.setdefault("_snippet_markers", {})
        found = markers.get(fieldname)
        if found is None:
            found = markers[fieldname] = self._marker(results, fieldname, field, key)
        terms = found.marker(hitobj.docnum).matches(_WORD.findall(text))
        found = fragments_of(text, terms, self.fragmenter.maxchars, self.fragmenter.surround)
        found = highlight.top_fragments(found, top, self.scorer, self.order, minscore=minscore)
        return self.formatter.format(found)

    @staticmethod
    def _marker(results, fieldname: str, field, key: str) -> _Markers:
        # The terms as Whoosh's highlight_hit takes them.
        if results.has_matched_terms():
            bterms = [term for term in results.matched_terms() if term[0] == fieldname]
            part_words = frozenset(term[1].decode() for term in results.matched_terms()
                                   if term[0] == fieldname + PARTS)
        else:
            bterms = list(results.query_terms(expand=True, fieldname=fieldname))
            part_words = frozenset()
        words = frozenset(field.from_bytes(term[1]) for term in bterms if term[0] == fieldname)
        return _Markers(results.searcher.reader(), fieldname, key, words, part_words,
                        _keeps_initial(field))


def highlighter() -> Highlighter:
    return Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS,
                                                              surround=60),
                       formatter=MarkFormatter())


def mark_terms(found, parsed: ParsedQuery, shown, kept=None) -> None:
    """Tell the highlighter what to mark in each shown hit: the words and phrase words as the
    index has them, and for a prefix the hit's own words that start with it (expanding a short
    prefix over the whole index for this costs more than the search; `kept`, a KeptHits,
    keeps them per hit)."""
    schema = found.searcher.schema
    fixed, prefixes = set(), []
    for item in parsed.items():
        if isinstance(item, Word) and item.prefix:
            prefixes.append(item.text)
            continue
        text = item.text if isinstance(item, Word) else " ".join(item.words)
        for lang in LANGUAGES:
            fieldname = f"body_{lang}"
            words = tokens(_key(schema, fieldname, lang), text)
            fixed.update((fieldname, word.encode()) for word in words)
            if len(words) == 1 and fieldname + PARTS in schema:
                fixed.add((fieldname + PARTS, words[0].encode()))
    docterms, termdocs = {}, {}
    starting = {}  # per language: the terms of a text that start with a prefix
    for hit in shown:
        terms = set(fixed)
        if prefixes:
            lang = hit.get("language", "nl")
            fieldname = f"body_{lang}"
            if lang not in starting:
                starting[lang] = _starting(schema, fieldname, lang, tuple(prefixes))
            find = starting[lang]
            words = (find(hit.get(fieldname) or "") if kept is None else
                     kept.prefixed(found, hit, fieldname, tuple(prefixes), find))
            terms.update((fieldname, w.encode()) for w in words)
        docterms[hit.docnum] = terms
        for term in terms:
            termdocs.setdefault(term, set()).add(hit.docnum)
    # Whoosh's "matched terms" of a search with terms=True, which the highlighter reads.
    found.docterms, found.termdocs = docterms, termdocs


def _starting(schema, fieldname: str, lang: str, prefixes: tuple[str, ...]):
    """A function: a text -> its terms (as `fieldname` indexes them) that start with one of
    `prefixes`. With a language analyzer, only the words whose terms may start so are
    analysed (NewWords)."""
    key = _fast_analysis(schema[fieldname]) if fieldname in schema else None
    if key is None or not all(prefixes):
        key = _key(schema, fieldname, lang)
        return lambda text: {w for w in tokens(key, text) if w.startswith(prefixes)}
    memo = _FOLDERS[key].memo
    new_term = NewWords(key, _keeps_initial(schema[fieldname])).term
    initials = {prefix[:1] for prefix in prefixes}

    def terms(text: str) -> set[str]:
        found = set()
        for word in set(_WORD.findall(text)):
            term = memo.get(word, _STOP)
            if term is _STOP:
                term = new_term(word, initials)
            if term is not None and term.startswith(prefixes):
                found.add(term)
        return found
    return terms


def _keeps_initial(field) -> bool:
    return getattr(field.analyzer.items[4], "keeps_initial", False)


def _key(schema, fieldname: str, lang: str) -> str:
    return analysis_key(schema[fieldname]) if fieldname in schema else lang


def snippet(hit, lang: str) -> Markup:
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
