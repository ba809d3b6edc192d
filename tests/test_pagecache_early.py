"""Anonymous page-cache hits are answered before the other before-request hooks (issue 23 item 2),
with the same headers as any page, and never to a member, a reader with a flash message waiting,
or a reader with a log-in cookie."""
import pytest

from smartsociety.viewcounts import services as viewcounts
from tests.factories import CaseFactory, UserFactory

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
PER_REQUEST = {"X-Page-Cache", "Content-Length", "X-Request-ID", "Server-Timing"}


@pytest.fixture
def case(db):
    case = CaseFactory(title="Vroeg geserveerd")
    db.session.commit()
    return case


@pytest.fixture
def later_hooks(app):
    """Which requests reached the before-request hooks registered after the page cache's."""
    seen = []
    app.before_request(lambda: seen.append(1) and None)
    return seen


def headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in PER_REQUEST}


@pytest.mark.parametrize("path", ["/", "/casussen", "/case"])
def test_a_hit_skips_the_later_hooks_and_carries_the_same_headers(client, case, later_hooks,
                                                                   path):
    path = f"/casussen/{case.id}" if path == "/case" else path
    miss = client.get(path, headers=BROWSER)
    assert miss.headers["X-Page-Cache"] == "miss"
    assert len(later_hooks) == 1
    hit = client.get(path, headers=BROWSER)
    assert hit.headers["X-Page-Cache"] == "hit"
    assert len(later_hooks) == 1  # answered before them
    assert hit.get_data() == miss.get_data()
    assert headers(hit) == headers(miss)
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy",
                 "X-Content-Type-Options"):
        assert name in hit.headers
    assert "Set-Cookie" not in hit.headers


def test_a_member_never_gets_the_anonymous_page(client, login, case, later_hooks):
    client.get(f"/casussen/{case.id}")
    assert client.get(f"/casussen/{case.id}").headers["X-Page-Cache"] == "hit"
    member = login(UserFactory(name="Mira Lid"))
    page = member.get(f"/casussen/{case.id}")
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Mira Lid" in page.get_data(as_text=True)
    assert len(later_hooks) == 2  # the member's request went through every hook


def test_a_waiting_flash_message_is_shown_not_a_cached_page(app, client, case, later_hooks):
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Bericht dat moet verschijnen")]
    page = client.get("/")
    assert page.headers.get("X-Page-Cache") is None
    assert "Bericht dat moet verschijnen" in page.get_data(as_text=True)
    assert client.get("/").headers["X-Page-Cache"] == "hit"  # shown once, then shared again


def test_a_log_in_cookie_or_a_token_is_not_served_the_anonymous_page(app, client, case,
                                                                      later_hooks):
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    other = app.test_client()
    other.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), "1|abc")
    assert other.get("/").headers.get("X-Page-Cache") != "hit"
    assert len(later_hooks) == 2
    # A token (the API's sign-in) is looked at by the later hooks before any page is served.
    app.test_client().get("/", headers={"Authorization": "Bearer x"})
    assert len(later_hooks) == 3


def test_a_suspended_or_any_member_still_passes_the_write_checks(client, login, case):
    """Only anonymous GETs are answered early: a member's POST goes through every check."""
    client.get(f"/casussen/{case.id}")
    member = login(UserFactory())
    response = member.post(f"/casussen/{case.id}/reacties", data={"body": "Na een vroege hit"})
    assert response.status_code == 302
    assert client.get(f"/casussen/{case.id}").headers["X-Page-Cache"] == "miss"


def test_views_of_cached_case_pages_are_still_counted(app, client, case):
    for _ in range(3):
        assert client.get(f"/casussen/{case.id}", headers=BROWSER,
                          environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get(f"/casussen/{case.id}", headers=BROWSER).headers["X-Page-Cache"] == "hit"
    assert viewcounts.flush() >= 1
