"""The password policy: long enough, not a common password, not the member's own name or address."""
from functools import cache

from flask_babel import lazy_gettext as _l

from smartsociety.text import fold


@cache
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent passwords from public breaches, lower-cased.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def contains_identity(password: str, email: str, name: str) -> bool:
    """Whether the password holds the e-mail local part, the whole name or a longer name part."""
    compact = "".join(fold(password).split())
    local_part = fold(email.split("@")[0])
    full_name = "".join(fold(name).split())
    pieces = [piece for piece in (local_part, full_name) if len(piece) >= 3]
    pieces += [part for part in fold(name).split() if len(part) >= 4]
    return any(piece in compact for piece in pieces)


def password_problems(password: str, min_length: int, email: str = "", name: str = "") -> list:
    """Reasons (lazy translated strings) why `password` is refused; empty when acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append(_l("Use at least %(count)d characters.", count=min_length))
    if password.casefold() in common_passwords():
        problems.append(_l("This password is too common; choose another."))
    if contains_identity(password, email or "", name or ""):
        problems.append(_l("Your password must not contain your name or e-mail address."))
    return problems
