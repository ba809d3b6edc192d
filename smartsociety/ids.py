"""Database ids from URLs and query strings: only values every database can hold.

A path like /casussen/9223372036854775808 (or /casussen/2147483648 on PostgreSQL, whose
integer columns are 32-bit) made the database driver raise, a 500. The app's `int` URL
converter is replaced by `DatabaseIdConverter`, so every `<int:...>` in every blueprint, also
those added later, matches only ids in range; anything else is simply not found (404).
"""
from werkzeug.routing import IntegerConverter

# PostgreSQL `integer` (and SQLite's signed 64-bit integers hold it as well).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:name>`: 0 .. MAX_ID, at most ten digits (so no huge string is ever parsed)."""

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=False)


def db_id(value) -> int:
    """`type=` for request.args.get: an id in range, else ValueError (so the default is used)."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise ValueError(value)
    number = int(text)
    if number > MAX_ID:
        raise ValueError(value)
    return number


def small_int(value) -> int:
    """`type=` for page numbers and the like: a (possibly signed) integer of at most 9 digits."""
    text = str(value).strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise ValueError(value)
    return int(text)
