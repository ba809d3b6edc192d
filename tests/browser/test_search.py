"""Searching in a real browser: the header box, results with facets, accessibility, 320 px."""
from smartsociety.models import Theme
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import CaseFactory, CommentFactory


def test_search_from_header_and_refine(live_server, page, db):
    case = CaseFactory(title="Slimme verkeerslichten in Turfbrug")
    case.themes.append(Theme.DATAGEDREVEN)
    db.session.commit()
    CommentFactory(case=case, body="Verkeerslichten met camera's?", body_html="")
    page.goto(live_server.url + "/")
    page.fill("#site-search", "verkeerslicht")
    page.keyboard.press("Enter")
    page.wait_for_url("**/zoeken?q=verkeerslicht")
    assert page.locator(".search-hit").count() == 2
    assert page.locator(".search-hit mark").count() >= 1
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    page.locator(".facet a", has_text="Reactie").click()
    assert page.locator(".search-hit").count() == 1
    assert page.js_errors == []


def test_search_page_states_are_accessible_at_320_pixels(live_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/zoeken", "/zoeken?q=bestaatnergens", "/zoeken?q=" + "x" * 600):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, path
        violations = axe_violations(page)
        assert violations == [], format_violations(violations)
