"""A registered document as the index's fields: what the indexer and a rebuild write."""
import hashlib
import json
from datetime import UTC, datetime

from whoosh.fields import Schema

from smartsociety.search.engine.analysis import LANGUAGES, analysis_key, term_prefixes, tokens
from smartsociety.search.engine.schema import (
    COMMON_SHARE,
    MAX_COMMON,
    PAIRS,
    PARTS,
    PREFIX_MAX,
    PREFIX_MIN,
    PREFIXES,
    pair_term,
)

SPELL_CHARS = 300
# What a dependent document (a comment) takes over from its parent (the case).
INHERITED = ("title", "kind", "status", "theme", "organisation", "org_kind", "language")


def _digest(values) -> str:
    encoded = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(encoded.encode(), digest_size=12).hexdigest()


def index_fields(doc_type: str, doc_id: int, doc: dict) -> dict:
    """A registered loader's document -> the Whoosh fields (and its fingerprint for `check`)."""
    lang = doc.get("language") if doc.get("language") in LANGUAGES else "nl"
    date = doc.get("date") or datetime.now(UTC)
    if date.tzinfo is not None:
        date = date.astimezone(UTC).replace(tzinfo=None)
    fields = {
        "key": f"{doc_type}:{doc_id}",
        "doc_type": doc_type,
        "kind": doc.get("kind") or "",
        "status": doc.get("status") or "",
        "theme": ",".join(sorted(doc.get("themes") or ())),
        "org_kind": doc.get("org_kind") or "",
        "language": lang,
        "year": str(date.year),
        "date": date,
        "parent": doc.get("parent") or "",
        "organisation": doc.get("organisation") or "",
        "title": doc.get("title") or "",
        "case_id": doc.get("case_id"),
        f"body_{lang}": doc.get("body") or "",
        # Spelling suggestions come from titles and the opening of bodies: indexing every body
        # word twice would halve the indexing rate for little gain.
        "spell": " ".join([doc.get("title") or "", (doc.get("body") or "")[:SPELL_CHARS]]),
    }
    if doc.get("index_title", True):
        fields[f"title_{lang}"] = doc.get("title") or ""
    fields["inherit"] = _digest([fields[name] for name in INHERITED])
    fields["fingerprint"] = _digest({k: v for k, v in fields.items() if k != "inherit"})
    # Whoosh indexes an empty ID as a term of its own; leave empty facets out instead.
    return {k: v for k, v in fields.items() if v not in ("", None)}


def with_shadow_fields(fields: dict, schema: Schema, prefixes: bool = True) -> dict:
    """Add the pairs, prefixes and compound parts of a document's text fields (each only if
    the index has it: not in one built before it existed). The bulk writer derives the
    prefixes itself (`prefixes` False)."""
    lang = fields["language"]
    for name in (f"title_{lang}", f"body_{lang}"):
        text = fields.get(name)
        if text and name + PARTS in schema:
            fields[name + PARTS] = text  # (its field type finds the parts)
        if not text or name + PAIRS not in schema:
            continue
        words = tokens(analysis_key(schema[name]), text)
        common = schema[name + PAIRS].common
        if common:
            pairs = [pair_term(a, b) for a, b in zip(words, words[1:])
                     if a in common and b in common]
            if pairs:
                fields[name + PAIRS] = "\n".join(pairs)
        if not prefixes:
            continue
        found = {p for w in set(words) for p in term_prefixes(w, PREFIX_MIN, PREFIX_MAX)}
        if found:
            fields[name + PREFIXES] = "\n".join(found)
    return fields


def bulk_fields(fields: dict, schema: Schema) -> dict:
    """A document as the bulk writer of a rebuild takes it."""
    return with_shadow_fields(fields, schema, prefixes=False)


def common_words(samples) -> dict[str, frozenset[str]]:
    """Per language, the words in at least COMMON_SHARE of the sampled documents."""
    counts = {lang: {} for lang in LANGUAGES}
    docs = dict.fromkeys(LANGUAGES, 0)
    for fields in samples:
        lang = fields["language"]
        docs[lang] += 1
        seen = set()
        for name in (f"title_{lang}", f"body_{lang}"):
            if fields.get(name):
                seen.update(tokens(lang, fields[name]))
        for word in seen:
            counts[lang][word] = counts[lang].get(word, 0) + 1
    common = {}
    for lang, by_word in counts.items():
        floor = max(2, docs[lang] * COMMON_SHARE)
        ranked = sorted((n, w) for w, n in by_word.items() if n >= floor)
        common[lang] = frozenset(w for _n, w in ranked[-MAX_COMMON:])
    return common
