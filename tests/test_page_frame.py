"""The page frame kept per language for anonymous readers (smartsociety/frame.py) is the frame
the template renders: the same HTML on every page, with the request's own parts (current
navigation link, the language switch's return address, the search box) filled in per request;
a member's frame stays their own."""
import re

import pytest

from smartsociety.models import Role
from tests.factories import CaseFactory, UserFactory


def rendered_without_keeping(app, client, path: str) -> str:
    """The page with every frame part rendered on the spot (as before the frame was kept)."""
    kept_part = app.jinja_env.globals["frame_part"]
    app.jinja_env.globals["frame_part"] = lambda name, caller, **_: caller()
    try:
        return client.get(path).get_data(as_text=True)
    finally:
        app.jinja_env.globals["frame_part"] = kept_part


PATHS = ["/", "/casussen", "/casussen?sort=active&x=%22%3E%3Cscript%3E", "/principes/",
         "/zoeken?q=%22%3E%3Cb%3Elantaarn", "/evenementen", "/inloggen", "/organisaties",
         "/bestaat-niet?x=1"]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_kept_frame_is_the_rendered_frame_on_every_page(no_page_cache, client, db, language):
    case = CaseFactory(title="Slimme lantaarnpalen")
    if language == "en":
        client.post("/taal/en", headers={"Origin": "http://localhost"})
    app = no_page_cache
    for path in [*PATHS, f"/casussen/{case.id}"]:
        first = client.get(path).get_data(as_text=True)  # keeps the parts (or uses them)
        again = client.get(path).get_data(as_text=True)
        assert first == again == rendered_without_keeping(app, client, path), path
    kept = dict(app.extensions["frame_parts"])
    assert kept  # they were kept, and a write leaves them (they show no stored data)
    CaseFactory(title="Nog een casus")
    assert "Nog een casus" in client.get("/").get_data(as_text=True)
    assert {key: id(html) for key, html in app.extensions["frame_parts"].items()} == {
        key: id(html) for key, html in kept.items()}
    home = client.get("/").get_data(as_text=True)
    assert f'<html lang="{language}">' in home
    assert ("Log in" if language == "en" else "Inloggen") in home


def test_the_request_parts_are_filled_in_and_escaped(no_page_cache, client, db):
    client.get("/")  # the parts kept
    page = client.get("/zoeken?q=%22%3E%3Cb%3Elamp").get_data(as_text=True)
    assert 'value="&#34;&gt;&lt;b&gt;lamp"' in page  # the search box shows the query
    assert '<b>lamp' not in page
    assert 'name="next" value="/zoeken?q=%22%3E%3Cb%3Elamp"' in page
    cases = client.get("/casussen").get_data(as_text=True)
    assert '<a href="/casussen" aria-current="page">' in cases
    assert '<a href="/" aria-current="page">' not in cases
    assert 'name="q" maxlength="500"\n               placeholder' in cases
    assert 'value="">' in cases.split('id="site-search"')[1].split("</form>")[0]
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/" aria-current="page">' in home
    assert 'aria-current="page">Casussen' not in home
    assert 'name="next" value="/"' in home


def test_the_language_switch_changes_the_frame_at_once(no_page_cache, client, db):
    assert "Inloggen" in client.get("/").get_data(as_text=True)
    client.post("/taal/en", headers={"Origin": "http://localhost"})
    english = client.get("/").get_data(as_text=True)
    assert "Log in" in english and "Inloggen" not in english
    client.post("/taal/nl", headers={"Origin": "http://localhost"})
    assert "Inloggen" in client.get("/").get_data(as_text=True)


def test_logging_in_and_out_changes_the_frame_at_once(no_page_cache, client, login, db):
    member = UserFactory(name="Anna Lid")
    assert "Anna Lid" not in client.get("/").get_data(as_text=True)  # anonymous frame kept
    member_client = login(member)
    page = member_client.get("/").get_data(as_text=True)
    assert "Anna Lid" in page and "Uitloggen" in page and "Inloggen" not in page
    assert "Meldingen (0)" in page
    # A member's frame is rendered per request: not the one kept for anonymous readers.
    # The form tokens are signed with the second they were made in: compare the rest.
    again = rendered_without_keeping(no_page_cache, member_client, "/")
    assert _masked(page) == _masked(again)
    member_client.post("/uitloggen", data={"csrf_token": _token(page)})
    after = member_client.get("/").get_data(as_text=True)
    assert "Anna Lid" not in after and "Inloggen" in after


def test_moderators_see_their_links_and_anonymous_readers_do_not(no_page_cache, client, login,
                                                                   db):
    moderator = UserFactory(name="Mo Derator", role=Role.MODERATOR)
    client.get("/")
    assert "/moderatie" not in client.get("/casussen").get_data(as_text=True)
    page = login(moderator).get("/casussen").get_data(as_text=True)
    assert "/moderatie" in page and "Mo Derator" in page
    assert "/moderatie" not in client.get("/casussen").get_data(as_text=True)


def _masked(page: str) -> str:
    return re.sub(r'(name="csrf_token" value="|name="csrf-token" content=")[^"]*', r"\1-", page)


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_members_footer_is_the_kept_footer(no_page_cache, client, login, db):
    """The footer shows nothing of the reader: members get the kept one, in their language."""
    member = UserFactory(name="Anna Lid")
    member_client = login(member)
    for language in ("nl", "en"):
        member_client.post(f"/taal/{language}", headers={"Origin": "http://localhost"})
        page = member_client.get("/casussen").get_data(as_text=True)
        # The form tokens are signed with the second they were made in: compare the rest.
        assert _masked(page) == _masked(
            rendered_without_keeping(no_page_cache, member_client, "/casussen"))
        kept = no_page_cache.extensions["frame_parts"][("footer", language, "")]
        assert kept in page and "Anna Lid" not in kept and "csrf_token" not in kept
    assert ("Terms of use" in kept) and ("Gebruiksvoorwaarden" not in kept)
