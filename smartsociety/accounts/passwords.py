"""The password policy: long enough, not a common password, not the member's own name or address."""
from functools import cache

from flask_babel import lazy_gettext as _l

from smartsociety.text import fold


@cache
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent passwords from public breaches, lower-cased.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, min_length: int, email: str = "", name: str = "") -> list:
    """Reasons (translatable) why `password` is refused; empty when it is acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append(
            _l("Use at least %(count)d characters.", count=min_length)
        )
    lowered = password.casefold()
    if lowered in common_passwords():
        problems.append(_l("This password is too common; choose another."))
    compact = "".join(lowered.split())
    local_part = (email or "").split("@")[0].casefold()
    name_parts = [part for part in fold(name or "").split() if len(part) >= 4]
    full_name = "".join(fold(name or "").split())
    if (len(local_part) >= 3 and local_part in compact) or (
        len(full_name) >= 3 and full_name in fold(compact)
    ) or any(part in fold(compact) for part in name_parts):
        problems.append(_l("Your password must not contain your name or e-mail address."))
    return problems
