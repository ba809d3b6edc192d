"""Snippets of the shown hits: the body's best passages with the matched words marked."""
from markupsafe import Markup, escape
from whoosh import highlight
from whoosh.analysis import (
    CharsetFilter,
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)

from smartsociety.search.engine import dutch
from smartsociety.search.engine.analysis import LANGUAGES, analysis_key, tokens
from smartsociety.search.engine.index import PARTS
from smartsociety.search.query import ParsedQuery, Word

SNIPPET_CHARS = 240
MEMO_SIZE = 200_000  # words per analyzer; emptied when full


class MarkFormatter(highlight.Formatter):
    """Matched words in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text):
        return str(escape(text))


def _token_stream(analyzer):
    """For the language analyzers (tokenizer, lowercase, fold accents, stop words, stem): a
    function giving the tokens Whoosh's highlighter gets from the analyzer, with `matched`
    set, but each distinct word analysed once (passing every word of 20 bodies through the
    chain of filters was most of a search's time). None for an analyzer of another shape."""
    items = getattr(analyzer, "items", None)
    if (type(analyzer) is not CompositeAnalyzer or len(items) != 5
            or [type(item) for item in items[:4]] != [
                RegexTokenizer, LowercaseFilter, CharsetFilter, StopFilter]
            or not isinstance(items[4], StemFilter) or items[0].gaps):
        return None
    tokenizer, _lowercase, charset, stop, stemmer = items
    expression, charmap = tokenizer.expression, charset.charmap
    stops, shortest, longest = stop.stops, stop.min, stop.max
    stem, ignore = stemmer._stem, stemmer.ignore
    # A Dutch lemma may start otherwise ("gelopen" -> "lopen"): no shortcut then.
    keeps_initial = getattr(stemmer, "keeps_initial", True)
    memo: dict[str, str] = {}

    def analysed(word: str, text: str) -> str:
        if (len(text) >= shortest and (longest is None or len(text) <= longest)
                and text not in stops and text not in ignore):
            text = stem(text)  # a stop word is kept as it is (removestops=False)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[word] = text
        return text

    def stream(text: str, words: frozenset, part_words: frozenset = frozenset()):
        """`part_words`: terms matched as compound parts; a word with one of them among its
        parts is marked as a whole."""
        # One Token object for the whole stream, as Whoosh's tokenizers do.
        token = Token(positions=True, chars=True, removestops=False, mode="index")
        get = memo.get
        parts = dutch.parts
        # Stemming keeps a word's first letter (it changes endings only): a word that starts
        # with no matched word's letter cannot match, and is not stemmed (the highlighter
        # reads the text of matched tokens only). Most words of a snippet's body are new to a
        # process, so this is most of a first search's snippets.
        initials = {word[:1] for word in words} if keeps_initial and not part_words else None
        for match in expression.finditer(text):
            word = match.group(0)
            found = get(word)
            if found is None:
                found = word.lower().translate(charmap)
                if initials is None or found[:1] in initials:
                    found = analysed(word, found)
            token.text = found
            token.startchar, token.endchar = match.span()
            token.matched = found in words or bool(
                part_words and not part_words.isdisjoint(parts(found)))
            yield token

    return stream


_streams: dict[int, tuple] = {}


class Highlighter(highlight.Highlighter):
    """Whoosh's highlighter (retokenizing the stored text), with the tokens from
    _token_stream when the field's analyzer allows: the same snippets, faster."""

    def highlight_hit(self, hitobj, fieldname, text=None, top=3, minscore=1,
                      strict_phrase=False):
        results = hitobj.results
        field = results.searcher.schema[fieldname]
        analyzer = field.analyzer
        known = _streams.get(id(analyzer))
        if known is None or known[0] is not analyzer:
            if len(_streams) > 16:
                _streams.clear()
            known = _streams[id(analyzer)] = (analyzer, _token_stream(analyzer))
        stream = known[1]
        if stream is None or strict_phrase or self.can_load_chars(results, fieldname):
            return super().highlight_hit(hitobj, fieldname, text, top, minscore, strict_phrase)
        if text is None:
            if fieldname not in hitobj:
                raise KeyError(f"Field {fieldname!r} is not stored.")
            text = hitobj[fieldname]
        # The rest as in Whoosh's highlight_hit.
        if results.has_matched_terms():
            bterms = (term for term in results.matched_terms() if term[0] == fieldname)
        else:
            bterms = results.query_terms(expand=True, fieldname=fieldname)
        bterms = list(bterms)
        words = frozenset(field.from_bytes(term[1]) for term in bterms
                          if term[0] == fieldname)
        part_words = frozenset(term[1].decode() for term in results.matched_terms()
                               if term[0] == fieldname + PARTS) if (
            results.has_matched_terms()) else frozenset()
        tokens = self._merge_matched_tokens(stream(text, words, part_words))
        fragments = self.fragmenter.fragment_tokens(text, tokens)
        fragments = highlight.top_fragments(fragments, top, self.scorer, self.order,
                                            minscore=minscore)
        return self.formatter.format(fragments)


def highlighter() -> Highlighter:
    return Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS,
                                                              surround=60),
                       formatter=MarkFormatter())


def mark_terms(found, parsed: ParsedQuery, shown) -> None:
    """Tell the highlighter what to mark in each shown hit: the words and phrase words as the
    index has them, and for a prefix the hit's own words that start with it (expanding a short
    prefix over the whole index for this costs more than the search)."""
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
    for hit in shown:
        terms = set(fixed)
        if prefixes:
            lang = hit.get("language", "nl")
            words = set(tokens(_key(schema, f"body_{lang}", lang),
                               hit.get(f"body_{lang}") or ""))
            terms.update((f"body_{lang}", w.encode()) for w in words
                         if w.startswith(tuple(prefixes)))
        docterms[hit.docnum] = terms
        for term in terms:
            termdocs.setdefault(term, set()).add(hit.docnum)
    # Whoosh's "matched terms" of a search with terms=True, which the highlighter reads.
    found.docterms, found.termdocs = docterms, termdocs


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
