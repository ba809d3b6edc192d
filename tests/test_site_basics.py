"""What every site has: favicon, meta descriptions, compression, fingerprinted static files,
conditional GET on feeds."""
import re

import pytest

from tests.factories import CaseFactory, OrganisationFactory, PrincipleFactory, SolutionFactory


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page


def _description(html: str) -> str:
    match = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert match, "no meta description"
    return match.group(1)


def test_every_page_type_has_its_own_meta_description(db, client):
    case = CaseFactory(summary="Sensoren tellen fietsers op de Turfbrug.")
    principle = PrincipleFactory()
    solution = SolutionFactory(summary="Een open sensorregister als dienst.")
    organisation = OrganisationFactory(description="Een gemeente aan het water.")
    pages = {
        "/": None, "/casussen": None, "/principes/": None, "/oplossingen": None,
        "/organisaties": None, "/zoeken": None,
        f"/casussen/{case.id}": "Sensoren tellen fietsers",
        f"/principes/{principle.slug}": "Een zin die het principe samenvat.",
        f"/oplossingen/{solution.id}": "Een open sensorregister",
        f"/organisaties/{organisation.slug}": "Een gemeente aan het water.",
    }
    seen = set()
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        description = _description(response.get_data(as_text=True))
        assert description.strip(), url
        if expected:
            assert expected in description, url
        seen.add(description)
    assert len(seen) == len(pages)  # each page type says something of its own


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_responses_are_compressed(db, client, encoding):
    CaseFactory()
    response = client.get("/casussen", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    with client.get("/static/css/site.css", headers={"Accept-Encoding": encoding}) as css:
        assert css.headers["Content-Encoding"] == encoding


def test_static_urls_are_fingerprinted_and_cached_long(app, client, tmp_path):
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable
    # An old or missing fingerprint is only revalidated, never cached for a year.
    with client.get("/static/css/site.css?v=000000000000") as stale:
        assert stale.cache_control.no_cache and not stale.cache_control.max_age


@pytest.fixture
def change_style(app, tmp_path):
    """A static folder with css/x.css; calling the result changes the file (and its mtime)."""
    import os

    (tmp_path / "static" / "css").mkdir(parents=True)
    style = tmp_path / "static" / "css" / "x.css"
    style.write_text("a{}")
    app.static_folder = str(tmp_path / "static")

    def change():
        style.write_text("a{color:red}")
        os.utime(style, (1, 1))
    return change


def test_a_changed_static_file_gets_a_new_url(app, change_style):
    from flask import url_for

    with app.test_request_context():
        first = url_for("static", filename="css/x.css")
        change_style()
        assert url_for("static", filename="css/x.css") != first


def test_the_frames_static_urls_follow_a_changed_file(app, change_style):
    """base.html's `static_url` remembers each file's URL per content hash."""
    from flask import url_for

    from smartsociety.webassets import static_url

    with app.test_request_context():
        first = static_url("css/x.css")
        assert first == url_for("static", filename="css/x.css") == static_url("css/x.css")
        change_style()
        assert static_url("css/x.css") == url_for("static", filename="css/x.css") != first


def test_feeds_answer_conditional_requests(db, client):
    CaseFactory(title="Eerste casus")
    first = client.get("/feeds/casussen.atom")
    assert first.status_code == 200 and first.headers.get("ETag")
    assert first.headers.get("Last-Modified")
    again = client.get("/feeds/casussen.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/feeds/casussen.atom",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    CaseFactory(title="Tweede casus")
    changed = client.get("/feeds/casussen.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and b"Tweede casus" in changed.data


def test_an_empty_feed_does_not_change_between_polls(db, client):
    first = client.get("/feeds/casussen.atom")
    second = client.get("/feeds/casussen.atom")
    assert first.data == second.data
    assert client.get("/feeds/casussen.atom",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_compressed_feeds_answer_conditional_requests_too(db, client):
    CaseFactory()
    gzip = {"Accept-Encoding": "gzip"}
    first = client.get("/feeds/casussen.atom", headers=gzip)
    assert first.headers["Content-Encoding"] == "gzip"
    again = client.get("/feeds/casussen.atom",
                       headers={**gzip, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
