"""One date helper: a long and a short format per language, valid HTML date-times."""
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from smartsociety import dates
from smartsociety.models import Role
from tests.factories import CaseFactory, CommentFactory, UserFactory

WHEN = datetime(2026, 11, 30, 10, 15, 8, 846542, tzinfo=UTC)  # 11:15 in Amsterdam


@pytest.mark.parametrize("language, long, with_time, short", [
    ("nl", "30 november 2026", "30 november 2026, 11:15", "30 nov. 2026"),
    ("en", "30 November 2026", "30 November 2026, 11:15", "30 Nov 2026"),
])
def test_one_long_and_one_short_format_per_language(app, language, long, with_time, short):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert dates.format_date(WHEN) == long
        assert dates.format_datetime(WHEN) == with_time
        assert dates.format_date(WHEN, "short") == short
        assert dates.format_datetime(WHEN, "short") == f"{short}, 11:15"
        assert dates.format_date(date(2019, 3, 1), "short") in ("1 mrt. 2019", "1 Mar 2019")
        assert dates.format_date(None) == ""


def test_html_date_times_have_no_microseconds():
    assert dates.iso(WHEN) == "2026-11-30T10:15:08+00:00"
    assert dates.iso(datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05+00:00"
    assert dates.iso(date(2019, 11, 29)) == "2019-11-29"


VALID_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d))?$")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_pages_show_one_format_and_valid_time_elements(db, login, language):
    case = CaseFactory(created_at=WHEN)
    CommentFactory(case=case, created_at=WHEN)
    moderator = UserFactory(role=Role.MODERATOR)
    client = login(moderator)
    client.post(f"/moderatie/leden/{case.author_id}/schorsen", data={"days": "7", "reason": "x"})
    pages = [client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
             for url in (f"/casussen/{case.id}", "/moderatie/logboek", "/casussen")]
    moderator.locale = language
    db.session.commit()
    pages += [client.get(url).get_data(as_text=True)
              for url in (f"/casussen/{case.id}", "/moderatie/logboek")]
    for page in pages:
        for value in re.findall(r'<time datetime="([^"]*)"', page):
            assert VALID_DATETIME.match(value), value
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b", page)  # no US dates
        assert not re.search(r"\d\d-\d\d-\d{4}, \d", page)  # no "30-11-2026, 11:15"
        assert not re.search(r"\d\d:\d\d:\d\d<", page)  # no seconds shown


def test_templates_format_dates_only_through_the_helper():
    root = Path(__file__).resolve().parent.parent / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert "strftime" not in text and "format_date" not in text, path
        for match in re.finditer(r'<time datetime="\{\{ ([^}]*)\}\}"', text):
            assert "|isodatetime" in match.group(1), (path, match.group(0))
