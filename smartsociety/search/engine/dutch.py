"""Dutch words -> index terms: the lemma (simplemma's Dutch data) and, for a compound word, its
parts found against a word list (like Elasticsearch's dictionary decompounder).

Every function takes a word as the analyzers have it at that point: lowercase, accents folded
("financiële" -> "financiele"). simplemma's data has accents, so its entries are looked up under
their folded form too; that way a word and its folded spelling get the same term.

    term("principes") == "principe"        plural
    term("geregistreerd") == "registreren"  participle
    term("kleurloze") == "kleurloos"        s/z alternation
    term("vulgraadsensoren") == "vulgraadsensor"   unknown compound: its head's lemma
    parts("vulgraadsensor") == ("vul", "graad", "sensor")

Words simplemma does not know and that are no compound go through Whoosh's Snowball stemmer.
"""
import array
import hashlib
import mmap
import os
import struct
import sys
from functools import update_wrapper
from pathlib import Path

import marisa_trie
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

# Debian's wdutch (the "dutch" word list); without it simplemma's own words serve.
WORD_LIST = Path(os.environ.get("SEARCH_DUTCH_WORDS", "/usr/share/dict/dutch"))
MIN_COMPOUND = 7  # letters: shorter words are not split
MIN_MODIFIER = 4  # letters of a part before the last (3 before linking letters: zon-ne-)
MIN_LONE_HEAD = 5  # letters of a known last part after a first part that is no word
MIN_HEAD = 4  # letters of the last part: "kant|oor" is no split of "kantoor"
MAX_PARTS = 4
# Linking letters between the parts of a compound: verkeer-s-camera, boek-en-kast, zonn-e-…
LINKS = ("s", "en", "e")
# Never a part before the last: prefixes, particles and function words ("ver|keer",
# "onder|zoek", "aan|pak" are no compounds a searcher means).
NOT_MODIFIERS = frozenset("""
    aan achter af al alle als ben bij binnen boven buiten dat der die dit door een eer en er
    ge gem her het hoe hun ik in in mee mis na naar naast niet nog om ont op over rond samen
    tegen ter terug toe tot uit van ver voor waar wat weer wel wie zelf zich zo zonder be
    onder mede weder hier daar over tussen langs ergens niets iets veel meer min minder
    want neer vooruit achteruit heen voort omhoog omlaag
    """.split())
# A verb that starts with one of these and whose first part would be a verb form is a verb
# with a prefix, not a compound ("ver|smallen", not "vers|mallen").
VERB_PREFIXES = ("ver", "be", "ont", "her", "ge")
# Never the last part: derivational endings that happen to be words ("kleur|loos", "over|heid").
NOT_HEADS = frozenset("""
    heid heden baar bare loos loze lijk lijke lijks schap schappen achtig achtige isch ische
    ling lingen erij ster sters aard aards ingen nissen iteit atie aties ering eringen tjes
    matig matige waardig waardige zaam zame elijk elijke ende enden ster eren erig erige
    """.split())

_ENDING_LENGTHS = sorted({len(ending) for ending in NOT_HEADS})

# Left of an apostrophe's word ("camera's", "'t", "'n") the tokenizer leaves these letters.
EXTRA_STOP_WORDS = frozenset({"s", "t", "n", "k"})


def fold(word: str) -> str:
    return word.lower().translate(accent_map)


# Bump when _Data's processing or its file's layout changes: the previous cache is not read.
DATA_FORMAT = 2
_MAGIC = b"SSNLDAT2"
_HEADER = struct.Struct("<8sQQ")  # magic, number of strings, length of the trie
_NO_LEMMA = 0xFFFFFFFF


def _cache_path() -> Path:
    """A per-user cache of the processed data (building it costs ~2 s of CPU), named by
    everything it is made from."""
    from importlib.metadata import version

    try:
        stat = WORD_LIST.stat()
        source = f"{WORD_LIST}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        source = "-"
    key = hashlib.blake2b(
        f"{DATA_FORMAT}|{version('simplemma')}|{version('marisa-trie')}|{sys.byteorder}|"
        f"{source}".encode(), digest_size=8).hexdigest()
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "smartsociety" / f"dutch-{key}.data"


class _Lemmas:
    """simplemma's lemmas under folded keys, read like a dict (`get`, `in`)."""

    def __init__(self, trie, lemma_ids):
        self._trie, self._ids = trie, lemma_ids

    def get(self, word, default=None):
        found = self._trie.get(word)
        if found is None:
            return default
        target = self._ids[found]
        return default if target == _NO_LEMMA else self._trie.restore_key(target)

    def __contains__(self, word) -> bool:
        found = self._trie.get(word)
        return found is not None and self._ids[found] != _NO_LEMMA

    def final(self, word, steps: int):
        """The word's lemma, and that lemma's lemma and so on (at most `steps` more times,
        until one is its own or has none): followed by id, one string made at the end."""
        found = self._trie.get(word)
        if found is None:
            return None
        ids = self._ids
        target = ids[found]
        if target == _NO_LEMMA:
            return None
        for _step in range(steps):
            further = ids[target]
            if further == _NO_LEMMA or further == target:
                break
            target = further
        return self._trie.restore_key(target)


class _Words:
    """The words a compound's parts may be, read like a set (`in`)."""

    def __init__(self, trie, flags):
        self._trie, self._flags = trie, flags

    def __contains__(self, word) -> bool:
        found = self._trie.get(word)
        return found is not None and self._flags[found] == 1


class _Data:
    """simplemma's Dutch lemmas under folded keys, and the word list for compound parts.

    Kept in one file, memory-mapped: a MARISA trie of every key and lemma (a string's id is its
    number in the trie), each id's lemma id (an array of uint32) and whether it is a word of
    the list (a byte each). About 2 MB instead of the ~90 MB a dict and a frozenset of these
    strings take in each process; and mapped pages of a file are shared by every process that
    maps it (gunicorn's master and its workers), where the pages of Python objects are
    copied into each worker as soon as their reference counts change."""

    def __init__(self):
        path = _cache_path()
        if not self._map(path):
            lemmas, words = self._build()
            blob = self.encode(lemmas, words)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.name}.{os.getpid()}")
                tmp.write_bytes(blob)
                os.replace(tmp, path)
            except OSError:
                pass  # (a read-only home: built again next time)
            if not self._map(path):
                self._load(memoryview(blob))

    def _map(self, path: Path) -> bool:
        try:
            with open(path, "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # (missing, or empty: ValueError)
            return False
        try:
            self._load(memoryview(mapped))
        except ValueError:
            return False  # (the map goes with its last view)
        # The trie reads the mapped memory without holding on to it: the map lives as long as
        # this object (it is never closed while the trie may still be used).
        self._mapped = mapped
        return True

    def _load(self, buffer: memoryview) -> None:
        if len(buffer) < _HEADER.size:
            raise ValueError("short file")
        magic, count, trie_length = _HEADER.unpack_from(buffer)
        ids_at = _HEADER.size
        flags_at = ids_at + 4 * count
        trie_at = -(-(flags_at + count) // 8) * 8
        if magic != _MAGIC or trie_at + trie_length != len(buffer):
            raise ValueError("not a data file of this format")
        trie = marisa_trie.Trie()
        try:
            trie.map(buffer[trie_at:])
        except Exception as error:  # (marisa raises RuntimeError on a damaged trie)
            raise ValueError("damaged trie") from error
        if len(trie) != count:
            raise ValueError("damaged trie")
        self._buffer = buffer
        self.lemmas = _Lemmas(trie, buffer[ids_at:flags_at].cast("I"))
        self.words = _Words(trie, buffer[flags_at:flags_at + count])

    @staticmethod
    def encode(lemmas: dict[str, str], words: frozenset[str]) -> bytes:
        """The file's bytes for these lemmas and words (the words are keys of the lemmas)."""
        trie = marisa_trie.Trie(set(lemmas) | set(lemmas.values()))
        count = len(trie)
        ids = array.array("I", [_NO_LEMMA]) * count
        flags = bytearray(count)
        for key, value in lemmas.items():
            ids[trie[key]] = trie[value]
        for word in words:
            flags[trie[word]] = 1
        tail = trie.tobytes()
        head = _HEADER.pack(_MAGIC, count, len(tail)) + ids.tobytes() + bytes(flags)
        return head + bytes(-len(head) % 8) + tail

    @staticmethod
    def _build() -> tuple[dict[str, str], frozenset[str]]:
        from simplemma.strategies.dictionaries.dictionary_factory import (
            DEFAULT_DICTIONARY_FACTORY,
        )

        lemmas: dict[str, str] = {}
        accented = []
        for key, value in DEFAULT_DICTIONARY_FACTORY.get_dictionary("nl").items():
            if not value.replace("-", "").isalpha():  # ("gemeente_raad")
                continue
            if key.isascii() and value.isascii():
                lemmas[key] = value
            else:
                accented.append((key, value))
        for key, value in accented:  # a folded spelling may also be a word of its own
            lemmas.setdefault(fold(key), fold(value))
        try:
            text = WORD_LIST.read_text(encoding="utf-8")
        except OSError:
            text = " ".join(lemmas)
        # Parts must be words of both: the list alone has names and fragments ("ensor").
        words = frozenset(
            w for w in (fold(line) for line in text.split())
            if w.isalpha() and len(w) >= 3 and w in lemmas)
        return lemmas, words


_data: _Data | None = None


def data() -> _Data:
    global _data
    if _data is None:
        _data = _Data()
    return _data


_stem = stemmer_for_language("nl")


def lemma(word: str) -> str | None:
    """simplemma's lemma of a (folded) word, None when its data does not know the word. Its
    data is not always idempotent ("stolpte" -> "stolpen" -> "stolp"): followed to the end,
    so that a word and its lemma get one term."""
    return data().lemmas.final(word, 3)


def _split(word: str, depth: int = 0, known: bool = True) -> tuple[str, ...] | None:
    """The parts of a compound, as written (linking letters dropped), or None. Of the ways to
    split, a first part that is a word as it stands beats one with linking letters, a last
    part that is a word beats one that is a compound itself (split further), and then the
    longest last part wins. A word simplemma does not know may also end in a known word
    after a first part that is no word ("vulgraad|sensoren")."""
    if depth >= MAX_PARTS - 1 or len(word) < MIN_MODIFIER + MIN_HEAD:
        return None
    words = data().words
    best, best_rank = None, None
    compound_heads = []  # (cut, modifier) whose last part may be a compound: tried last
    prefixed_verb = (known and depth == 0 and word.endswith("en")
                     and word.startswith(VERB_PREFIXES))
    for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        head = word[cut:]
        if head in NOT_HEADS:
            continue
        modifier, linked = _modifier(word[:cut], words)
        if head in words:
            if prefixed_verb and modifier is not None and _verb_form(modifier):
                continue  # "verwelk|omen" is "verwelkomen", "vers|mallen" "versmallen"
            if modifier is None:
                if known or len(head) < MIN_LONE_HEAD or cut < MIN_MODIFIER + 1:
                    continue
                rank, found = 3, (word[:cut], head)
            else:
                rank, found = (1 if linked else 0), (modifier, head)
            if best_rank is None or rank < best_rank:
                best, best_rank = found, rank
        elif modifier is not None and len(head) >= MIN_COMPOUND:
            compound_heads.append((cut, modifier))
    if best_rank is None or best_rank > 2:
        for cut, modifier in compound_heads:  # (splitting these is the slow part)
            rest = _split(word[cut:], depth + 1)
            if rest is not None:
                best, best_rank = (modifier, *rest), 2
                break
    if best is not None and best_rank < 3:
        first = _split(best[0], depth + 1)
        if first:
            best = (*first, *best[1:])
    return best


def _verb_form(text: str) -> bool:
    """Whether a word is a form of a verb, not the verb itself ("verwelk" of "verwelken")."""
    found = lemma(text)
    return found is not None and found != text and found.endswith("en")


MEMO_SIZE = 200_000


def memoised(function, size: int | None = None):
    """`function` of one word, memoised in a plain dict emptied when it holds `size` answers
    (MEMO_SIZE, read when full): ~20 bytes an entry where functools.lru_cache keeps ~80 (its
    linked list), and a web process memoises every distinct word of the snippets it shows
    (tens of thousands)."""
    memo: dict[str, tuple[str, ...]] = {}

    def cached(word: str) -> tuple[str, ...]:
        try:
            return memo[word]
        except KeyError:
            if len(memo) >= (size or MEMO_SIZE):
                memo.clear()
            found = memo[word] = function(word)
            return found

    cached.cache_clear = memo.clear
    cached.memo = memo
    return update_wrapper(cached, function)


def _modifier(text: str, words) -> tuple[str | None, bool]:
    """A part before the last: a word of the list, maybe followed by linking letters (and
    whether it was)."""
    if text in words and text not in NOT_MODIFIERS:
        return text, False
    for link in LINKS:
        if text.endswith(link):
            stripped = text[:-len(link)]
            shortest = MIN_MODIFIER
            # zonn-e-paneel: the doubled consonant belongs to the link
            if link != "s" and len(stripped) > 3 and stripped[-1] == stripped[-2]:
                stripped, shortest = stripped[:-1], MIN_MODIFIER - 1
            if (len(stripped) >= shortest and stripped in words
                    and stripped not in NOT_MODIFIERS):
                return stripped, True
    return None, False


@memoised
def split(word: str) -> tuple[str, ...]:
    """A compound's parts as written (empty for a word that is no compound)."""
    if len(word) < MIN_COMPOUND or not word.isalpha() or _derived(word):
        return ()
    return _split(word, known=lemma(word) is not None) or ()


def _derived(word: str) -> bool:
    """A word made from another word with a derivational ending, not a compound: "beest" +
    "achtig" (not "bees|tachtig"), "oplossen" -> "oplossing" (not "oplos|sing")."""
    words = data().words
    if word.endswith("ing") and word[:-3] + "en" in data().lemmas:
        return True
    return any(word[-n:] in NOT_HEADS and word[:-n] in words for n in _ENDING_LENGTHS)


def term(word: str) -> str:
    """The index term of a (folded, not stop) word. A word `lemma` does not know keeps its
    first letter (analysis.NewWords relies on it: tests/test_search_new_words.py)."""
    found = lemma(word)
    if found is not None:
        return found
    pieces = split(word)
    if pieces:
        # An unknown compound: its last part inflects ("vulgraadsensoren" -> "...sensor").
        head = pieces[-1]
        head_lemma = lemma(head)
        if head_lemma is not None and head_lemma != head:
            return word[:len(word) - len(head)] + head_lemma
        return word
    return _stem(word)


@memoised
def parts(term_text: str) -> tuple[str, ...]:
    """The index terms of a term's compound parts (empty for no compound): each part's term,
    and for three or more parts also the compound formed by the last ones
    ("luchtkwaliteitssensor": lucht, kwaliteit, sensor, kwaliteitssensor)."""
    pieces = split(term_text)
    if not pieces:
        return ()
    found = [term(piece) for piece in pieces]
    if len(pieces) > 2:
        tail = term_text[term_text.rfind(pieces[-2]):] if pieces[-2] in term_text else None
        if tail and tail != term_text:
            found.append(term(tail))
    return tuple(dict.fromkeys(p for p in found if p != term_text))
