"""The index's schema: its fields, their shadow fields, and the names the engine shares.

Every text field has a field per language; like Elasticsearch's index_phrases and
index_prefixes, each has two shadow fields, and Dutch ones a third (see below). An index keeps
the schema it was built with (pickled): `make_schema` makes the one of a new index version.
"""
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, FieldType, Schema

from smartsociety.search.engine.analysis import (
    ANALYZERS,
    LanguageText,
    LinesField,
    PartsText,
    PrefixField,
    SpellField,
)

TITLE_BOOST = 3.0
FACET_FIELDS = ("doc_type", "kind", "theme", "status", "org_kind", "language", "year")


def _sort_only(fieldobj):
    # Sorted on and shown, never searched: a date indexed as terms costs ~8 terms a document.
    fieldobj.indexed = False
    return fieldobj


# Like Elasticsearch's index_phrases and index_prefixes, each text field has two shadow fields:
#   <field>_pairs     two consecutive words (after stop words and stemming, as a phrase query
#                     sees them) when both are common words of the collection: a phrase of
#                     common words is then one short posting list instead of the positions of
#                     two very long ones. A phrase with a rarer word is cheap to check as a
#                     phrase, and indexing all pairs would more than double the terms.
#   <field>_prefixes  the first 2..PREFIX_MAX letters of every word, so "ach*" is one posting
#                     list instead of a union of many.
# The common words are chosen when the index is built and kept in its schema (every pair field
# of a language carries them), so writers and readers of one index version always agree.
PAIRS, PREFIXES = "_pairs", "_prefixes"
# Dutch fields also have <field>_parts: the parts of their compound words ("sensor" of
# "parkeersensoren"), counted without positions, weighted less than a whole word.
PARTS = "_parts"
PART_BOOST = 0.3
COMPOUND_LANGUAGES = ("nl",)
PREFIX_MIN, PREFIX_MAX = 2, 3
COMMON_SAMPLE = 2000  # documents looked at to choose the common words
COMMON_SHARE = 0.05  # a common word is in at least this share of them (and 2 documents)
MAX_COMMON = 1000


def _pairs_field(common: frozenset[str], boost: float) -> FieldType:
    fieldobj = LinesField(counted=True, boost=boost)
    fieldobj.common = common
    return fieldobj


def _prefixes_field(source: str, boost: float) -> FieldType:
    return PrefixField(source, boost, PREFIX_MIN, PREFIX_MAX)


def pair_term(first: str, second: str) -> str:
    return f"{first} {second}"


def make_schema(common: dict[str, frozenset[str]] | None = None) -> Schema:
    fields = {
        "key": ID(unique=True, stored=True),
        "doc_type": ID(stored=True, sortable=True),
        "kind": ID(stored=True, sortable=True),
        "status": ID(stored=True, sortable=True),
        "theme": KEYWORD(stored=True, commas=True),
        "org_kind": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "year": ID(stored=True, sortable=True),
        "date": _sort_only(DATETIME(stored=True, sortable=True)),
        "parent": ID(stored=True),
        "organisation": STORED(),
        "title": STORED(),
        "case_id": STORED(),
        "fingerprint": STORED(),
        "inherit": STORED(),
        "spell": SpellField(),
    }
    for lang in ANALYZERS:
        fields[f"title_{lang}"] = LanguageText(lang, field_boost=TITLE_BOOST)
        fields[f"body_{lang}"] = LanguageText(lang, stored=True)
        words = frozenset((common or {}).get(lang, ()))
        for name, boost in ((f"title_{lang}", TITLE_BOOST), (f"body_{lang}", 1.0)):
            fields[name + PAIRS] = _pairs_field(words, boost)
            fields[name + PREFIXES] = _prefixes_field(name, boost)
            if lang in COMPOUND_LANGUAGES:
                fields[name + PARTS] = PartsText(field_boost=boost * PART_BOOST)
    return Schema(**fields)


SCHEMA = make_schema()
