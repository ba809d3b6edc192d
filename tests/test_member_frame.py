"""A member's header kept per language and role (smartsociety/frame.py), with what is the
member's own (name, profile link, unread count, the bell's and profile's current mark, the
log-out form's token) filled in per request: the same HTML as rendering it on the spot, and a
change to any of those shows on the very next request."""
import re

import pytest
from markupsafe import escape

from smartsociety.models import Notification, Role
from tests.factories import CaseFactory, UserFactory
from tests.test_page_frame import _masked, rendered_without_keeping

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "{{ 7*7 }} {x} {0} %s {% if %}",
    "A\x02next\x02 B \x02q\x02 \x02current:/\x02 \x02profile\x02",
    "Tom & \"Jerry\" 's",
]


def _header(page: str) -> str:
    return page.split('<header class="site-header">')[1].split("</header>")[0]


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _member_keys(app) -> list:
    return [key for key in app.extensions["frame_parts"] if len(key) > 3]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR, Role.ADMIN])
def test_the_kept_member_header_is_the_rendered_one(no_page_cache, login, db, language, role):
    member = UserFactory(name="Anna Lid", role=role)
    case = CaseFactory(author=member)
    db.session.add(Notification(user_id=member.id, kind="comment", case_id=case.id,
                                group_key="case:1", title="Nieuw"))
    db.session.commit()
    client = login(member)
    client.post(f"/taal/{language}", headers={"Origin": "http://localhost"})
    paths = ["/", "/casussen", f"/casussen/{case.id}", "/meldingen", f"/leden/{member.id}",
             "/mijn-gegevens", "/zoeken?q=%22%3E%3Cb%3E", "/bestaat-niet?x=%22"]
    for path in paths:
        first = client.get(path).get_data(as_text=True)
        again = client.get(path).get_data(as_text=True)
        spot = rendered_without_keeping(no_page_cache, client, path)
        assert _masked(first) == _masked(again) == _masked(spot), path
        header = _header(again)
        assert f'<li><a href="/leden/{member.id}"' in header
        assert ("/moderatie" in header) is (role is not Role.MEMBER)
        assert ("/beheer/leden" in header) is (role is Role.ADMIN)
        # the log-out form carries a token (not a marker)
        assert re.search('name="csrf_token" value="[^"\x02]+"', header)
    assert len(_member_keys(no_page_cache)) == 1  # kept: one header for this language and role
    [key] = _member_keys(no_page_cache)
    kept = no_page_cache.extensions["frame_parts"][key]
    assert "Anna Lid" not in kept and f"/leden/{member.id}" not in kept
    assert "(1)" not in kept and "has-unread" not in kept


def test_the_current_marks_follow_the_page(no_page_cache, login, db):
    member = UserFactory(name="Anna Lid")
    client = login(member)
    notices = _header(client.get("/meldingen").get_data(as_text=True))
    assert 'href="/meldingen" aria-current="page">Meldingen (0)' in notices
    assert f'<li><a href="/leden/{member.id}">Anna Lid</a></li>' in notices
    own = _header(client.get(f"/leden/{member.id}").get_data(as_text=True))
    assert f'<li><a href="/leden/{member.id}" aria-current="page">Anna Lid</a></li>' in own
    assert 'href="/meldingen">Meldingen (0)' in own
    cases = _header(client.get("/casussen").get_data(as_text=True))
    assert '<a href="/casussen" aria-current="page">' in cases
    assert 'aria-current="page">Anna Lid' not in cases


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_members_name_goes_in_as_written(no_page_cache, login, db, name):
    member = UserFactory(name=name)
    other = UserFactory(name="Bert Ander")
    client = login(member)
    for _ in range(2):
        header = _header(client.get("/zoeken?q=x").get_data(as_text=True))
        assert f'<li><a href="/leden/{member.id}">{escape(name)}</a></li>' in header
        assert header.count("\x02") == name.count("\x02")  # no marker of the frame left over
        assert 'name="q" maxlength="500"' in header and 'value="x"' in header
        assert 'name="next" value="/zoeken?q=x"' in header
    assert _masked(client.get("/").get_data(as_text=True)) == _masked(
        rendered_without_keeping(no_page_cache, client, "/"))
    # the next member gets their own name in the same kept header
    header = _header(login(other).get("/").get_data(as_text=True))
    assert f'<li><a href="/leden/{other.id}">Bert Ander</a></li>' in header
    assert escape(name) not in header


def test_changes_show_on_the_very_next_request(no_page_cache, client, login, db):
    member = UserFactory(name="Anna Lid")
    case = CaseFactory()
    db.session.commit()
    as_member = login(member)
    header = _header(as_member.get("/").get_data(as_text=True))
    assert "Meldingen (0)" in header and "has-unread" not in header and "/moderatie" not in header

    member.name = "Anna Nieuwenhuis"
    db.session.add(Notification(user_id=member.id, kind="comment", case_id=case.id,
                                group_key="case:x", title="Nieuw"))
    db.session.commit()
    header = _header(as_member.get("/").get_data(as_text=True))
    assert "Anna Nieuwenhuis" in header and "Anna Lid" not in header
    assert 'class="notification-bell has-unread"' in header and "Meldingen (1)" in header

    member.role = Role.MODERATOR
    db.session.commit()
    header = _header(as_member.get("/").get_data(as_text=True))
    assert "/moderatie" in header and "/beheer/leden" not in header
    member.role = Role.MEMBER
    db.session.commit()
    assert "/moderatie" not in _header(as_member.get("/").get_data(as_text=True))

    as_member.post("/taal/en", headers={"Origin": "http://localhost"})
    header = _header(as_member.get("/").get_data(as_text=True))
    assert "Notifications (1)" in header and "Log out" in header

    # logging out gives the anonymous header, logging in (another member) their own
    page = as_member.get("/").get_data(as_text=True)
    as_member.post("/uitloggen", data={"csrf_token": _token(page)})
    header = _header(as_member.get("/").get_data(as_text=True))
    assert "Anna Nieuwenhuis" not in header and "Log in" in header and "csrf_token" not in header
    other = UserFactory(name="Bert Ander")
    header = _header(login(other, as_member).get("/").get_data(as_text=True))
    assert "Bert Ander" in header and "Anna" not in header
    assert re.search(r"Notifications \(0\)", header)
    # the anonymous reader's header never shows a member's part
    assert "Uitloggen" not in _header(client.get("/").get_data(as_text=True))


def test_each_member_logs_out_with_their_own_token(another_app, db, login):
    """With CSRF on: the kept header's log-out form carries the token the reader's session
    holds (the case page's meta tag shows the same), and it logs that member out."""
    web = another_app(WTF_CSRF_ENABLED=True)
    first, second = UserFactory(name="Anna Lid"), UserFactory(name="Bert Ander")
    case = CaseFactory()
    db.session.commit()

    seen = set()
    clients = [login(first, web.test_client()), login(second, web.test_client())]
    for client in clients * 2:
        page = client.get(f"/casussen/{case.id}").get_data(as_text=True)
        meta = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        in_header = _token(_header(page))
        assert in_header.split(".")[0] == meta.split(".")[0]
        seen.add(in_header.split(".")[0])
    assert len(seen) == 2
    page = clients[0].get("/").get_data(as_text=True)
    clients[0].post("/uitloggen", data={"csrf_token": _token(_header(page))})
    assert "Anna Lid" not in clients[0].get("/").get_data(as_text=True)
    assert "Bert Ander" in clients[1].get("/").get_data(as_text=True)
