"""The one way a date is shown: a long and a short format per language (docs: conventions).

Long: "30 november 2026" (with time "30 november 2026, 11:15"); short, for tables and lists:
"30 nov. 2026". English in en-GB order: "30 November 2026, 11:15". Never US order.
`iso` gives a valid HTML date-time for `<time datetime>`: whole seconds, no microseconds.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date as _babel_date
from flask_babel import get_locale, to_user_timezone

# Babel's Dutch abbreviations drop the full stop ("nov"); Dutch style writes "nov." and "mrt.".
_DUTCH_SHORT_MONTHS = ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.",
                       "okt.", "nov.", "dec.")
LONG, SHORT = "long", "short"
# Older names templates may still pass: everything maps onto the two formats.
_ALIASES = {"medium": LONG, "full": LONG, LONG: LONG, SHORT: SHORT}


def _style(style: str) -> str:
    return _ALIASES.get(style, LONG)


def _local(value, zone: str | None = None):
    """A datetime in the reader's time zone, or in `zone` (an event is shown in the zone it is
    held in); naive values are UTC; a date stays a date."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(ZoneInfo(zone)) if zone else to_user_timezone(value)
    return value


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "nl"


def format_date(value: date | datetime | None, style: str = LONG) -> str:
    if value is None:
        return ""
    return _format_day(_local(value), style)


_DAYS: dict[tuple, str] = {}
DAYS_KEPT = 20_000  # formatted days; emptied when full


def _format_day(value: date | datetime, style: str) -> str:
    """A date, or the date of an already local datetime. Formatted once per process, language
    and format (Babel takes ~0.1 ms a date; a results page shows twenty)."""
    day = value.date() if isinstance(value, datetime) else value
    locale = get_locale()
    key = (str(locale) if locale is not None else None, day, _style(style))
    found = _DAYS.get(key)
    if found is None:
        if len(_DAYS) >= DAYS_KEPT:
            _DAYS.clear()
        found = _DAYS[key] = _format_new_day(day, style)
    return found


def _format_new_day(day: date, style: str) -> str:
    if _style(style) == SHORT:
        if _language() == "nl":
            return f"{day.day} {_DUTCH_SHORT_MONTHS[day.month - 1]} {day.year}"
        return _babel_date(day, "d MMM y")
    return _babel_date(day, "d MMMM y")


def format_datetime(value: datetime | None, style: str = LONG, zone: str | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, style)
    local = _local(value, zone)  # once: a thread of fifty comments formats fifty of these
    return f"{_format_day(local, style)}, {local:%H:%M}"


def format_time(value: datetime | None, zone: str | None = None) -> str:
    """The time of day only ("09:00"), e.g. within a programme that names its day."""
    return f"{_local(value, zone):%H:%M}" if value is not None else ""


def iso(value: date | datetime | None) -> str:
    """For `<time datetime>`: at most whole seconds (HTML allows three fraction digits)."""
    if value is None:
        return ""
    if isinstance(value, str):  # e.g. a catalogue's stored ISO text
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
    return value.isoformat()
