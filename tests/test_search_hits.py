"""The shown hits kept per process (search/engine/hits.py): a search computed again after the
index changed finds its hits' fields and snippets kept, and never shows a changed hit as it was."""
import pytest

from smartsociety.search import service
from smartsociety.search.engine import hits as hits_module
from smartsociety.search.query import parse
from tests.factories import CaseFactory
from tests.test_search import without_page_cache  # noqa: F401 (a fixture)


def _search(app, text):
    with app.test_request_context():
        return service.search(parse(text), {}, "relevance", 1, 20)


@pytest.fixture
def snippets_made(monkeypatch):
    """How many snippets were highlighted (not found kept)."""
    made = []
    real = hits_module.snippet

    def counting(hit, lang):
        made.append(hit["key"])
        return real(hit, lang)

    monkeypatch.setattr(hits_module, "snippet", counting)
    return made


def test_a_search_after_an_unrelated_change_finds_its_hits_kept(app, db, snippets_made):
    case = CaseFactory(title="Kwartelkoning gezien", summary="", body_html="",
                       body="Een kwartelkoning in de wei bij de dijk.")
    first = _search(app, "kwartelkoning")
    assert [h.key for h in first.hits] == [f"case:{case.id}"]
    assert "<mark>kwartelkoning</mark>" in first.hits[0].snippet
    assert snippets_made == [f"case:{case.id}"]
    CaseFactory(title="Iets anders", summary="", body_html="", body="over de brug")
    again = _search(app, "kwartelkoning")
    assert not again.cached  # computed again: the index has a new generation
    assert again.hits == first.hits
    assert snippets_made == [f"case:{case.id}"]  # the snippet was kept, not made again


def test_an_edited_hit_shows_its_new_fields_and_snippet(app, db):
    case = CaseFactory(title="Kwartelkoning gezien", summary="", body_html="",
                       body="Een kwartelkoning in de wei bij de dijk.")
    before = _search(app, "kwartelkoning").hits[0]
    case.title = "Twee kwartelkoningen"
    case.body = "Nu zingen er twee kwartelkoningen in het hooiland."
    db.session.commit()
    after = _search(app, "kwartelkoning").hits[0]
    assert after.key == before.key
    assert after.title == "Twee kwartelkoningen"
    assert "<mark>kwartelkoningen</mark> in het hooiland" in after.snippet
    assert "dijk" not in after.snippet


def test_one_hit_in_two_searches_gets_each_search_s_snippet(app, db):
    CaseFactory(title="Natuur", summary="", body_html="",
                body="De kwartelkoning broedt in het gras. " + "Verder niets. " * 40
                + "De grutto foerageert op het land.")
    for _round in range(2):
        for word, other in (("kwartelkoning", "grutto"), ("grutto", "kwartelkoning")):
            snippet = _search(app, word).hits[0].snippet
            assert f"<mark>{word}</mark>" in snippet and other not in snippet
        CaseFactory(title="Iets anders", summary="", body_html="", body="over de brug")


def test_a_prefix_search_keeps_its_hits_prefixed_words(app, db, monkeypatch):
    """The words a prefix marks in a hit are kept with the hit (they are found without
    analysing every word, which the analysis memo does not keep); an edited hit gets its own."""
    from smartsociety.search.engine import snippets

    found = []
    real = snippets._starting

    def counting(*args):
        find = real(*args)

        def counted(text):
            found.append(text)
            return find(text)
        return counted

    monkeypatch.setattr(snippets, "_starting", counting)
    case = CaseFactory(title="Vogels", summary="", body_html="",
                       body="Een kwartelkoning en kwartels in de wei, een grutto erbij.")
    first = _search(app, "kwartel*").hits[0].snippet
    assert "<mark>kwartelkoning</mark>" in first and "<mark>kwartels</mark>" in first
    assert len(found) == 1
    CaseFactory(title="Iets anders", summary="", body_html="", body="over de brug")
    assert _search(app, "kwartel*").hits[0].snippet == first
    assert len(found) == 1  # kept: not looked for again
    case.body = "Nu alleen een kwartelkoning, en een grutto."
    db.session.commit()
    again = _search(app, "kwartel*").hits[0].snippet
    assert "<mark>kwartelkoning</mark>" in again and "kwartels" not in again
    assert len(found) == 2


def test_kept_hits_are_bounded(app, db, monkeypatch):
    monkeypatch.setattr(hits_module, "HITS_KEPT", 3)
    monkeypatch.setattr(hits_module, "SNIPPETS_KEPT", 3)
    from smartsociety.search.engine.searching import searcher_cache

    with app.app_context():
        cache = searcher_cache(service.store())
        cache.close()  # kept hits made anew, with the bounds above
    for n in range(5):
        CaseFactory(title=f"Weidevogel {n}", summary="", body_html="", body="weidevogels")
    assert len(_search(app, "weidevogel").hits) == 5
    assert len(cache.hits.hits) == 3 and len(cache.hits.snippets) == 3
    assert len(_search(app, "weidevo*").hits) == 5
    assert len(cache.hits.prefix_terms) == 3


# -- the hit cards of the results page (search/cards.py) ---------------------------------------

def _card(html: str, key: str) -> str:
    start = html.index(f'data-key="{key}"')
    return html[start:html.index("</li>", start)]


def test_a_card_shows_what_its_hit_shows_now(client, db, without_page_cache):
    case = CaseFactory(title="Kwartelkoning gezien", summary="", body_html="",
                       body="Een kwartelkoning in de wei bij de dijk.")
    html = client.get("/zoeken", query_string={"q": "kwartelkoning"}).data.decode()
    assert "Kwartelkoning gezien" in _card(html, f"case:{case.id}")
    case.title = "Twee kwartelkoningen"
    case.body = "Nu zingen er twee kwartelkoningen in het hooiland."
    db.session.commit()
    card = _card(client.get("/zoeken", query_string={"q": "kwartelkoning"}).data.decode(),
                 f"case:{case.id}")
    assert "Twee kwartelkoningen" in card and "gezien" not in card
    assert "<mark>kwartelkoningen</mark> in het hooiland" in card


def test_each_language_gets_its_own_card(app, client, db, without_page_cache):
    case = CaseFactory(title="Kwartelkoning gezien", summary="", body_html="",
                       body="Een kwartelkoning in de wei bij de dijk.")
    english = app.test_client()
    english.set_cookie("lang", "en")
    for _round in range(2):
        dutch = _card(client.get("/zoeken?q=kwartelkoning").data.decode(), f"case:{case.id}")
        other = _card(english.get("/zoeken?q=kwartelkoning").data.decode(), f"case:{case.id}")
        assert "Casus" in dutch and "Casus" not in other and "Case" in other


def test_cards_are_bounded_and_rendered_once(app, client, db, without_page_cache, monkeypatch):
    from smartsociety.search import cards

    monkeypatch.setattr(cards, "CARDS_KEPT", 2)
    for n in range(4):
        CaseFactory(title=f"Weidevogel {n}", summary="", body_html="", body="weidevogels")
    first = client.get("/zoeken?q=weidevogel").data.decode()
    assert len(app.extensions["search-cards"]) == 2
    assert client.get("/zoeken?q=weidevogel&page=1").data.decode().count(
        'class="card search-hit"') == first.count('class="card search-hit"') == 4
