"""The password policy: long enough, not guessable (zxcvbn's score, with the member's own name,
address and organisation and the site's own words as known inputs), not the member's identity."""
from functools import cache

from flask_babel import lazy_gettext as _l

from smartsociety.text import fold

# zxcvbn's 0..4 scale: 4 is "very unguessable" (over 10^10 guesses). 3 still let through
# "Zomer2026!Zomer" and a Turfbrug member's "gemeenteturfbrug2026"; passphrases of three or four
# unrelated words and 12 random characters reach 4.
MIN_SCORE = 4
# Checked only up to this length (zxcvbn's time grows with length; longer is strong anyway).
SCORED_LENGTH = 72  # zxcvbn refuses longer input
# Words an attacker of this site tries first: its name, its subjects, Dutch password habits.
SITE_WORDS = (
    "smart", "society", "smartsociety", "gemeente", "gemeenten", "turfbrug", "casus", "dilemma",
    "principe", "oplossing", "wachtwoord", "welkom", "geheim", "inloggen", "nederland",
    "amsterdam", "rotterdam", "utrecht", "ambtenaar", "bedrijf", "onderzoek", "hogeschool",
    "zomer", "winter", "voorjaar", "najaar", "maandag", "januari", "december", "hallo",
    "password", "welcome", "letmein", "qwerty", "azerty",
)


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


def identity_inputs(email: str, name: str, words=()) -> list[str]:
    # Earlier inputs count as likelier guesses: the member's own words come first.
    inputs = []
    for text in (name, *words, email.split("@")[0], *email.split("@")[-1].split("."), email):
        inputs += [*fold(text).replace("-", " ").replace(".", " ").split(), text]
    return [item for item in (*inputs, *SITE_WORDS) if item and len(item) >= 3]


def strength(password: str, email: str = "", name: str = "", words=()) -> int:
    from zxcvbn import zxcvbn

    return zxcvbn(password[:SCORED_LENGTH], user_inputs=identity_inputs(email, name, words))[
        "score"
    ]


def password_problems(password: str, min_length: int, email: str = "", name: str = "",
                      words=()) -> list:
    """Reasons (lazy translated strings) why `password` is refused; empty when acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append(_l("Use at least %(count)d characters.", count=min_length))
    if password.casefold() in common_passwords():
        problems.append(_l("This password is too common; choose another."))
    if contains_identity(password, email or "", name or ""):
        problems.append(_l("Your password must not contain your name or e-mail address."))
    if not problems and strength(password, email or "", name or "", words) < MIN_SCORE:
        problems.append(_l(
            "This password is easy to guess: it is built from common words, names, dates, "
            "repeated characters or keyboard patterns (or from your own name, address, "
            "organisation or this site)."
        ))
    if problems:
        problems.append(_l(
            "What works: four or five words that have nothing to do with each other, such as "
            "\u201cpaars fietsenrek onder brug\u201d, or a password manager's suggestion."
        ))
    return problems
