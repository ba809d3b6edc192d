"""The search query language, parsed without Whoosh, Jinja or forms: any string gives a query.

    sensor privacy      both words must match
    "open data"         exact phrase
    -camera             exclude
    sensor OR camera    either
    privacy*            prefix
"""
import re
from dataclasses import dataclass, field

from smartsociety.text import fold

MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
MAX_PHRASE_WORDS = 12
MIN_PREFIX = 2

# A word: letters and digits of any script (no underscores, no control characters).
WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r'-?"[^"]*"?|\S+')


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False

    def __str__(self) -> str:
        return self.text + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]

    def __str__(self) -> str:
        return '"' + " ".join(self.words) + '"'


Item = Word | Phrase


@dataclass
class ParsedQuery:
    # Every clause must match; a clause matches when any of its alternatives does (OR).
    required: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)
    truncated: bool = False  # terms or text beyond the caps were dropped

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.excluded

    def items(self):
        for clause in self.required:
            yield from clause

    def replaced(self, corrections: dict[str, str]) -> str:
        """The query as text with some plain words replaced ("did you mean")."""
        def item(it: Item) -> str:
            if isinstance(it, Word) and not it.prefix:
                return corrections.get(it.text, it.text)
            return str(it)

        parts = [" OR ".join(item(it) for it in clause) for clause in self.required]
        parts += ["-" + item(it) for it in self.excluded]
        return " ".join(parts)


def _words(text: str) -> list[str]:
    return [fold(w) for w in WORD.findall(text)]


def _item(token: str) -> Item | None:
    if token.startswith('"'):
        words = _words(token.strip('"'))[:MAX_PHRASE_WORDS]
        if len(words) > 1:
            return Phrase(tuple(words))
        return Word(words[0]) if words else None
    prefix = token.endswith("*")
    words = _words(token)
    if not words:
        return None
    if len(words) > 1:
        # "e-mail", "covid-19": the parts next to each other.
        return Phrase(tuple(words[:MAX_PHRASE_WORDS]))
    word = words[0]
    if prefix and len(word) >= MIN_PREFIX:
        return Word(word, prefix=True)
    return Word(word)


def parse(text: str) -> ParsedQuery:
    query = ParsedQuery()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        query.truncated = True
    # Unbalanced quote: the phrase runs to the end, as people usually mean.
    if text.count('"') % 2:
        text += '"'
    pending_or = False
    terms = 0
    for token in TOKEN.findall(text):
        if token == "OR":
            pending_or = bool(query.required)
            continue
        negative = token.startswith("-") and len(token) > 1
        item = _item(token[1:] if negative else token)
        if item is None:
            continue
        if terms >= MAX_TERMS:
            query.truncated = True
            break
        terms += 1
        if negative:
            query.excluded.append(item)
            pending_or = False
        elif pending_or:
            query.required[-1].append(item)
            pending_or = False
        else:
            query.required.append([item])
    return query
