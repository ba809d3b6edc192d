"""The index's own machinery: fast analysis and the bulk writer agree with Whoosh's."""
import os
import random
from datetime import datetime

import pytest
from whoosh import formats
from whoosh.fields import TEXT, FieldType

from smartsociety.search.engine import analysis, writers
from smartsociety.search.engine.documents import (
    bulk_fields,
    common_words,
    index_fields,
    with_shadow_fields,
)
from smartsociety.search.engine.versions import IndexStore

WORDS = (
    "sensor sensoren gemeente gemeenten privacy privacyregels België Belgie café ÉCOLE straße "
    "de het een en van the and of e.g. 3.14 a*b x_y Ærø ﬁets İstanbul ²  data-ethiek "
    "openbare ruimte camera's wifi-tracking burgers toezicht algoritme algoritmes register"
).split()


def random_text(rng, vocabulary, n):
    return "".join(rng.choice(vocabulary) + rng.choice(["", " ", ", ", ". ", "\n", "  ", "-"])
                   for _ in range(n))


def test_fast_analysis_gives_the_analyzers_terms_and_positions():
    rng = random.Random(7)
    for _ in range(400):
        text = random_text(rng, WORDS, rng.randint(0, 30))
        for lang in analysis.LANGUAGES:
            expected = [(t.text, t.pos) for t in analysis.ANALYZERS[lang](text, positions=True)]
            first, terms = analysis.analyse(lang, text)
            assert [(term, first + i) for i, term in enumerate(terms)] == expected, text
            generic = TEXT(analyzer=analysis.ANALYZERS[lang], field_boost=3.0)
            assert sorted(analysis.LanguageText(lang, field_boost=3.0).index(text)) == sorted(
                generic.index(text))
        spell = FieldType(formats.Existence(), analyzer=analysis.SPELL_ANALYZER, scorable=False)
        assert sorted(analysis.SpellField().index(text)) == sorted(spell.index(text))
        lines = "\n".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        for counted, fmt in ((True, formats.Frequency), (False, formats.Existence)):
            generic = FieldType(fmt(field_boost=3.0), analyzer=analysis.LINES, scorable=counted)
            assert sorted(analysis.LinesField(counted, 3.0).index(lines)) == sorted(
                generic.index(lines))


def _documents(count: int) -> list[dict]:
    rng = random.Random(11)
    # A small vocabulary, so that common terms span several posting blocks (128 postings).
    vocabulary = WORDS + [f"woord{i}" for i in range(300)]
    docs = []
    for i in range(count):
        doc = {
            "title": random_text(rng, vocabulary, rng.randint(0, 8)),
            "body": random_text(rng, vocabulary, rng.randint(0, 60)),
            "language": "en" if i % 5 == 0 else "nl",
            "kind": rng.choice(["dilemma", "project", ""]),
            "status": "open",
            "themes": rng.sample(["data", "privacy", "infrastructuur"], rng.randint(0, 2)),
            "date": datetime(2020 + i % 5, 1 + i % 12, 1 + i % 28),
            "case_id": i,
            "organisation": "Gemeente Turfbrug" if i % 2 else "",
            "org_kind": "gemeente" if i % 2 else "",
        }
        if i % 7 == 0:
            doc["index_title"] = False
        docs.append(index_fields("case", i + 1, doc))
    return docs


def _contents(ix):
    """Everything a reader sees of an index's one segment."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, text] = (
                info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                info.max_weight(), info.min_id(), info.max_id(), items)
        stored = list(reader.all_stored_fields())
        lengths = {name: [reader.doc_field_length(d, name) for d in range(reader.doc_count())]
                   for name in reader.schema.scorable_names()}
        dates = list(reader.column_reader("date"))
    return postings, stored, lengths, dates


@pytest.mark.parametrize("procs", [1, 2])
def test_bulk_writer_writes_what_whoosh_writes(tmp_path, monkeypatch, procs):
    docs = _documents(700)
    common = common_words(docs)
    assert common["nl"]  # so that the pairs fields are exercised
    store = IndexStore(tmp_path / "index")

    plain = store.new_version(common)
    ix = store.open(plain)
    writer = writers.Writer(ix)
    for fields in docs:
        writer.add_document(**with_shadow_fields(dict(fields), ix.schema))
    writer.commit()

    monkeypatch.setattr(writers, "BATCH_DOCS", 100)  # (the parent's: several batches)
    bulk = store.new_version(common)
    # Several segments per builder process (each writer empties its temporary directory when
    # it finishes one: builders must not share it).
    assert writers.build(bulk, [dict(fields) for fields in docs], bulk_fields, procs=procs,
                         segment_docs=700 if procs == 1 else 90) == 700
    if procs == 1:
        assert _contents(store.open(bulk)) == _contents(store.open(plain))
    else:
        # Each builder process writes its own segments: the same postings, other numbering.
        assert len(store.open(bulk)._segments()) >= 7
        assert _by_key(store.open(bulk)) == _by_key(store.open(plain))


def _by_key(ix):
    with ix.searcher() as searcher:
        keys = {}
        for docnum, stored in enumerate(searcher.all_stored_fields()):
            keys[docnum] = stored["key"]
        postings = {}
        for fieldname, text in searcher.reader().all_terms():
            matcher = searcher.postings(fieldname, text)
            items = set()
            while matcher.is_active():
                items.add((keys[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, text] = items
        return postings


def test_a_failing_builder_process_fails_the_rebuild(tmp_path):
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    docs = [{"key": "case:1", "no_such_field": "x"}] * 3
    with pytest.raises(RuntimeError, match="builder process failed"):
        writers.build(version, docs, bulk_fields_passthrough, procs=2)


def bulk_fields_passthrough(fields, schema):
    return fields


def test_a_builder_process_that_dies_fails_the_rebuild(tmp_path):
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    docs = [{"key": f"case:{n}"} for n in range(1, 4)]
    with pytest.raises(RuntimeError, match="builder process stopped"):
        writers.build(version, docs, exit_at_second_document, procs=2)


def exit_at_second_document(fields, schema):
    if fields["key"] == "case:2":
        os._exit(3)  # as if killed: no error message reaches the parent
    return fields


def test_schemas_of_older_indexes_still_load():
    """Their pickled schema names the stem filter where it used to live."""
    import pickle

    old = pickle.dumps(analysis.CachedStemFilter("nl"), protocol=0).replace(
        b"smartsociety.search.engine.analysis", b"smartsociety.search.index")
    assert b"smartsociety.search.index" in old
    assert pickle.loads(old)._stem("sensoren") == "sensor"


def test_an_index_written_before_the_engine_moved_still_opens(tmp_path, monkeypatch):
    """Its pickled schema names classes as smartsociety.search.analysis/.dutch (engine/__init__
    keeps those paths resolvable); it opens, with today's classes, and searches."""
    from whoosh.qparser import QueryParser

    from smartsociety.search.engine import dutch

    for obj in [*(v for v in vars(analysis).values()
                  if isinstance(v, type) and v.__module__ == analysis.__name__), dutch.term]:
        monkeypatch.setattr(obj, "__module__", obj.__module__.replace(".engine.", "."))
    store = IndexStore(tmp_path / "index")
    version = store.new_version()
    ix = store.open(version)
    writer = writers.Writer(ix)
    writer.add_document(**with_shadow_fields(
        index_fields("case", 1, {"title": "Parkeersensoren", "body": "in de wijk",
                                 "language": "nl"}), ix.schema))
    writer.commit()
    ix.close()
    toc = next(version.glob("_MAIN_*.toc")).read_bytes()
    assert b"smartsociety.search.analysis" in toc and b"smartsociety.search.dutch" in toc
    assert b"smartsociety.search.engine" not in toc
    monkeypatch.undo()

    ix = store.open(version)
    assert type(ix.schema["body_nl"]) is analysis.LanguageText
    with ix.searcher() as searcher:
        query = QueryParser("title_nl", ix.schema).parse("parkeersensor")
        assert [hit["key"] for hit in searcher.search(query)] == ["case:1"]
    ix.close()


COMPOUND_WORDS = WORDS + (
    "parkeersensoren vulgraadsensor afvalcontainers verkeerscamera's luchtkwaliteitssensoren "
    "zonnepanelen principes geregistreerd kleurloze wifi-tracker salarissen Sensoren"
).split()


def test_fast_analysis_of_lemmas_parts_and_old_indexes_gives_the_analyzers_terms():
    """The Dutch lemma analysis, its compound parts (at the compound's position) and the
    Snowball analysis of indexes built before lemmas, each against its Whoosh chain."""
    rng = random.Random(19)
    old = analysis.LanguageText("nl")
    del old.__dict__["analysis"]  # as pickled by the previous code
    old.analyzer = analysis.ALL_ANALYZERS["nl-stem"]
    old_parts = analysis.PartsText(field_boost=0.3)
    old_parts.format = formats.Positions(field_boost=0.3)  # as pickled before
    for _ in range(300):
        text = random_text(rng, COMPOUND_WORDS, rng.randint(0, 30))
        for key, chain in analysis.ALL_ANALYZERS.items():
            expected = [(t.text, t.pos) for t in chain(text, positions=True)]
            first, terms = analysis.analyse(key, text)
            assert [(term, first + i) for i, term in enumerate(terms)] == expected, text
        expected = [(t.text, t.pos) for t in analysis.PARTS_ANALYZER(text, positions=True)]
        assert [(part, pos) for pos, part in analysis.analyse_parts(text)] == expected, text
        generic = TEXT(analyzer=analysis.PARTS_ANALYZER, phrase=False, field_boost=0.3)
        assert sorted(analysis.PartsText(field_boost=0.3).index(text)) == sorted(
            generic.index(text))
        # Parts fields of indexes built while they kept positions get them still.
        positional = TEXT(analyzer=analysis.PARTS_ANALYZER, field_boost=0.3)
        assert sorted(old_parts.index(text)) == sorted(positional.index(text))
        generic = TEXT(analyzer=analysis.ALL_ANALYZERS["nl-stem"])
        assert sorted(old.index(text)) == sorted(generic.index(text))



def test_fast_dutch_analysis_memoises_a_word_once():
    """analyse() keeps a word's Dutch term in its own memo only, not in the lemma filter's
    memo as well (a web process memoises every word of the snippets it shows)."""
    lemma_filter = next(f for f in analysis.ALL_ANALYZERS["nl"].items
                        if isinstance(f, analysis.LemmaFilter))
    memo = next(c.cell_contents for c in lemma_filter._stem.__closure__
                if isinstance(c.cell_contents, dict))
    before = len(memo)
    words = [f"onbekendwoord{n}" for n in range(50)] + ["Fietsenstallingen", "gemeenten"]
    first, terms = analysis.analyse("nl", " ".join(words))
    assert len(memo) == before
    assert terms == [t.text for t in analysis.ALL_ANALYZERS["nl"](" ".join(words))]
