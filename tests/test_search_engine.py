"""The search engine's own computations (numpy) against Whoosh's: postings, scores, snippets."""
import random

import factory
import pytest

from smartsociety.models import CaseKind, ProjectStatus, utcnow
from smartsociety.search import service
from smartsociety.search.query import parse
from tests.factories import CaseFactory
from tests.test_search import keys

VOCABULARY = ("open data wijk sensoren camera privacy gemeente bewoners meten delen "
              "register lantaarnpalen ruimte openbare geluid").split()


@pytest.fixture
def corpus(app, db):
    """Several segments (one with posting lists of several blocks), deleted documents, both
    languages, both kinds."""
    rng = random.Random(7)

    def text(n):
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    batch = CaseFactory.build_batch(
        300, title=factory.LazyFunction(lambda: text(4)), summary="", body_html="",
        body=factory.LazyFunction(lambda: text(30)))
    for n, case in enumerate(batch):
        case.language = "en" if n % 7 == 0 else "nl"
        if n % 4 == 0:
            case.kind, case.status = CaseKind.PROJECT, ProjectStatus.PILOT.value
    db.session.add_all(batch)
    db.session.commit()
    for n in range(4):
        CaseFactory(title=f"Camera in de wijk {n}", summary="", body_html="",
                    body="Open data over privacy en camera's. " * (n + 1))
    for case in batch[:3] + batch[150:152]:
        case.hidden_at = utcnow()
        case.hidden_reason = "test"
    db.session.commit()
    client = app.test_client()
    keys(client, "data")  # brings this process's searcher up to date
    from smartsociety.search.engine.searching import searcher_cache

    cache = searcher_cache(service.store())
    searcher = cache.current()
    assert len(list(searcher.leaf_searchers())) > 1
    assert searcher.reader().has_deletions()
    return cache, searcher


def test_decoded_postings_equal_whoosh(corpus):
    from smartsociety.search.engine.masks import bool_array, decode_postings, mask_of, raw_postings

    _cache, searcher = corpus
    blocks = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        for fieldname in ("body_nl", "title_nl", "body_nl_pairs", "body_nl_prefixes", "kind"):
            for text in leaf.lexicon(fieldname):
                matcher = raw_postings(leaf, fieldname, text)
                matcher.reset()
                ids, weights = [], []
                while matcher.is_active():
                    ids.append(matcher.id())
                    weights.append(matcher.weight())
                    matcher.next()
                blocks = max(blocks, (len(ids) + 127) // 128)
                ours = decode_postings(raw_postings(leaf, fieldname, text))
                assert ours[0].tolist() == ids and ours[1].tolist() == weights, (fieldname, text)
                mask = mask_of(ours[0], leaf.doc_count_all())
                assert [i for i in range(leaf.doc_count_all()) if mask >> i & 1] == ids
                assert bool_array(mask, leaf.doc_count_all()).nonzero()[0].tolist() == ids
    assert blocks > 1
    # A segment with deletions: Whoosh leaves its deleted documents out with a wrapper.
    assert any(leaf.postings("kind", "dilemma") is not raw_postings(leaf, "kind", "dilemma")
               for leaf, _offset in searcher.reader().leaf_readers())


def test_scores_equal_whoosh(corpus):
    """Same documents and order as Whoosh's search, over several segments with deletions,
    with filters, title boosts, OR, AND NOT and prefixes; the same scores (a term's score the
    very same float: several terms' may differ in the last bit, as Whoosh adds them up in the
    order of its matcher tree)."""
    from smartsociety.search.engine.searching import (
        _facet_masks,
        _filter,
        match_mask,
        scored_top,
        to_whoosh,
    )

    cache, searcher = corpus
    masks = _facet_masks(cache, searcher)
    queries = ["data", "open data", "ruimte", "wi*", "data OR camera", "wijk -privacy", "sens*",
               "ca*", '"open data"', "data data", "privacy OR open OR wijk",
               "register -data -open", "geluid meten", "camera's"]
    compared = 0
    for text in queries:
        for filters in ({}, {"language": ["nl"]}, {"kind": ["project"]}, {"language": ["en"]}):
            query = to_whoosh(parse(text), searcher.reader())
            selected = match_mask(query, searcher) & masks.live
            for name, values in filters.items():
                selected &= masks.values[name].get(values[0], 0)
            for limit in (10, 1000):
                ours = scored_top(query, searcher, selected, limit)
                # Whoosh's scores of all matches, ranked: its top-N collector can leave out
                # the best matches in a segment with deletions ("data data" here).
                theirs = sorted(searcher.search(query, filter=_filter(filters), limit=None),
                                key=lambda hit: (-hit.score, hit.docnum))[:limit]
                if ours is None:  # a phrase that matches: Whoosh scores it
                    assert "Phrase(" in repr(query), text
                    continue
                assert [d for _s, d in ours] == [hit.docnum for hit in theirs], (text, filters)
                assert [s for s, _d in ours] == pytest.approx([hit.score for hit in theirs],
                                                              rel=1e-12, abs=0)
                if len(query.all_terms()) == 1:
                    assert [s for s, _d in ours] == [hit.score for hit in theirs], text
                compared += len(ours)
    assert compared > 1000


def test_scores_the_same_from_compact_and_evicted_caches(corpus, monkeypatch):
    """The postings cache keeps weights as float32, the lengths cache one
    byte a document: the scores are the very same floats as computed without any cache, and
    stay so when both caches are too small for one query (evicted as they fill)."""
    import numpy as np

    from smartsociety.search.engine import masks, scoring
    from smartsociety.search.engine.searching import match_mask, scored_top, to_whoosh

    cache, searcher = corpus
    queries = ["data", "open data", "wi*", "data OR camera", "wijk -privacy", "geluid meten"]

    def tops():
        found = []
        for text in queries:
            query = to_whoosh(parse(text), searcher.reader())
            found.append(scored_top(query, searcher, match_mask(query, searcher) &
                                    cache.masks.live, 1000))
        return found

    # Not cached at all (segment None): the arrays as decoded, int64 and float64.
    monkeypatch.setattr(scoring, "segment_id", lambda reader: None)
    monkeypatch.setattr(masks, "segment_id", lambda reader: None)
    expected = tops()
    monkeypatch.undo()
    assert all(expected)
    masks._postings_cache.clear()
    scoring._lengths_cache.clear()
    assert tops() == expected  # filling the caches
    assert tops() == expected  # from the caches
    ids, weights = next(iter(masks._postings_cache.values()))
    assert weights.dtype == np.float32
    assert {a.dtype for a in scoring._lengths_cache.values()} == {np.dtype(np.uint8)}
    monkeypatch.setattr(masks, "POSTINGS_CACHE_BYTES", 64)
    monkeypatch.setattr(scoring, "_LENGTHS_CACHE", 1)
    masks._postings_cache.clear()
    masks._postings_cache_bytes = 0
    scoring._lengths_cache.clear()
    assert tops() == expected
    assert tops() == expected
    assert len(scoring._lengths_cache) == 1 and masks._postings_cache_bytes <= 64


def test_compact_postings_only_when_exact():
    import numpy as np

    from smartsociety.search.engine.masks import compact_postings

    ids, weights = compact_postings(np.array([1, 5, 9]), np.array([1.0, 2.5, 3.0]))
    assert weights.dtype == np.float32 and weights.tolist() == [1.0, 2.5, 3.0]
    assert ids.tolist() == [1, 5, 9]
    # A weight float32 cannot hold: kept as it is.
    ids, weights = compact_postings(np.array([1, 2]), np.array([1.0, 0.1]))
    assert weights.dtype == np.float64 and weights.tolist() == [1.0, 0.1]
    ids, weights = compact_postings(np.array([], dtype=np.int64), np.array([]))
    assert len(ids) == len(weights) == 0


def test_date_order_equals_whoosh(corpus):
    from smartsociety.search.engine.searching import match_mask, newest, to_whoosh

    cache, searcher = corpus
    for text in ["data", "camera", "geluid OR register"]:
        query = to_whoosh(parse(text), searcher.reader())
        mask = match_mask(query, searcher) & cache.masks.live
        expected = [hit.docnum for hit in
                    searcher.search(query, sortedby="date", reverse=True, limit=None)]
        for sparse in (0, 10_000):
            for limit in (1, 20, 1000):
                assert newest(searcher, mask, mask.bit_count(), limit, sparse) == (
                    expected[:limit]), (text, sparse, limit)


@pytest.mark.parametrize("fresh", [False, True], ids=["memo", "new-words"])
def test_snippets_equal_whoosh_highlighter(client, db, monkeypatch, fresh):
    """Also with every word new to the process (analysis.NewWords analyses only those that may
    match)."""
    from whoosh import highlight
    from whoosh.searching import Results

    from smartsociety.search.engine.analysis import _FOLDERS
    from smartsociety.search.engine.masks import match_mask
    from smartsociety.search.engine.searching import scored_top, searcher_cache, to_whoosh
    from smartsociety.search.engine.snippets import (
        SNIPPET_CHARS,
        MarkFormatter,
        highlighter,
        mark_terms,
    )

    bodies = [
        "Café's en CAFÉ: de Ëigenaar van het café. Zij verkochten het café aan de gemeente.",
        "De gemeente meet geluid in de wijk; " * 20 + "en daarna deelt de gemeente de data.",
        "Privacy by design: ontwerpen met privacy, 3.14 procent, e-mail en co-creatie.",
        "The cameras in the city are watching the watchers, and cameras record everything.",
    ]
    for n, body in enumerate(bodies):
        CaseFactory(title=f"Snippet {n}", summary="", body_html="", body=body,
                    language="en" if body.startswith("The") else "nl")
    keys(client, "gemeente")
    searcher = searcher_cache(service.store()).current()
    marked = 0
    for text in ["cafe", "café gemeente", "gemeente", "gemeente geluid", "priv*", "ca*",
                 '"privacy by design"', "camera", "3.14", "co-creatie", "ontwerpen OR data"]:
        parsed = parse(text)
        query = to_whoosh(parsed, searcher.reader())
        top = scored_top(query, searcher, match_mask(query, searcher), 20) or [
            (hit.score, hit.docnum) for hit in searcher.search(query, limit=20)]
        snippets = []
        for ours in (True, False):
            found = Results(searcher, query, top)
            if ours and fresh:
                for folder in _FOLDERS.values():
                    monkeypatch.setattr(folder, "memo", {})
            if ours:
                found.highlighter = highlighter()
            else:
                found.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS,
                                                               surround=60)
                found.formatter = MarkFormatter()
            shown = found[0:20]
            mark_terms(found, parsed, shown)
            snippets.append([hit.highlights(f"body_{hit['language']}", top=2) for hit in shown])
        assert snippets[0] == snippets[1], text
        marked += any("<mark>" in s for s in snippets[0])
    assert marked >= 9


def test_snippets_of_new_words_equal_analysing_every_word(client, db, monkeypatch):
    """Snippets made with every word new to the process (analysis.NewWords; _Markers asks the
    parts field which documents have a compound that matched through a part) equal those made
    by analysing every word of every text, as before: irregular lemmas, compounds matched
    whole and through a part, in some documents only, prefixes. (Whoosh's own highlighter
    marks no compound matched through a part, so it cannot be the reference here.)"""
    from whoosh.searching import Results

    from smartsociety.search.engine import analysis, snippets
    from smartsociety.search.engine.masks import match_mask
    from smartsociety.search.engine.searching import scored_top, searcher_cache, to_whoosh

    bodies = [
        "De vulgraadsensoren in de afvalcontainers melden het; hij liep naar de sensor.",
        "Zij lopen langs de containers en de Sensoren, en ging daarna naar huis.",
        "Geregistreerde huizen: de gemeente registreert. Het huis liep leeg; achten wij dat?",
        "Luchtkwaliteitssensoren en geluidssensoren in de wijk, gemeld bij de afvalinzameling.",
        "Een tekst zonder iets daarvan, over privacy en data in de openbare ruimte.",
    ] + [" ".join(random.Random(n).sample(
        "sensor lopen liep huis huizen container afval wijk gemeente melden gemeld".split(), 6))
        for n in range(12)]
    for n, body in enumerate(bodies):
        CaseFactory(title=f"Nieuw {n}", summary="", body_html="", body=body, language="nl")
    keys(client, "sensor")
    searcher = searcher_cache(service.store()).current()
    queries = ["sensor", "container", "lopen", "gaan", "afval*", "se*", "gemeld huis",
               "kwaliteit", "huis", "registreren", '"de sensor"', "sensor OR afval", "ach*",
               "melden"]
    results = {}
    for every_word in (False, True):
        for folder in analysis._FOLDERS.values():
            monkeypatch.setattr(folder, "memo", {})
        if every_word:  # as before: every word's term, compound parts asked everywhere
            monkeypatch.setattr(analysis.NewWords, "term",
                                lambda self, word, initials: self.fold(word))
            monkeypatch.setattr(snippets._Markers, "marker",
                                lambda self, docnum: self.with_parts or self.whole)
        for text in queries:
            parsed = parse(text)
            query = to_whoosh(parsed, searcher.reader())
            found = Results(searcher, query, scored_top(
                query, searcher, match_mask(query, searcher), 20))
            found.highlighter = snippets.highlighter()
            shown = found[0:20]
            snippets.mark_terms(found, parsed, shown)
            results[every_word, text] = [snippets.snippet(hit, "nl") for hit in shown]
    for text in queries:
        assert results[False, text] == results[True, text], text
    marked = [s for text in queries for s in results[False, text]]
    assert sum("<mark>" in s for s in marked) > 60
    assert any("<mark>vulgraadsensoren</mark>" in s for s in results[False, "sensor"])
    # A participle's lemma starts with another letter than the word.
    assert any("<mark>gemeld</mark>" in s for s in results[False, "melden"])
    assert any("<mark>ging</mark>" in s for s in results[False, "gaan"])


def test_fragments_equal_whoosh_fragmenter():
    """The snippet fragments (engine/snippets.py walks only the words near the matches) are
    those of Whoosh's ContextFragmenter over every token of the analyzer, for texts with
    matches close together and far apart, long words, runs of punctuation, stop words,
    compounds matched through a part, in both languages; and so is the snippet made of them."""
    from whoosh import highlight

    from smartsociety.search.engine.analysis import ANALYZERS
    from smartsociety.search.engine.snippets import (
        SNIPPET_CHARS,
        MarkFormatter,
        _Marker,
        fragments,
    )

    rng = random.Random(23)
    filler = ("de het een wijk gemeente bewoners meten delen register ruimte openbare geluid "
              "3.14 e-mail co-creatie café Ëigenaar x.y.z — ... ;; " + "a" * 70 + " "
              + "lange" * 20).split()
    cases = [("nl", frozenset({"sensor"}), frozenset({"sensor"}),
              ["sensor", "sensoren", "vulgraadsensoren", "Sensoren"]),
             ("nl", frozenset({"camera", "privacy"}), frozenset(),
              ["camera", "camera's", "Privacy", "PRIVACY"]),
             ("en", frozenset({"camera", "watch"}), frozenset(),
              ["cameras", "watching", "Watchers", "camera"])]
    compared = marked = 0
    for lang, words, parts, hits in cases:
        analyzer = ANALYZERS[lang]
        marker = _Marker(lang, words, parts, keeps_initial=lang == "en")
        for _ in range(150):
            vocabulary = filler + hits * rng.choice((0, 1, 3))
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 400)))
            if rng.random() < 0.3:
                text = rng.choice(hits) + "  ...  " + text + " ,, " + rng.choice(hits)
            for maxchars, surround in ((SNIPPET_CHARS, 60), (40, 10), (200, 20)):
                tokens = analyzer(text, positions=True, chars=True, mode="index",
                                  removestops=False)
                expected = []
                for token in tokens:
                    token.matched = marker.term(text[token.startchar:token.endchar]) is not None
                    expected.append(token.copy())
                theirs = list(highlight.ContextFragmenter(maxchars, surround).fragment_tokens(
                    text, iter(expected)))
                ours = fragments(text, marker, maxchars, surround)
                theirs = [f for f in theirs if f.matches]  # (empty ones never score)
                assert [(f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches])
                        for f in ours] == [
                    (f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches])
                    for f in theirs], (text, maxchars, surround)
                formatter, scorer = MarkFormatter(), highlight.BasicFragmentScorer()
                snippet = formatter.format(highlight.top_fragments(
                    ours, 2, scorer, highlight.FIRST))
                assert snippet == formatter.format(highlight.top_fragments(
                    theirs, 2, scorer, highlight.FIRST))
                compared += 1
                marked += "<mark>" in snippet
    assert compared == 1350 and marked > 500


def test_did_you_mean_over_segments_with_deletions(client, db):
    from smartsociety.search.engine.searching import searcher_cache
    from smartsociety.search.engine.spelling import Corrector

    cases = [CaseFactory(title=title, summary="", body="", body_html="") for title in
             ["Parkeervergunning", "Parkeerverbod", "Parkeerplaats", "Parkeerbeleid",
              "Parkeerbeleit", "Parkeerbelied wijk", "Pärkeerbeleid", "Parkeer beleid"]]
    cases[1].hidden_at = utcnow()
    cases[1].hidden_reason = "test"
    db.session.commit()
    keys(client, "parkeren")
    searcher = searcher_cache(service.store()).current()
    theirs = searcher.corrector("spell")
    ours = Corrector(searcher.reader(), "spell", searcher.schema["spell"])
    words = ["parkeerbelied", "parkeerbeleid", "prakeren", "parkeerplaatsen", "pa",
             "parkeerverbood", "parkeervergunnig", "pärkeerbeleid", "parkeerbeleidd"]
    for word in words:
        for maxdist in (1, 2):
            assert ours.suggest(word, limit=3, maxdist=maxdist, prefix=2) == theirs.suggest(
                word, limit=3, maxdist=maxdist, prefix=2), word


def test_did_you_mean_after_its_word_lists_are_evicted(client, db, monkeypatch):
    """The words of a prefix are kept bounded in bytes: with room for one list at a time,
    each suggestion is read again and still the same as Whoosh's."""
    from smartsociety.search.engine import spelling
    from smartsociety.search.engine.searching import searcher_cache

    for title in ["Parkeervergunning", "Parkeerbeleid", "Privacybeleid", "Prakrijk wijk",
                  "Verkeerslicht", "Verkeersbord"]:
        CaseFactory(title=title, summary="", body="", body_html="")
    keys(client, "parkeren")
    searcher = searcher_cache(service.store()).current()
    theirs = searcher.corrector("spell")
    ours = spelling.Corrector(searcher.reader(), "spell", searcher.schema["spell"])
    monkeypatch.setattr(spelling, "WORDS_CACHE_BYTES", 1)
    spelling._words_cache.clear()
    monkeypatch.setattr(spelling, "_words_cache_bytes", 0)
    for _round in range(2):
        for word in ["parkeerbelied", "privacybeleit", "verkeerslict", "prakeren", "pa"]:
            assert ours.suggest(word, limit=3, maxdist=2, prefix=2) == theirs.suggest(
                word, limit=3, maxdist=2, prefix=2), word
            assert len(spelling._words_cache) == 1
            assert next(iter(spelling._words_cache.values())).counts.dtype.itemsize == 1






@pytest.mark.parametrize("compression", [0, 1])
def test_block_ids_weights_equal_unpickled(compression):
    """A block's deltas and weights read without its values, as Whoosh writes blocks (pickle
    protocol 2, maybe compressed): the same as unpickling it all, or None (then it is)."""
    import pickle
    import zlib

    from smartsociety.search.engine.masks import block_ids_weights

    rng = random.Random(3)
    checked = 0
    for count in (1, 2, 3, 4, 5, 127, 128):
        for first in (0, 7, 300, 70_000, 2**31 - 1):
            for big in (0, 0.1, 1):  # share of deltas above one byte
                deltas = (first, *(rng.randint(256, 100_000) if rng.random() < big
                                   else rng.randint(1, 255) for _ in range(count - 1)))
                varied = tuple(float(rng.randint(1, 9)) for _ in range(count))
                if count > 1:
                    varied = (1.0, 2.0, *varied[2:])
                for weights in (None, 3.0, varied if count > 1 else 2.0):
                    values = tuple(pickle.dumps([rng.randint(0, 50)], 2) for _ in range(count))
                    data = pickle.dumps((deltas, weights, values), 2)
                    raw = zlib.compress(data, compression) if compression else data
                    assert block_ids_weights(raw, compression, count) == (deltas, weights)
                    checked += 1
    assert checked > 300
    # Not laid out as expected: a document number beyond 4 bytes, values without positions.
    assert block_ids_weights(pickle.dumps(((2**31,), None, (b"x",)), 2), 0, 1) is None
    assert block_ids_weights(pickle.dumps(((1, 2), None, None), 2), 0, 3) is None


def test_stemming_keeps_the_first_letter():
    """Snippets stem only the words that start like a matched word: that needs the analyzers
    to keep a word's first letter (after lowercasing and folding accents)."""
    from smartsociety.search.engine.analysis import ANALYZERS, tokens

    words = ("dying lying tying skies news Yvonne yacht IJsselmeer ijsberg Ëigenaar ÿ Ærø "
             "Œuvre straße mogelijkheden leeg maan heden gebeurtenissen cafeetje "
             "organisatieklimaat").split()
    for lang, analyzer in ANALYZERS.items():
        charmap = analyzer.items[2].charmap
        for word in words:
            for token in tokens(lang, word):
                assert token[:1] == word.lower().translate(charmap)[:1], (lang, word, token)
