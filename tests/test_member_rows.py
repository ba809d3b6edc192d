"""A member's own rows on every page (smartsociety/memberpage.py, issue 23 item 3): asked in one
query, and each change shows on the member's next page."""
import re

from smartsociety.cases import services as cases
from smartsociety.models import FollowTarget
from smartsociety.notify import services as notify
from tests.factories import CaseFactory, UserFactory, saved
from tests.querycount import count_queries


def _bell(html: str) -> str | None:
    found = re.search(r'href="/meldingen"[^>]*>.*?</a>', html, re.S)
    return found.group(0) if found else None


def test_each_of_the_members_rows_shows_on_the_next_page(db, login):
    member, author, moderator = UserFactory(), UserFactory(), UserFactory(role="moderator")
    case = CaseFactory(author=author)
    client = login(member)
    url = f"/casussen/{case.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'action="/volgen/case/{case.id}"' in page and "Let op" not in page
    # Follows: the button turns into "unfollow" on the next read, and back.
    assert client.post(f"/volgen/case/{case.id}").status_code == 302
    assert f'action="/ontvolgen/case/{case.id}"' in client.get(url).get_data(as_text=True)
    bell_before = _bell(client.get(url).get_data(as_text=True))
    # A notification: the bell's count changes.
    saved(cases.add_comment(case, author, "Nieuw"))
    assert _bell(client.get(url).get_data(as_text=True)) != bell_before
    assert client.post(f"/ontvolgen/case/{case.id}").status_code == 302
    assert f'action="/volgen/case/{case.id}"' in client.get(url).get_data(as_text=True)
    # A warning, then new terms.
    login(moderator).post(f"/moderatie/leden/{member.id}/waarschuwen",
                          data={"reason": "Let op je toon"})
    assert "Let op je toon" in client.get(url).get_data(as_text=True)
    login(moderator).post("/voorwaarden/publiceren", data={
        "kind": "terms", "summary": "Nieuwe voorwaarden", "body": "# Voorwaarden"})
    assert "Nieuwe voorwaarden" in client.get(url).get_data(as_text=True)
    assert notify.is_following(member, FollowTarget.CASE, case.id) is False


def test_the_members_rows_cost_one_query(db, login):
    member = UserFactory()
    case = CaseFactory()
    client = login(member)
    client.get(f"/casussen/{case.id}")
    with count_queries(db.engine) as counted:
        assert client.get(f"/casussen/{case.id}").status_code == 200
    own = [s for s in counted.statements
           if re.search(r"\b(notification|policy_version|sanction|follow)\b", s)]
    assert len(own) == 1, own
