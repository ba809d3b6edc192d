"""Words new to a process (not in the analysis memo) are analysed only when their terms may
matter for the snippets (analysis.NewWords): the marked words and the prefix terms must be
exactly those of analysing every word."""
import random

import pytest

from smartsociety.search.engine import analysis, dutch
from smartsociety.search.engine.analysis import _FOLDERS, ALL_ANALYZERS, NewWords

# Irregular lemmas (another first letter too), participles, compounds known and unknown, stop
# words, apostrophes, accents, capitals, numbers, words no data knows, initial y and ij.
SPECIAL = """liep lopen ging gaan geweest zijn was waren geregistreerd registreren kleurloze
    principes vulgraadsensoren luchtkwaliteitssensor parkeersensoren sensor sensoren afval
    afvalcontainers containers melden gemeld camera's Camera CAFÉ café Ëigenaar één ÉÉN de het
    een en van 3.14 co-creatie e-mail xqzw zzyzx yoghurt Yvonne ijsberen IJsselmeer ybbezonder
    achten geacht aanbesteding Aanbestedingen verkochten verkopen huizen huis cameras watching
    watchers privacy data the and of""".split()
SPECIAL_TOKENS = [token for word in SPECIAL for token in analysis._WORD.findall(word)]


def _vocabulary(rng, size):
    keys = list(dutch.data().lemmas._trie.keys())
    words = SPECIAL + rng.sample(keys, size)
    try:
        with open(dutch.WORD_LIST, encoding="utf-8") as handle:
            listed = handle.read().split()
        words += rng.sample(listed, size)
    except (OSError, ValueError):
        pass
    # Unknown to the data: derived and made-up words, capitalised.
    words += [w + "heid" for w in rng.sample(keys, size // 4)]
    words += ["".join(rng.choice("abcdeijklmnorstuyzé") for _ in range(rng.randint(1, 14)))
              for _ in range(size // 4)]
    words += [w.capitalize() for w in words[::7]]
    return [token for word in words for token in analysis._WORD.findall(word)]  # (tokens)


def _terms(key, word):
    """A word's term as the field's analyzer gives it (no memo), None for a stop word."""
    found = [t.text for t in ALL_ANALYZERS[key](word)]
    return found[0] if found else None


@pytest.fixture
def empty_memos(monkeypatch):
    for folder in _FOLDERS.values():
        monkeypatch.setattr(folder, "memo", {})


def test_unknown_dutch_words_keep_their_first_letter():
    """What NewWords relies on: a word the lemma data does not know has a term that starts
    with its first letter (a compound keeps its first part; Snowball changes endings)."""
    rng = random.Random(1)
    checked = 0
    for word in _vocabulary(rng, 20_000):
        folded = dutch.fold(word)
        if folded and folded.isalpha() and dutch.lemma(folded) is None:
            assert dutch.term(folded)[:1] == folded[:1], word
            checked += 1
    assert checked > 5_000


@pytest.mark.parametrize("key, keeps_initial", [("nl", False), ("en", True),
                                                ("nl-stem", True)])
def test_new_words_get_their_terms_or_cannot_start_so(empty_memos, key, keeps_initial):
    rng = random.Random(2)
    words = _vocabulary(rng, 3000)
    new = NewWords(key, keeps_initial)
    for initials in [None, set(), {"l"}, {"r", "s"}, {"g", "z", "a"}, set("abcdefghijklm")]:
        for word in words:
            expected = _terms(key, word)
            found = new.term(word, initials)
            if found is None and initials is not None and expected is not None:
                assert expected[:1] not in initials, (word, expected)
            else:
                assert found == expected, (word, initials)


@pytest.mark.parametrize("key", ["nl", "en"])
def test_marked_words_are_the_analyzers(empty_memos, key):
    """The words a _Marker marks, with the memo empty (every word new), against analysing
    every word: matched terms chosen among the words' own terms, lemmas with other first
    letters, compound parts (Dutch)."""
    from smartsociety.search.engine.snippets import _Marker

    rng = random.Random(3)
    words = _vocabulary(rng, 2000)
    terms = {word: _terms(key, word) for word in words}
    known = sorted({t for t in terms.values() if t})
    for round_ in range(60):
        matched = frozenset(rng.sample(known, rng.randint(0, 4)) + rng.sample(
            ["lopen", "gaan", "zijn", "registreren", "sensor", "huis", "watch", "achten"], 2))
        parts = frozenset(rng.sample(["sensor", "container", "afval", "huis", "kwaliteit"],
                                     rng.randint(0, 2))) if key == "nl" and round_ % 2 else (
            frozenset())
        for folder in _FOLDERS.values():
            folder.memo.clear()
        marker = _Marker(key, matched, parts, keeps_initial=key == "en")
        text = rng.sample(words, 300) + [rng.choice(SPECIAL_TOKENS) for _ in range(20)]
        expected = {word: term for word in text if (term := terms[word]) is not None and (
            term in matched or not parts.isdisjoint(dutch.parts(term)))}
        assert marker.terms(text) == expected, (matched, parts)


def test_prefix_terms_are_the_analyzers(empty_memos):
    from smartsociety.search.engine.analysis import LanguageText
    from smartsociety.search.engine.snippets import _starting

    schema = {"body_nl": LanguageText("nl", stored=True),
              "body_en": LanguageText("en", stored=True)}
    rng = random.Random(4)
    words = _vocabulary(rng, 2000)
    for lang in ("nl", "en"):
        for prefixes in [("lo",), ("ga", "zi"), ("a",), ("registr",), ("wat", "x"), ("é",)]:
            for _ in range(10):
                for folder in _FOLDERS.values():
                    folder.memo.clear()
                text = " ".join(rng.sample(words, 200) + rng.sample(SPECIAL, 10))
                expected = {t for t in analysis.tokens(lang, text) if t.startswith(prefixes)}
                for folder in _FOLDERS.values():
                    folder.memo.clear()
                assert _starting(schema, f"body_{lang}", lang, prefixes)(text) == expected
