"""Full-text search: findability, languages, query language, facets, privacy, consistency."""
import gc
import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from smartsociety.models import (
    Case,
    CaseKind,
    OrganisationKind,
    ProjectStatus,
    SearchChange,
    Theme,
    utcnow,
)
from smartsociety.search import service
from smartsociety.search.commands import search_cli
from smartsociety.search.engine.index import MAX_SEGMENTS
from smartsociety.search.engine.versions import IndexState
from smartsociety.search.query import MAX_QUERY_LENGTH, Phrase, Word, parse
from tests.factories import CaseFactory, CommentFactory, OrganisationFactory, UserFactory


@pytest.fixture
def without_page_cache(app):
    """For tests of the search layer's own result cache: whole pages would hide it."""
    app.extensions.pop("pagecache", None)
    return app


def keys(client, query="", **args):
    """The result keys ("case:1") of a search, all pages."""
    response = client.get("/zoeken", query_string={"q": query, **args})
    assert response.status_code == 200, response.data[:500]
    return _keys(response.data.decode())


def _keys(html: str) -> list[str]:
    import re

    return re.findall(r'data-key="([^"]+)"', html)


def results(app, text="", filters=None, sort="relevance", page=1):
    with app.test_request_context():
        return service.search(parse(text), filters or {}, sort, page, 20, browse=bool(filters))


# -- findability and languages --------------------------------------------------------------

def test_new_case_is_findable_at_once(client):
    case = CaseFactory(title="Slimme lantaarnpalen in Turfbrug")
    assert keys(client, "lantaarnpalen") == [f"case:{case.id}"]


def test_dutch_stemming(client):
    sensor = CaseFactory(title="Een sensor op het plein", summary="", body="", body_html="")
    gemeente = CaseFactory(title="Wat doet de gemeente?", summary="", body="", body_html="")
    assert keys(client, "sensoren") == [f"case:{sensor.id}"]
    assert keys(client, "gemeenten", doc_type="case") == [f"case:{gemeente.id}"]


def test_english_stemming_and_accents(client):
    case = CaseFactory(title="Running sensors in municipalities", language="en", summary="",
                       body="The café in België", body_html="")
    assert keys(client, "municipality") == [f"case:{case.id}"]
    assert keys(client, "sensor") == [f"case:{case.id}"]
    assert keys(client, "belgie cafe") == [f"case:{case.id}"]


def test_prefix_only_when_asked(client):
    # (Not a compound: "privacy" finds "privacyregels" through its parts.)
    case = CaseFactory(title="Nieuwe privatisering", summary="", body="", body_html="")
    assert keys(client, "privat") == []
    assert keys(client, "privat*") == [f"case:{case.id}"]


def test_title_weighs_more_than_body(client):
    in_body = CaseFactory(title="Iets anders", summary="", body="Over camera's en meer",
                          body_html="")
    in_title = CaseFactory(title="Camera's op straat", summary="", body="", body_html="")
    assert keys(client, "camera") == [f"case:{in_title.id}", f"case:{in_body.id}"]


def test_query_language(client):
    a = CaseFactory(title="Open data in de wijk", summary="", body="", body_html="")
    b = CaseFactory(title="Data delen is niet open", summary="", body="", body_html="")
    c = CaseFactory(title="Camerabewaking", summary="", body="", body_html="")
    assert set(keys(client, "open data")) == {f"case:{a.id}", f"case:{b.id}"}
    assert keys(client, '"open data"') == [f"case:{a.id}"]
    assert keys(client, "data -wijk") == [f"case:{b.id}"]
    assert set(keys(client, "wijk OR camerabewaking")) == {f"case:{a.id}", f"case:{c.id}"}


def test_parser():
    parsed = parse('sensor "open data" -camera privé* OR x "unbalanced')
    assert parsed.required == [
        [Word("sensor")], [Phrase(("open", "data"))], [Word("prive", prefix=True), Word("x")],
        [Word("unbalanced")],
    ]
    assert parsed.excluded == [Word("camera")]
    assert parse("OR OR -").is_empty
    assert parse("a" * 60_000).truncated


# -- comments and privacy -------------------------------------------------------------------

def test_comment_leads_to_its_case(client):
    comment = CommentFactory(body="Denk aan de bewaartermijn", body_html="")
    response = client.get("/zoeken", query_string={"q": "bewaartermijn"})
    html = response.data.decode()
    assert _keys(html) == [f"comment:{comment.id}"]
    assert f"/casussen/{comment.case_id}#comment-{comment.id}" in html
    assert "<mark>bewaartermijn</mark>" in html


def test_hidden_and_deleted_content_never_appears(client, db):
    hidden = CaseFactory(title="Geheim geheimpje", hidden_at=utcnow())
    visible = CaseFactory(title="Openbaar geheimpje")
    on_hidden = CommentFactory(case=hidden, body="reactie geheimpje", body_html="")
    deleted = CommentFactory(case=visible, body="verwijderd geheimpje", body_html="",
                             deleted_at=utcnow())
    hidden_comment = CommentFactory(case=visible, body="verborgen geheimpje", body_html="",
                                    hidden_at=utcnow())
    assert keys(client, "geheimpje") == [f"case:{visible.id}"]
    html = client.get("/zoeken?q=geheimpje").data.decode()
    assert "reactie" not in html and "verwijderd" not in html and "verborgen" not in html
    # Hiding later takes the case out, and the comments on it with it.
    comment = CommentFactory(case=visible, body="nog een geheimpje", body_html="")
    assert f"comment:{comment.id}" in keys(client, "geheimpje")
    db.session.get(Case, visible.id).hidden_at = utcnow()
    db.session.commit()
    assert keys(client, "geheimpje") == []
    assert {on_hidden.id, deleted.id, hidden_comment.id}  # created, never shown


def test_deleting_a_case_removes_it_and_its_comments(client, db):
    comment = CommentFactory(body="tijdelijke zorgen", body_html="")
    case = db.session.get(Case, comment.case_id)
    assert keys(client, "tijdelijke")
    db.session.delete(case)
    db.session.commit()
    assert keys(client, "tijdelijke") == []


def test_renaming_an_organisation_updates_its_cases(client, db):
    case = CaseFactory(title="Waterberging")
    case.organisation.name = "Gemeente Nieuwnaam"
    db.session.commit()
    assert "Gemeente Nieuwnaam" in client.get("/zoeken?q=waterberging").data.decode()


# -- facets, sorting, pages -----------------------------------------------------------------

def test_every_facet_counts_and_narrows(app, client):
    company = OrganisationFactory(kind=OrganisationKind.BEDRIJF)
    a = CaseFactory(title="Parkeren A", kind=CaseKind.PROJECT, status=ProjectStatus.PILOT.value)
    a.themes.append(Theme.DATAGEDREVEN)
    a.themes.append(Theme.INNOVATIE)
    b = CaseFactory(title="Parkeren B", language="en", organisation=company,
                    created_at=datetime(2023, 5, 1, tzinfo=UTC))
    b.themes.append(Theme.DATAGEDREVEN)
    CommentFactory(case=a, body="Parkeren is lastig", body_html="")
    from smartsociety.extensions import db

    db.session.commit()
    found = results(app, "parkeren")
    assert found.total == 3
    facets = found.facets
    assert dict(facets["doc_type"]) == {"case": 2, "comment": 1}
    assert dict(facets["kind"]) == {"project": 2, "dilemma": 1}
    assert dict(facets["theme"]) == {Theme.DATAGEDREVEN.value: 3, Theme.INNOVATIE.value: 2}
    assert dict(facets["status"])["pilot"] == 2
    assert dict(facets["org_kind"]) == {"gemeente": 2, "bedrijf": 1}
    assert dict(facets["language"]) == {"nl": 2, "en": 1}
    assert dict(facets["year"])["2023"] == 1
    for name, value, expected in [
        ("doc_type", "comment", 1), ("kind", "dilemma", 1), ("theme", Theme.INNOVATIE.value, 2),
        ("status", "pilot", 2), ("org_kind", "bedrijf", 1), ("language", "en", 1),
        ("year", "2023", 1),
    ]:
        assert len(keys(client, "parkeren", **{name: value})) == expected, name
    # Facets alone browse everything in them.
    assert keys(client, "", language="en") == [f"case:{b.id}"]


@pytest.mark.parametrize("sparse", [2000, 0])
def test_sort_by_date_and_pages(app, client, monkeypatch, sparse):
    # Both ways of ordering matches by date: sorting them (few) and walking the date order.
    from smartsociety.search.engine import searching as engine

    monkeypatch.setattr(engine, "SPARSE", sparse)
    old = CaseFactory(title="Fietsen fietsen fietsen",
                      created_at=datetime(2020, 1, 1, tzinfo=UTC))
    cases = [CaseFactory(title=f"Fietsen {n}") for n in range(22)]
    assert keys(client, "fietsen")[0] == f"case:{old.id}"
    by_date = keys(client, "fietsen", sort="date")
    assert by_date[0] == f"case:{cases[-1].id}" and len(by_date) == 20
    assert keys(client, "fietsen", sort="date", page=2)[-1] == f"case:{old.id}"
    assert keys(client, "fietsen", page=99) == []
    # The same order as Whoosh's own sort on the date column, filters and pages included.
    from smartsociety.search.engine.searching import searcher_cache, to_whoosh

    searcher = searcher_cache(service.store()).current()
    query = to_whoosh(parse("fietsen"), searcher.reader())
    expected = [hit["key"] for hit in searcher.search(query, sortedby="date", reverse=True,
                                                      limit=None)]
    assert by_date + keys(client, "fietsen", sort="date", page=2) == expected
    cases[3].kind = CaseKind.PROJECT
    CaseFactory._meta.sqlalchemy_session.commit()
    projects = keys(client, "fietsen", sort="date", kind="project")
    assert f"case:{cases[3].id}" in projects and f"case:{cases[2].id}" not in projects


def test_did_you_mean(client):
    CaseFactory(title="Verkeerslichten slim maken")
    html = client.get("/zoeken?q=verkeerslichtn").data.decode()
    # The suggestion is the lemma of the word the index has ("verkeerslichten").
    assert "q=verkeerslicht\"" in html or "q=verkeerslicht&amp;" in html, html[-3000:]


def test_empty_and_no_result_states(client):
    assert b"search-empty" in client.get("/zoeken").data
    response = client.get("/zoeken?q=nergensteвinden")
    assert response.status_code == 200 and b"search-none" in response.data
    assert b"search-none" in client.get("/zoeken?q=de+het").data  # stop words only


def test_search_box_on_every_page(client):
    assert b'action="/zoeken"' in client.get("/").data


@pytest.mark.parametrize("query", [
    '"', '"""', "-", "OR", "OR OR", "* ** ***", "-\"\"", "a*", "\x00\x01\x1b[31m", "((()))",
    "AND NOT", "title:foo", "privacy\u202e", "🙂", "\\", "%", "' OR 1=1 --", "x" * 400,
    " ".join(["woord"] * 80), "<script>alert(1)</script>", "NOT -a OR", "é*", "_",
])
def test_hostile_queries(client, query):
    CaseFactory(title="Iets vindbaars")
    response = client.get("/zoeken", query_string={"q": query})
    assert response.status_code == 200
    assert b"<script>alert" not in response.data


def test_overlong_query_gets_a_message(client):
    response = client.get("/zoeken", query_string={"q": "woord " * 10_000})
    assert response.status_code == 422
    assert b"error-summary" in response.data
    assert len("woord " * 10_000) > MAX_QUERY_LENGTH


def test_hostile_facet_values(client):
    for args in ({"kind": "x" * 5000}, {"year": ["1"] * 500}, {"theme": "\x00"}, {"page": "-5"},
                 {"page": "abc"}, {"sort": "evil"}):
        assert client.get("/zoeken", query_string={"q": "x", **args}).status_code == 200


# -- consistency ----------------------------------------------------------------------------

@pytest.fixture
def worker_mode(app):
    app.config["SEARCH_MODE"] = "worker"
    with app.test_request_context():
        service.indexer().apply_pending()  # an empty index exists, as after deployment
    return app


def test_worker_mode_web_process_does_not_write(worker_mode, client):
    case = CaseFactory(title="Wachtrijtest")
    assert keys(client, "wachtrijtest") == []
    service.indexer().apply_pending()
    assert keys(client, "wachtrijtest") == [f"case:{case.id}"]


def test_every_write_is_logged_in_its_transaction(worker_mode, db):
    case = CaseFactory()
    rows = db.session.scalars(sa.select(SearchChange).where(SearchChange.doc_type == "case"))
    assert [r.doc_id for r in rows] == [case.id]
    case.title = "Andere titel"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) >= 1
    before = db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange))
    case = db.session.get(Case, case.id)
    case.title = "Nu wel"
    db.session.flush()
    db.session.rollback()  # the log row goes with the change it describes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == before


def test_out_of_order_commits_are_not_skipped(worker_mode, client, db):
    author = UserFactory()
    service.indexer().apply_pending()
    early = CaseFactory(title="Vroegecommit", author=author)
    late = CaseFactory(title="Laatcommit", author=author)
    early_row = db.session.scalar(
        sa.select(SearchChange).where(SearchChange.doc_type == "case",
                                      SearchChange.doc_id == early.id)
    )
    # As if the transaction that took the lower id had not committed yet.
    early_id = early_row.id
    db.session.delete(early_row)
    db.session.commit()
    service.indexer().apply_pending()
    state = IndexState.read(service.store().current_version())
    assert early_id in state.gaps and state.high_water > early_id
    assert keys(client, "laatcommit") == [f"case:{late.id}"]
    assert keys(client, "vroegecommit") == []
    db.session.add(SearchChange(id=early_id, doc_type="case", doc_id=early.id))
    db.session.commit()
    service.indexer().apply_pending()
    assert keys(client, "vroegecommit") == [f"case:{early.id}"]
    assert early_id not in IndexState.read(service.store().current_version()).gaps


def test_old_gaps_expire(worker_mode, db):
    app = worker_mode
    app.config["SEARCH_GAP_SECONDS"] = 0
    CaseFactory()
    CaseFactory()
    first = db.session.scalar(sa.select(sa.func.min(SearchChange.id)))
    db.session.execute(sa.delete(SearchChange).where(SearchChange.id == first))
    db.session.commit()
    service.indexer().apply_pending()
    service.indexer().apply_pending()
    assert IndexState.read(service.store().current_version()).gaps == {}


def test_crash_between_commit_and_index_loses_nothing(app, client, db, monkeypatch):
    service.indexer().apply_pending()  # the index exists

    def crash(self):
        raise OSError("killed")

    monkeypatch.setattr("smartsociety.search.engine.index.Indexer.apply_pending", crash)
    case = CaseFactory(title="Stroomstoring")  # committed; applying the log "crashes"
    monkeypatch.undo()
    assert db.session.get(Case, case.id) is not None
    # The case's new organisation is a document too.
    assert service.indexer().check() == [f"missing from index: case:{case.id}",
                                         f"missing from index: organisation:{case.organisation_id}"]
    # The next run (the worker, the next commit, or in inline mode the next search) applies it.
    assert keys(client, "stroomstoring") == [f"case:{case.id}"]
    assert service.indexer().check() == []


def test_crash_after_index_commit_before_state(app, client, monkeypatch):
    service.indexer().apply_pending()

    def crash(self, path):
        raise OSError("killed")

    monkeypatch.setattr(IndexState, "write", crash)
    case = CaseFactory(title="Halverwege")
    monkeypatch.undo()
    assert IndexState.read(service.store().current_version()).high_water < max_change_id()
    service.indexer().apply_pending()  # applies the same change again, harmlessly
    assert keys(client, "halverwege") == [f"case:{case.id}"]
    assert service.indexer().check() == []


def max_change_id():
    from smartsociety.extensions import db

    return db.session.scalar(sa.select(sa.func.max(SearchChange.id)))


def test_rebuild_swaps_and_check_reports(worker_mode, client, db):
    runner = worker_mode.test_cli_runner()
    kept = CaseFactory(title="Herbouwen")
    service.indexer().apply_pending()
    old_version = service.store().current_version()
    assert keys(client, "herbouwen") == [f"case:{kept.id}"]
    added = CaseFactory(title="Herbouwen ook")
    result = runner.invoke(search_cli, ["check"])
    assert result.exit_code == 1 and f"missing from index: case:{added.id}" in result.output
    result = runner.invoke(search_cli, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert service.store().current_version() != old_version
    assert set(keys(client, "herbouwen")) == {f"case:{kept.id}", f"case:{added.id}"}
    result = runner.invoke(search_cli, ["check"])
    assert result.exit_code == 0, result.output
    # A change made after the rebuild is picked up by the next run, on the new version.
    CaseFactory(title="Herbouwen daarna")
    assert runner.invoke(search_cli, ["worker", "--once"]).exit_code == 0
    assert len(keys(client, "herbouwen")) == 3


def _open_segment_files() -> list[str]:
    """Open segment files of this test's index (earlier tests' searchers may still be open)."""
    root = str(service.store().root)
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [t for t in targets if ".seg" in t and t.startswith(root)]


def test_one_searcher_per_process_and_no_handle_leak(client):
    CaseFactory(title="Hergebruik")
    keys(client, "hergebruik")
    from smartsociety.search.engine.searching import searcher_cache

    cache = searcher_cache(service.store())
    first = cache.searcher
    gc.collect()
    handles = len(_open_segment_files())
    for _ in range(30):
        keys(client, "hergebruik")
    assert cache.searcher is first  # no searcher per request
    gc.collect()
    assert len(_open_segment_files()) <= handles
    CaseFactory(title="Hergebruik twee")
    assert len(keys(client, "hergebruik")) == 2
    assert cache.searcher is not first
    counts = []
    for _round in range(3):
        for _ in range(25):
            CaseFactory(title="Nog meer hergebruik")
            keys(client, "hergebruik")
        gc.collect()
        counts.append(len(_open_segment_files()))
    # Segments come and go with merges; what is open stays bounded instead of growing with
    # every write (a searcher leaked per refresh would add 25+ per round).
    assert max(counts) <= 2 * (MAX_SEGMENTS + 2), counts
    assert counts[2] <= counts[0] + MAX_SEGMENTS, counts


def test_a_segment_merged_away_while_the_searcher_reopens_is_no_error(client, monkeypatch):
    """The worker may merge and delete a segment between a web process reading the list of
    segments and opening them; the web process reads the list again (this was a rare 500)."""
    from smartsociety.search.engine import versions as versions_module

    CaseFactory(title="Samenvoegtest een")
    assert len(keys(client, "samenvoegtest")) == 1
    real = versions_module.SegmentReader
    failures = []

    def flaky(*args, **kwargs):
        if len(failures) < 2:
            failures.append(args[2])
            raise FileNotFoundError("merged away")
        return real(*args, **kwargs)

    monkeypatch.setattr(versions_module, "SegmentReader", flaky)
    CaseFactory(title="Samenvoegtest twee")
    assert len(keys(client, "samenvoegtest")) == 2
    assert len(failures) == 2

    # When the segments stay unreadable, the old searcher goes on serving (and retries later).
    monkeypatch.setattr(versions_module, "SegmentReader", lambda *a, **k: (_ for _ in ()).throw(
        FileNotFoundError("gone")))
    CaseFactory(title="Samenvoegtest drie")
    response = client.get("/zoeken", query_string={"q": "samenvoegtest"})
    assert response.status_code == 200
    assert "X-Page-Cache" not in response.headers  # a page already out of date is not kept
    monkeypatch.setattr(versions_module, "SegmentReader", real)
    assert len(keys(client, "samenvoegtest")) == 3


@pytest.mark.postgres_only
def test_real_concurrent_transactions_commit_out_of_order(worker_mode, client, db):
    from sqlalchemy.orm import Session

    from tests.conftest import USE_POSTGRES

    if not USE_POSTGRES:
        pytest.skip("SQLite has one writer at a time: ids always commit in order")
    slow, fast = Session(db.engine), Session(db.engine)
    try:
        slow.add(Case(kind=CaseKind.DILEMMA, status="open", title="Trage transactie"))
        slow.flush()  # takes the lower change-log id, commits last
        fast.add(Case(kind=CaseKind.DILEMMA, status="open", title="Snelle transactie"))
        fast.commit()
        service.indexer().apply_pending()
        assert len(keys(client, "snelle")) == 1 and keys(client, "trage") == []
        slow.commit()
        service.indexer().apply_pending()
        assert len(keys(client, "trage")) == 1
    finally:
        slow.close()
        fast.close()


def test_snippets_escape_stored_text(client):
    CaseFactory(title="Opmaak", summary="", body="",
                body_html="<p>&lt;script&gt;alert(1)&lt;/script&gt; opmaaktest &lt;b&gt;</p>")
    html = client.get("/zoeken?q=opmaaktest").data.decode()
    assert "<mark>opmaaktest</mark>" in html
    assert "<script>alert" not in html and "&lt;/script&gt;" in html


def _snippet_of(html: str, key: str) -> str:
    """The snippet paragraph of the hit `key` on a results page, as HTML."""
    hit = html[html.index(f'data-key="{key}"'):]
    start = hit.index('<p class="snippet">') + len('<p class="snippet">')
    return hit[start:hit.index("</p>", start)]


def test_snippet_of_a_match_deep_in_a_long_body(client):
    """A word found far into a long body (near the end of the MAX_BODY characters indexed) is
    shown marked, in a passage of the body around it (the snippet skips the words far from any
    match without looking at them one by one); the snippet is made of the body's own text
    only, escaped."""
    import html as html_module
    import re

    from smartsociety.search.registry import MAX_BODY

    body = ("Een lange inleiding over de wijk & <b>bewoners</b>. " * 350
            + "Hier staat het zeldzame woord kwartelkoningen <script>x</script> en meer. "
            + "Slot van het verhaal. " * 20)
    assert MAX_BODY - 2000 < body.index("kwartelkoningen") < len(body) < MAX_BODY
    case = CaseFactory(title="Lang verhaal", summary="", body=body, body_html="")
    page = client.get("/zoeken", query_string={"q": "kwartelkoning"}).data.decode()
    snippet = _snippet_of(page, f"case:{case.id}")
    assert "<mark>kwartelkoningen</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;x&lt;/script&gt;" in snippet
    assert "<b>" not in snippet
    for passage in re.sub(r"</?mark>", "", snippet).split(" … "):
        assert html_module.unescape(passage) in body, passage


def test_snippets_mark_every_passage_with_a_match_and_only_the_body(client):
    """Two passages far apart each show their match (lemma and stem forms of the query word);
    the text between them is left out; nothing but the body's text is shown."""
    import html as html_module
    import re

    body = ("Begin: de gemeente plaatste sensoren. " + "Niets bijzonders hier. " * 200
            + "Einde: een sensor meet het geluid.")
    case = CaseFactory(title="Metingen", summary="", body=body, body_html="")
    page = client.get("/zoeken", query_string={"q": "sensor"}).data.decode()
    snippet = _snippet_of(page, f"case:{case.id}")
    assert "<mark>sensoren</mark>" in snippet and "<mark>sensor</mark>" in snippet
    passages = re.sub(r"</?mark>", "", snippet).split(" … ")
    assert len(passages) == 2 and len(snippet) < 700
    for passage in passages:
        assert html_module.unescape(passage) in body, passage


# -- shadow fields (pairs, prefixes) and the result cache ----------------------------------

PHRASE_TEXTS = [
    "open data wordt gedeeld in de wijk",
    "de wijk deelt open data met de gemeente",
    "data open en eerlijk, wijk voor wijk",
    "gedeelde data in een open wijk",
    "slimme lantaarnpalen in de open wijk meten data",
    "een zeldzaam woord: kwartelkoning naast open data",
]


def _plain_and_fast(text):
    """The documents of a query as built before the shadow fields, and as built now."""
    from smartsociety.search.engine.searching import match_mask, searcher_cache, to_whoosh

    searcher = searcher_cache(service.store()).current()
    parsed = parse(text)
    plain = to_whoosh(parsed, searcher.reader(), shadow=False)
    fast = to_whoosh(parsed, searcher.reader())
    keys_of = lambda ids: {searcher.stored_fields(i)["key"] for i in ids}  # noqa: E731
    live = {i for i in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(i)}
    plain_ids = set(plain.matcher(searcher).all_ids()) & live
    mask = match_mask(fast, searcher)
    fast_ids = {i for i in live if mask >> i & 1}
    return keys_of(plain_ids), keys_of(fast_ids), fast


def test_phrases_and_prefixes_match_the_same_documents_through_shadow_fields(worker_mode, db):
    for text in PHRASE_TEXTS:
        CaseFactory(title=text.split(" ")[-1], summary="", body=text, body_html="")
    worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"])
    # Written after the rebuild: the worker adds pairs and prefixes the same way.
    CaseFactory(title="Na de herbouw", summary="", body="open data in de wijk", body_html="")
    service.indexer().apply_pending()
    with worker_mode.test_request_context():
        for query in ['"open data"', '"data open"', '"open data in de wijk"', '"wijk open"',
                      '"kwartelkoning naast open"', '"open kwartelkoning"', "op*", "wij*",
                      "da*", "kwartel*", "open da*", '"open data" -kwartelkoning']:
            plain, fast, _query = _plain_and_fast(query)
            assert plain == fast, query
        # The common words' phrase really is one term of the pairs field.
        plain, fast, query = _plain_and_fast('"open data"')
        assert len(fast) == 4 and "_pairs" in str(query) and "Phrase('body_nl'" not in repr(query)
        assert "_prefixes" in str(_plain_and_fast("wij*")[2])


def test_index_without_shadow_fields_still_answers(worker_mode, db, monkeypatch):
    """An index built before the shadow fields existed keeps working (as before) until the
    next `flask search rebuild`."""
    from smartsociety.search.engine import schema as schema_module
    from smartsociety.search.engine import versions

    make_schema = versions.make_schema

    def old_schema(common=None):
        schema = make_schema(common)
        for name in list(schema.names()):
            if name.endswith((schema_module.PAIRS, schema_module.PREFIXES)):
                schema.remove(name)
        return schema

    with monkeypatch.context() as patch:
        patch.setattr(versions, "make_schema", old_schema)
        patch.setattr(versions, "SCHEMA", old_schema())
        for text in PHRASE_TEXTS:
            CaseFactory(title="Oud", summary="", body=text, body_html="")
        worker_mode.test_cli_runner().invoke(search_cli, ["rebuild"])
    added = CaseFactory(title="Oud en nieuw", summary="", body="open data", body_html="")
    service.indexer().apply_pending()
    ix = service.store().open()
    assert "body_nl_pairs" not in ix.schema
    ix.close()
    with worker_mode.test_request_context():
        plain, fast, _query = _plain_and_fast('"open data"')
        assert plain == fast and len(fast) == 4 and f"case:{added.id}" in fast
        assert _plain_and_fast("wij*")[0] == _plain_and_fast("wij*")[1]


def test_result_cache_lasts_one_index_generation(without_page_cache, client):
    first = CaseFactory(title="Cachetest een")
    response = client.get("/zoeken", query_string={"q": "cachetest"})
    assert response.headers["X-Search-Cache"] == "miss"
    response = client.get("/zoeken", query_string={"q": "cachetest"})
    # "page": for an anonymous reader, the page rendered from those results (same generation)
    assert response.headers["X-Search-Cache"] in ("hit", "page")
    assert _keys(response.data.decode()) == [f"case:{first.id}"]
    # Another page or filter is another entry.
    response = client.get("/zoeken", query_string={"q": "cachetest", "kind": "project"})
    assert response.headers["X-Search-Cache"] == "miss"
    # Any change to the index (here a new case) makes every cached result stale.
    second = CaseFactory(title="Cachetest twee")
    response = client.get("/zoeken", query_string={"q": "cachetest"})
    assert response.headers["X-Search-Cache"] == "miss"
    assert set(_keys(response.data.decode())) == {f"case:{first.id}", f"case:{second.id}"}
    # So does hiding one (a deletion in the index).
    with client.application.app_context():
        from smartsociety.extensions import db as _db

        case = _db.session.get(Case, first.id)
        case.hidden_at = utcnow()
        case.hidden_reason = "test"
        _db.session.commit()
    response = client.get("/zoeken", query_string={"q": "cachetest"})
    assert response.headers["X-Search-Cache"] == "miss"
    assert _keys(response.data.decode()) == [f"case:{second.id}"]


def test_excluded_word_is_excluded_from_the_count(client):
    """Counts come from bit masks, not Whoosh's AndNot matcher (which let the first document
    with the excluded word through)."""
    CaseFactory(title="Parkeren met federatie", summary="", body="", body_html="")
    kept = CaseFactory(title="Parkeren zonder", summary="", body="", body_html="")
    response = client.get("/zoeken", query_string={"q": "parkeren -federatie"})
    assert _keys(response.data.decode()) == [f"case:{kept.id}"]


def test_rebuild_with_several_processes(worker_mode, client, db, monkeypatch):
    from smartsociety.search.engine import index, writers

    worker_mode.config["SEARCH_REBUILD_PROCS"] = 2
    monkeypatch.setattr(index, "PARALLEL_REBUILD_DOCS", 0)  # (5,000: builders pay off there)
    monkeypatch.setattr(writers, "BATCH_DOCS", 2)  # both builder processes get documents
    parallel = []
    real = writers._build_parallel
    monkeypatch.setattr(writers, "_build_parallel",
                        lambda *args: parallel.append(args[3]) or real(*args))
    cases = [CaseFactory(title=f"Parallel herbouwd {i}", summary="", body="open data in de wijk",
                         body_html="") for i in range(6)]
    runner = worker_mode.test_cli_runner()
    result = runner.invoke(search_cli, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(search_cli, ["check"]).exit_code == 0
    assert parallel == [2]
    assert set(keys(client, "herbouwd")) == {f"case:{c.id}" for c in cases}
    assert len(keys(client, '"open data"')) == 6


def test_relevance_computed_from_postings_equals_whoosh(client, db):
    """The engine scores term queries itself (much faster); same documents, order and scores
    as Whoosh's own search."""
    texts = ["open data in de wijk en nog meer open data", "data data data over sensoren",
             "een lange tekst " + "over van alles en nog wat " * 30 + "open",
             "camera's in de wijk", "privacy en open camera's", "sensoren meten data in de wijk"]
    for n, text in enumerate(texts * 3):
        CaseFactory(title=text.split(" ")[0] + f" {n}", summary="", body=text, body_html="",
                    language="en" if n % 5 == 0 else "nl")
    CaseFactory(title="Data in de titel", summary="", body="", body_html="")
    from smartsociety.search.engine.searching import (
        _facet_masks,
        _filter,
        match_mask,
        scored_top,
        searcher_cache,
        to_whoosh,
    )

    keys(client, "data")  # brings the index up to date
    cache = searcher_cache(service.store())
    searcher = cache.current()
    masks = _facet_masks(cache, searcher)
    queries = ["data", "open", "open data", "data OR camera", "wijk -privacy", "sensoren*",
               "da*", '"open data"', "data data", "privacy OR open OR wijk"]
    for text in queries:
        for filters in ({}, {"language": ["nl"]}, {"kind": ["project"]}):
            query = to_whoosh(parse(text), searcher.reader())
            selected = match_mask(query, searcher) & masks.live
            for name, values in filters.items():
                selected &= masks.values[name].get(values[0], 0)
            ours = scored_top(query, searcher, selected, 10)
            if ours is None:  # a phrase that matches: Whoosh scores it
                assert text.startswith('"'), text
                continue
            theirs = searcher.search(query, filter=_filter(filters), limit=10)
            assert [d for _s, d in ours] == [hit.docnum for hit in theirs], (text, filters)
            assert [s for s, _d in ours] == pytest.approx([hit.score for hit in theirs])


def test_snippets_mark_phrases_and_prefixes(client):
    CaseFactory(title="Beelden", summary="", body_html="",
                body="Over de bewaartermijnen van camerabeelden in de openbare ruimte.")
    for query, marked in [("bewaar*", "bewaartermijnen"), ('"van camerabeelden"', "camerabeelden"),
                          ("openbare", "openbare"), ("camerabeeld", "camerabeelden")]:
        html = client.get("/zoeken", query_string={"q": query}).data.decode()
        assert f"<mark>{marked}</mark>" in html, query


def test_did_you_mean_same_as_whoosh_corrector(client):
    for title in ["Parkeervergunning", "Parkeerverbod", "Parkeerplaats", "Parkeren in de wijk",
                  "Parkeerbeleid", "Perkeerbeleid voor bewoners", "Parkeerbeleit"]:
        CaseFactory(title=title, summary="", body="", body_html="")
    keys(client, "parkeren")
    from smartsociety.search.engine.searching import _Corrector, searcher_cache

    searcher = searcher_cache(service.store()).current()
    theirs = searcher.corrector("spell")
    ours = _Corrector(searcher.reader(), "spell", searcher.schema["spell"])
    for word in ["parkeerbelied", "parkeerbeleid", "prakeren", "parkeerplaatsen", "pa", "xyz",
                 "perkeerbeleid", "parkeervergunnig"]:
        assert ours.suggest(word, limit=3, maxdist=2, prefix=2) == theirs.suggest(
            word, limit=3, maxdist=2, prefix=2), word


def test_server_timing_header(app, client):
    """With SEARCH_SERVER_TIMING (the benchmark's), a search page says where its time went
    and which process served it; off by default."""
    CaseFactory(title="Tijdmeting", summary="", body="tijdmeting in de wijk", body_html="")
    response = client.get("/zoeken?q=tijdmeting")
    assert "Server-Timing" not in response.headers
    app.config["SEARCH_SERVER_TIMING"] = True
    timing = client.get("/zoeken?q=wijk").headers["Server-Timing"]
    steps = dict(part.strip().split(";", 1) for part in timing.split(","))
    assert {"match", "order", "hits", "search", "render", "gc", "cpu"} <= set(steps)
    assert steps["worker"] == f'desc="{os.getpid()}"'
    assert float(steps["search"].removeprefix("dur=")) >= 0
    # Every page says how much CPU it took (bench/read_heavy.py adds them up per kind).
    other = client.get("/").headers["Server-Timing"]
    assert float(dict(p.strip().split(";", 1) for p in other.split(","))["cpu"]
                 .removeprefix("dur=")) > 0
