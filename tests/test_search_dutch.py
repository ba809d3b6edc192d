"""Dutch search: lemmas (plurals, participles, s/z), compound words and their parts, old indexes."""
import sys
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest

from smartsociety.search import service
from smartsociety.search.commands import search_cli
from smartsociety.search.engine import analysis, dutch
from tests.factories import CaseFactory
from tests.test_search import keys, worker_mode  # noqa: F401 (a fixture)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.search_quality import (  # noqa: E402
    compound_figures,
    finds,
    read_compounds,
    split_figures,
)


def terms(text: str, lang: str = "nl") -> list[str]:
    return analysis.tokens(lang, text)


def parts(text: str) -> set[str]:
    return {part for _pos, part in analysis.analyse_parts(text)}


# -- lemmas ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lemma, forms", [
    ("principe", ["principes"]),
    ("fractie", ["fracties"]),
    ("niveau", ["niveaus"]),
    ("periode", ["periodes"]),
    ("salaris", ["salarissen"]),
    ("sportwagen", ["sportwagens"]),
    ("reguleren", ["gereguleerd", "reguleert", "reguleerde"]),
    ("registreren", ["geregistreerd", "registreert"]),
    ("kleurloos", ["kleurloze"]),
    ("sensor", ["sensoren", "Sensoren"]),
    ("huis", ["huizen"]),
    ("werken", ["werkte", "gewerkt", "werkt"]),
    ("maken", ["gemaakt", "maakte"]),
    ("financieel", ["financiële", "financiele"]),
])
def test_a_dutch_word_and_its_forms_get_one_term(lemma, forms):
    for form in forms:
        assert terms(form) == terms(lemma), form


def test_the_previous_analysis_missed_these():
    """(What the issue measured: Snowball gave these forms other terms than their lemma.)"""
    for lemma, form in [("principe", "principes"), ("reguleren", "gereguleerd"),
                        ("kleurloos", "kleurloze"), ("salaris", "salarissen")]:
        assert terms(form, "nl-stem") != terms(lemma, "nl-stem")
        assert terms(form) == terms(lemma)


def test_stop_words_and_apostrophes():
    assert terms("de camera's van het plein") == ["camera", "plein"]
    assert terms("Thecla's") == terms("Thecla")


def test_english_keeps_its_stemmer():
    assert terms("sensors", "en") == terms("sensor", "en") == ["sensor"]
    assert terms("municipalities", "en") == terms("municipality", "en")
    # Dutch lemmas are not applied to English text.
    assert terms("was", "en") == [] and terms("huizen", "en") == ["huizen"]


# -- compounds -------------------------------------------------------------------------------

@pytest.mark.parametrize("compound, expected", [
    ("parkeersensor", {"parkeren", "sensor"}),  # no linking letter
    ("afvalcontainers", {"afval", "container"}),
    ("verkeerscamera's", {"verkeer", "camera"}),  # linking s
    ("boekenkast", {"boek", "kast"}),  # linking en (or a plural)
    ("zonnepanelen", {"zon", "paneel"}),  # linking e, doubled consonant
    ("luchtkwaliteitssensoren", {"lucht", "kwaliteit", "sensor"}),  # three parts
    ("vulgraadsensoren", {"sensor"}),  # a first part the word list does not have
    ("bedrijfswagen", {"bedrijf", "wagen"}),  # not a verb with a prefix ("be-", "-en")
])
def test_compound_parts(compound, expected):
    assert expected <= parts(compound), parts(compound)


def test_an_unknown_compound_gets_its_heads_lemma():
    assert terms("vulgraadsensoren") == terms("vulgraadsensor") == ["vulgraadsensor"]
    assert terms("parkeersensoren") == terms("parkeersensor")


@pytest.mark.parametrize("word", ["kantoren", "kantoor", "bestand", "salaris", "verkeer",
                                  "onderzoek", "overheid", "kleurloos", "gemeente", "interest",
                                  "organisatie", "principe", "veiligheid", "aanpak",
                                  # a particle or adverb first ("want|rouwen", "neer|duwen")
                                  "wantrouwen", "neerduwen", "vooruitstreven",
                                  # a derivation ("bees|tachtig", "oplos|sing", "beleg|ging")
                                  "beestachtig", "oplossing", "belegging", "halvering",
                                  # a verb with a prefix ("vers|mallen", "verwelk|omen")
                                  "versmallen", "verwelkomen", "vergoden", "verflauwen"])
def test_single_words_are_not_split(word):
    assert parts(word) == set(), word


def test_few_single_words_are_split():
    """tests/data/single_words_nl.txt: words of random samples of the word list that are no
    compounds, read by hand (bench/search_quality.py prints the figure): at most 5% split."""
    figures = split_figures()
    assert figures["words"] >= 200 and figures["hold_out"] >= 100
    assert figures["split"] <= 0.05 * figures["words"], figures


def test_hyphenated_words_are_words_of_their_own():
    assert terms("wifi-tracker") == ["wifi", "tracker"]
    assert terms("de wifi-tracker's sensor") == ["wifi", "tracker", "sensor"]
    # and a hyphenated part can be a compound itself
    assert "sensor" in parts("wifi-parkeersensoren")


def test_compound_recall_on_the_generated_list():
    """tests/data/compounds_nl.tsv: compounds of two words of the word list (bench/
    search_quality.py). A search for either part finds a document with only the compound."""
    rows = read_compounds()
    assert len(rows) >= 200
    figures = compound_figures(rows)
    assert figures["found"] >= 0.9 * figures["parts"], figures
    assert figures["exact"] == figures["compounds"]
    assert finds("sensor", "De vulgraadsensoren werken") and not finds("sensor", "sensatie")


# -- searching -------------------------------------------------------------------------------

def test_search_finds_lemmas_and_compound_parts(client):
    principe = CaseFactory(title="Onze principes", summary="", body="", body_html="")
    registered = CaseFactory(title="Alles wordt geregistreerd", summary="", body="",
                             body_html="")
    whole = CaseFactory(title="Een sensor", summary="", body="", body_html="")
    compound = CaseFactory(title="Vulgraadsensoren in afvalcontainers", summary="", body="",
                           body_html="")
    tracker = CaseFactory(title="De wifi-tracker", summary="", body="", body_html="")
    assert keys(client, "principe") == [f"case:{principe.id}"]
    assert keys(client, "registreren") == [f"case:{registered.id}"]
    # The whole word first, then the compound that has it as a part.
    assert keys(client, "sensor") == [f"case:{whole.id}", f"case:{compound.id}"]
    assert keys(client, "sensoren") == [f"case:{whole.id}", f"case:{compound.id}"]
    # A compound finds the compound (not its parts elsewhere).
    assert keys(client, "vulgraadsensor") == [f"case:{compound.id}"]
    assert keys(client, "container") == [f"case:{compound.id}"]
    assert keys(client, "tracker") == [f"case:{tracker.id}"]
    assert keys(client, "wifi-tracker") == [f"case:{tracker.id}"]


def test_whole_word_ranks_above_part_even_in_the_body(client):
    in_part = CaseFactory(title="Meten", summary="", body_html="",
                          body="Parkeersensoren tellen auto's. " + "Zij meten veel. " * 3)
    in_whole = CaseFactory(title="Tellen", summary="", body_html="",
                           body="Een sensor telt auto's. " + "Zij meten veel. " * 3)
    assert keys(client, "sensor") == [f"case:{in_whole.id}", f"case:{in_part.id}"]
    assert keys(client, "parkeersensor") == [f"case:{in_part.id}"]


def test_snippets_mark_compounds_that_matched_through_a_part(client):
    CaseFactory(title="Afval", summary="", body_html="",
                body="De vulgraadsensoren in de afvalcontainers melden wanneer ze vol zijn.")
    html = client.get("/zoeken", query_string={"q": "sensor"}).data.decode()
    assert "<mark>vulgraadsensoren</mark>" in html
    html = client.get("/zoeken", query_string={"q": "containers"}).data.decode()
    assert "<mark>afvalcontainers</mark>" in html
    html = client.get("/zoeken", query_string={"q": "gemeld"}).data.decode()
    assert "<mark>melden</mark>" in html  # a participle's lemma


def test_phrases_still_work_with_lemmas(client):
    case = CaseFactory(title="Slimme parkeersensoren", summary="", body="", body_html="")
    CaseFactory(title="Parkeersensoren zijn slim", summary="", body="", body_html="")
    assert keys(client, '"slimme parkeersensor"') == [f"case:{case.id}"]


def test_phrases_match_whole_words_and_parts_have_no_positions(client):
    """A compound's parts are kept without positions (a part is only searched as a word): a
    phrase matches the words as written, a compound's part does not stand in for a word."""
    compound = CaseFactory(title="Slimme parkeersensoren", summary="", body="", body_html="",
                           language="nl")
    whole = CaseFactory(title="Een slimme sensor meet", summary="", body="", body_html="",
                        language="nl")
    assert keys(client, '"slimme sensor"') == [f"case:{whole.id}"]
    assert keys(client, '"slimme sensor meet"') == [f"case:{whole.id}"]
    assert keys(client, '"slimme parkeersensor"') == [f"case:{compound.id}"]
    assert keys(client, '"parkeersensoren"') == [f"case:{compound.id}"]
    assert keys(client, '"sensor"') == keys(client, "sensor")  # (one word: not a phrase)
    # As words (not a phrase) the part counts, below the whole word.
    assert keys(client, "slimme sensor") == [f"case:{whole.id}", f"case:{compound.id}"]
    ix = service.store().open()
    try:
        parts_field = ix.schema["title_nl_parts"]
        assert not parts_field.format.supports("positions")
        with ix.searcher() as searcher:
            assert searcher.doc_frequency("title_nl_parts", "sensor") == 1
    finally:
        ix.close()


def test_both_languages(client):
    dutch_case = CaseFactory(title="Camera's in de wijken", summary="", body="", body_html="")
    english = CaseFactory(title="Cameras in the neighbourhoods", language="en", summary="",
                          body="", body_html="")
    assert set(keys(client, "camera")) == {f"case:{dutch_case.id}", f"case:{english.id}"}
    assert keys(client, "wijk") == [f"case:{dutch_case.id}"]
    assert keys(client, "neighbourhood") == [f"case:{english.id}"]


def test_did_you_mean_suggests_no_correction_for_a_found_lemma(client):
    CaseFactory(title="Onze principes", summary="", body="", body_html="")
    html = client.get("/zoeken?q=principe").data.decode()
    assert "q=principes" not in html


# -- an index built before lemmas ------------------------------------------------------------

def _legacy_schema(make_schema):
    """The schema the previous code wrote: Snowball for Dutch (its pickled fields have no
    `analysis`), no parts fields."""
    from smartsociety.search.engine.schema import PARTS

    def schema_of(common=None):
        schema = make_schema(common)
        for name in list(schema.names()):
            if name.endswith(PARTS):
                schema.remove(name)
        for name in ("title_nl", "body_nl"):
            field = schema[name]
            del field.__dict__["analysis"]
            field.analyzer = analysis.language_analyzer("nl", lemmas=False)
        return schema

    return schema_of


def test_an_index_built_before_lemmas_works_until_rebuilt(worker_mode, client, monkeypatch):
    from smartsociety.search.engine import versions

    old_schema = _legacy_schema(versions.make_schema)
    principe = CaseFactory(title="Onze principes", summary="", body="", body_html="")
    sensor = CaseFactory(title="Een sensor", summary="", body="", body_html="")
    compound = CaseFactory(title="Parkeersensoren", summary="", body="", body_html="")
    with monkeypatch.context() as patch:
        patch.setattr(versions, "make_schema", old_schema)  # (new index versions are made
        patch.setattr(versions, "SCHEMA", old_schema())  # with these)
        assert worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"]).exit_code == 0
    ix = service.store().open()
    assert analysis.analysis_key(ix.schema["body_nl"]) == "nl-stem"
    assert "body_nl_parts" not in ix.schema
    ix.close()
    status = worker_mode.test_cli_runner().invoke(search_cli, ["status"]).output
    assert "flask search rebuild" in status
    worker = worker_mode.test_cli_runner().invoke(search_cli, ["worker", "--once"])
    assert "older code" in worker.output and worker.exit_code == 0
    # Read and written with Snowball, as before: plurals in -en still meet, -s ones do not.
    added = CaseFactory(title="Nieuwe sensoren", summary="", body="", body_html="")
    service.indexer().apply_pending()
    assert set(keys(client, "sensor")) == {f"case:{sensor.id}", f"case:{added.id}"}
    assert keys(client, "principe") == []
    assert keys(client, "principes") == [f"case:{principe.id}"]
    assert worker_mode.test_cli_runner().invoke(search_cli, ["check"]).exit_code == 0

    assert worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"]).exit_code == 0
    ix = service.store().open()
    assert analysis.analysis_key(ix.schema["body_nl"]) == "nl" and "body_nl_parts" in ix.schema
    ix.close()
    assert "flask search rebuild" not in worker_mode.test_cli_runner().invoke(
        search_cli, ["status"]).output
    assert keys(client, "principe") == [f"case:{principe.id}"]
    assert keys(client, "sensor")[-1] == f"case:{compound.id}"
    assert set(keys(client, "sensor")) == {f"case:{sensor.id}", f"case:{added.id}",
                                           f"case:{compound.id}"}


def test_an_index_with_positioned_parts_works_until_rebuilt(worker_mode, client, monkeypatch):
    """Indexes built while the parts fields kept positions keep them (new posts too), and
    find compounds through their parts; a rebuild drops the positions."""
    from whoosh import formats

    from smartsociety.search.engine import versions

    make_schema = versions.make_schema

    def positioned(common=None):
        schema = make_schema(common)
        for name in ("title_nl_parts", "body_nl_parts"):
            schema[name].format = formats.Positions(field_boost=schema[name].format.field_boost)
        return schema

    sensor = CaseFactory(title="Een sensor", summary="", body="", body_html="")
    compound = CaseFactory(title="Parkeersensoren", summary="", body="", body_html="")
    with monkeypatch.context() as patch:
        patch.setattr(versions, "make_schema", positioned)
        patch.setattr(versions, "SCHEMA", positioned())
        assert worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"]).exit_code == 0
    added = CaseFactory(title="Nieuwe vulgraadsensoren", summary="", body="", body_html="")
    service.indexer().apply_pending()
    ix = service.store().open()
    try:
        assert ix.schema["title_nl_parts"].format.supports("positions")
        with ix.searcher() as searcher:  # the new post's parts have their position too
            positions = searcher.postings("title_nl_parts", "sensor").items_as("positions")
            assert sorted(p for _doc, p in positions) == [[0], [1]]
    finally:
        ix.close()
    found = [f"case:{sensor.id}", f"case:{compound.id}", f"case:{added.id}"]
    assert keys(client, "sensor")[0] == found[0] and set(keys(client, "sensor")) == set(found)
    assert worker_mode.test_cli_runner().invoke(search_cli, ["check"]).exit_code == 0

    assert worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"]).exit_code == 0
    ix = service.store().open()
    assert not ix.schema["title_nl_parts"].format.supports("positions")
    ix.close()
    assert keys(client, "sensor")[0] == found[0] and set(keys(client, "sensor")) == set(found)


def test_dutch_data_is_loaded_once():
    assert dutch.data() is dutch.data()
    assert dutch.lemma("principes") == "principe" and dutch.lemma("xqzw") is None


def test_dutch_data_is_cached_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(dutch, "_data", None)
    built = dutch.data()
    path = dutch._cache_path()
    assert path.parent == tmp_path / "smartsociety" and path.exists()
    monkeypatch.setattr(dutch, "_data", None)
    assert dutch.data() is not built and dutch.lemma("principes") == "principe"
    for broken in (b"not a data file", b"", path.read_bytes()[:-100]):
        path.write_bytes(broken)  # a broken cache is built again
        monkeypatch.setattr(dutch, "_data", None)
        assert dutch.lemma("principes") == "principe" and "sensor" in dutch.data().words
        assert path.read_bytes() != broken


def test_dutch_data_works_without_a_writable_cache(tmp_path, monkeypatch):
    (tmp_path / "smartsociety").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(dutch, "_data", None)
    assert dutch.lemma("principes") == "principe" and "sensor" in dutch.data().words
    assert dutch.term("vulgraadsensoren") == "vulgraadsensor"


def test_dutch_data_is_a_shared_file_map_not_python_objects(tmp_path, monkeypatch):
    """Issue 23: the data (~90 MB as a dict and a frozenset) is mapped from its cache file, so
    that gunicorn's workers share its pages instead of each holding a copy."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(dutch, "_data", None)
    dutch.data()  # (builds the file)
    monkeypatch.setattr(dutch, "_data", None)
    tracemalloc.start()
    try:
        loaded = dutch.data()
        assert loaded.lemmas.get("principes") == "principe"
        allocated = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert allocated < 1_000_000, allocated
    assert str(dutch._cache_path()) in Path("/proc/self/maps").read_text()


def test_mapped_dutch_data_answers_as_the_dict_and_set(monkeypatch):
    """lemma(), term() and parts() give exactly what they gave with the data as a dict (keys to
    lemmas) and a frozenset (the words), over a deterministic sample of ~50,000 words: every
    12th key, every 10th word of the list, and words no data knows."""
    lemmas, words = dutch._Data._build()
    keys = sorted(lemmas)
    sample = keys[::12] + sorted(words)[::10] + [k + "heid" for k in keys[::97]] + [
        "", "xqzw", "é", "vulgraadsensoren", "luchtkwaliteitssensor"]

    def answers(data):
        monkeypatch.setattr(dutch, "_data", data)
        dutch.split.cache_clear()
        dutch.parts.cache_clear()
        try:
            return [(dutch.lemma(w), dutch.term(w), dutch.parts(w)) for w in sample]
        finally:
            dutch.split.cache_clear()
            dutch.parts.cache_clear()

    class DictLemmas(dict):
        def final(self, word, steps):  # what lemma() followed before the data was mapped
            found = self.get(word)
            if found is None:
                return None
            for _step in range(steps):
                further = self.get(found)
                if further is None or further == found:
                    break
                found = further
            return found

    mapped = dutch.data()
    assert answers(mapped) == answers(SimpleNamespace(lemmas=DictLemmas(lemmas), words=words))
    assert all(mapped.lemmas.get(key) == value for key, value in lemmas.items())
    assert all(word in mapped.words for word in words)
    assert sum(key in mapped.words for key in keys) == len(words)


def test_word_memos_are_bounded_and_answer_the_same_after_emptying(monkeypatch):
    """split() and parts() memoise in a dict emptied when full: the answers are the same
    from the memo, after it was emptied, and computed afresh."""
    words = ["vulgraadsensoren", "luchtkwaliteitssensor", "parkeervergunning", "fiets",
             "zonnepaneel", "verkeerslichten", "xqzw", "gemeentehuis"]
    dutch.split.cache_clear()
    dutch.parts.cache_clear()
    fresh = [(dutch.split(w), dutch.parts(w)) for w in words]
    assert [(dutch.split(w), dutch.parts(w)) for w in words] == fresh  # memoised
    assert ("lucht", "kwaliteit", "sensor", "kwaliteitssensor") == fresh[1][1]
    monkeypatch.setattr(dutch, "MEMO_SIZE", 3)
    dutch.split.cache_clear()
    dutch.parts.cache_clear()
    for _round in range(2):
        assert [(dutch.split(w), dutch.parts(w)) for w in words] == fresh
        assert len(dutch.split.memo) <= 3 and len(dutch.parts.memo) <= 3
    dutch.split.cache_clear()
    dutch.parts.cache_clear()
