"""Cases in Chromium: hostile Markdown never runs, the dilemma story, accessibility of pages."""
import pytest

from smartsociety.cases import services
from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import Case, CaseKind, Comment, DilemmaStatus, OrganisationKind, utcnow
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import CaseFactory, OrganisationFactory, UserFactory, saved

XSS_CORPUS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 1">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text y=20>x</text></a></svg>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "[klik](java&#x09;script:alert(1))",
    "[klik](%6A%61vascript:alert(1))",
    '<a href="javascript&colon;alert(1)">x</a>',
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![plaatje](x" onerror="alert(1))',
    '![plaatje](javascript:alert(1))',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<details open ontoggle=alert(1)>x</details>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<input autofocus onfocus=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<body onload=alert(1)>",
    "`<img src=x onerror=alert(1)>`",
    "```\n<script>alert(1)</script>\n```",
    "> <img src=x onerror=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
    '[x](https://ok.example "title\\" onmouseover=alert(1) x=\\"")',
]

DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
      if (attr.name === 'style') bad.push(el.tagName + ' style');
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'MATH', 'BASE', 'META', 'FORM',
         'INPUT', 'STYLE'].includes(el.tagName.toUpperCase())
        && el.closest('[data-corpus]')) bad.push(el.tagName);
  }
  // Resolved the way the browser would (entities decoded, whitespace stripped).
  const scheme = (value) => new URL(value, 'https://base.example/').protocol;
  for (const a of document.querySelectorAll('[data-corpus] a[href]')) {
    const href = a.getAttribute('href');
    if (!['http:', 'https:', 'mailto:'].includes(scheme(href))) bad.push('href ' + href);
  }
  for (const img of document.querySelectorAll('[data-corpus] img[src]')) {
    const src = img.getAttribute('src');
    if (!['http:', 'https:'].includes(scheme(src))) bad.push('src ' + src);
  }
  return bad;
}"""


def watch(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def log_in(page, live_server, app, user):
    """Give the browser the session cookie a login would have set."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server.url}]
    )


def test_sanitised_corpus_runs_nothing_even_without_csp(page):
    """The sanitiser alone must hold: the corpus is shown in a page with no CSP at all."""
    dialogs = watch(page)
    html = "".join(
        f'<section data-corpus="{n}">{render_markdown(payload)}</section>'
        for n, payload in enumerate(XSS_CORPUS)
    )
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    page.wait_for_timeout(300)
    for link in page.query_selector_all("[data-corpus] a"):
        link.hover()
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.evaluate(DOM_CHECK) == []


def test_corpus_in_case_and_comments_runs_nothing(live_server, page, app):
    author = UserFactory()
    case = CaseFactory(author=author, body="\n\n".join(XSS_CORPUS),
                       body_html=render_markdown("\n\n".join(XSS_CORPUS)))
    for payload in XSS_CORPUS:
        services.add_comment(db.session.get(Case, case.id), author, payload)
    saved()
    url = f"{live_server.url}/casussen/{case.id}"
    dialogs = watch(page)
    page.goto(url)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator(".comment").count() == len(XSS_CORPUS)


def test_live_preview_shows_sanitised_html_and_runs_nothing(live_server, page, app):
    case = CaseFactory()
    user = UserFactory()
    log_in(page, live_server, app, user)
    dialogs = watch(page)
    page.goto(f"{live_server.url}/casussen/{case.id}")
    area = page.locator("#body")
    area.fill("**vet** " + " ".join(XSS_CORPUS[:6]))
    preview = page.locator('[data-preview-for="body"] .preview-body strong')
    preview.wait_for()
    assert preview.inner_text() == "vet"
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.js_errors == []


def test_official_posts_dilemma_company_replies_official_accepts(live_server, page, app):
    gemeente = OrganisationFactory(name="Gemeente Turfbrug", kind=OrganisationKind.GEMEENTE,
                                   verified_at=utcnow())
    company = OrganisationFactory(name="Sensorium B.V.", kind=OrganisationKind.BEDRIJF,
                                  verified_at=utcnow())
    official = UserFactory(name="Pieter Jansen", organisation=gemeente)
    employee = UserFactory(name="Mila Visser", organisation=company)

    log_in(page, live_server, app, official)
    page.goto(f"{live_server.url}/casussen/nieuw?soort=dilemma")
    page.fill("#title", "Moeten wij een openbaar sensorregister bijhouden?")
    page.fill("#summary", "Over transparantie van sensoren in de stad.")
    page.fill("#body", "Wij hangen steeds meer **sensoren** op.")
    page.fill("#question", "Moeten inwoners kunnen zien welke sensoren er hangen?")
    page.fill("#values_at_stake", "Transparantie tegenover beveiliging van de infrastructuur.")
    page.check('input[name="themes"][value="datagedreven-werken"]')
    page.fill("#tags", "sensoren, transparantie")
    page.click('input[name="submit"]')
    page.wait_for_url("**/casussen/*")
    case_url = page.url
    assert "sensorregister" in page.locator("h1").inner_text()

    log_in(page, live_server, app, employee)
    page.goto(case_url)
    page.fill("#body", "Wij publiceren al een register via een open API. Begin klein.")
    page.click('#comment-form input[name="submit"]')
    page.wait_for_url("**#comment-*")
    assert "Sensorium B.V." in page.locator(".comment").first.inner_text()

    log_in(page, live_server, app, official)
    page.goto(case_url)
    page.locator('form[action$="/accepteren"] button').first.click()
    page.wait_for_url("**#accepted-answer")
    accepted = page.locator("#accepted-answer")
    assert "open API" in accepted.inner_text()
    case = db.session.scalar(db.select(Case))
    assert case.status == DilemmaStatus.ANSWERED.value
    assert db.session.scalar(db.select(Comment)).accepted_at is not None
    assert page.js_errors == []


@pytest.mark.parametrize("which", ["list", "case", "form"])
def test_case_pages_are_accessible(live_server, page, app, which):
    case = CaseFactory(kind=CaseKind.DILEMMA, question="Wat doen we?", values_at_stake="A of B")
    user = UserFactory()
    services.add_comment(db.session.get(Case, case.id), user, "Een **reactie** met een > quote")
    log_in(page, live_server, app, case.author)
    path = {
        "list": "/casussen",
        "case": f"/casussen/{case.id}",
        "form": "/casussen/nieuw",
    }[which]
    page.goto(live_server.url + path)
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page.js_errors == []


def test_case_page_usable_at_320_pixels(live_server, page, app):
    case = CaseFactory()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/casussen/{case.id}")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
