"""The layout in a real browser: skip link, language switch, accessibility of the home page."""
from tests.browser.conftest import axe_violations, format_violations


def test_home_page_is_accessible(live_server, page):
    page.goto(live_server.url + "/")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page.js_errors == []


def test_skip_link_moves_to_content(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_usable_at_320_pixels(live_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
