"""No input gives a 5xx (issue 16): property-style sweeps over every route in `app.url_map`, with
out-of-range integers, whitespace, control characters and NUL in every path parameter, every
query parameter the code reads and every field of every form, as anonymous reader, member and
moderator. Runs on SQLite and (SMARTSOCIETY_TEST_DATABASE=postgresql) on PostgreSQL.

The routes, parameters and fields are found, not listed: a route or form added later is swept
too. Strings come from Hypothesis (derandomized, a bounded number of examples: CI has a time
limit), plus explicit examples for each cause the probe found.
"""
import os
import random
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from smartsociety.demo import data as demo
from smartsociety.extensions import db as _db
from smartsociety.models import User
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("anonymous", "member", "moderator")
# Logging out (everywhere) would end the role's session half-way through the sweep; they are
# swept for the anonymous reader and have their own tests.
KEEP_SESSION = {"accounts.logout", "accounts.logout_everywhere"}
OUT_OF_RANGE = (2**31, 2**63, 10**20)
# Characters the probe found breaking pages, and their neighbours.
HOSTILE_CHARS = "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\x9f\xa0\u2028\u2029\u3000\ufeff\t\r\n "
CHOICES = {  # plausible values for choice fields, so forms get past their choices sometimes
    "kind": "dilemma", "status": "open", "language": "nl", "themes": "privacy",
    "theme": "privacy", "reason": "spam", "locale": "nl", "price_model": "free",
    "delivery": "immediate", "choice": "agree", "organisation": "new",
}


@pytest.fixture
def app_config(tmp_path, postgres_url):
    # Limits off: the sweep should reach the views, not stop at 429.
    return make_config(tmp_path, postgres_url, RATELIMIT_ENABLED=False)


def _form_fields() -> list[str]:
    """Every field name of every form class of the app (forms register by subclassing)."""
    names: set[str] = set()
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("smartsociety"):
            names |= {n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)}
    return sorted(names)


def _query_names() -> list[str]:
    """Every query parameter the code reads with request.args.get/getlist."""
    pattern = re.compile(r"request\.args\.get(?:list)?\(\s*[\"'](\w+)[\"']")
    names = set()
    for path in (ROOT / "smartsociety").rglob("*.py"):
        names |= set(pattern.findall(path.read_text()))
    return sorted(names | {"page", "q", "tag", "next"})


@pytest.fixture
def world(app, db, login):
    """The demo data (every kind of page has something to show), and a client per role."""
    demo.load(app.config["PASSWORD_HASH_METHOD"])
    _db.session.commit()
    member = _db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    moderator = _db.session.scalar(User.by_email("moderator@turfbrug.example"))
    clients = {"anonymous": app.test_client(), "member": login(member),
               "moderator": login(moderator)}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    return {"clients": clients, "rules": rules, "fields": _form_fields(),
            "query": _query_names(), "slugs": _slugs()}


def _slugs() -> dict[str, str]:
    from smartsociety.models import Organisation, Principle, Tag

    first = lambda model: _db.session.scalar(  # noqa: E731
        model.__table__.select().with_only_columns(model.slug).limit(1)) or "x"
    return {"principes": first(Principle), "organisaties": first(Organisation),
            "tags": first(Tag), "themas": "privacy"}


ARG = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _path(rule, override: dict | None = None, slugs: dict | None = None) -> str:
    """The rule's path with real-looking values (id 1, a real slug), or `override`'s."""
    override = override or {}

    def value(match):
        converter, args, name = match.groups()
        if name in override:
            return quote(str(override[name]), safe="")
        if converter == "int":
            return "1"
        if converter == "any":
            return args.split(",")[0].strip().strip("'\"")
        if name == "target_type" or name == "target":
            return "case"
        if name == "slug":
            section = rule.rule.strip("/").split("/")[0]
            section = rule.rule.split("/")[2] if section == "feeds" else section
            return (slugs or {}).get(section, "x")
        return "1"

    return ARG.sub(value, rule.rule)


def _methods(rule) -> list[str]:
    return sorted(m for m in rule.methods if m in {"GET", "POST"})


def _request(client, method: str, path: str, payload: str, names: list[str], failures: list,
             plausible: bool = False):
    values = {n: (CHOICES.get(n, payload) if plausible else payload) for n in names}
    kwargs = {} if not values else {"query_string": values} if method == "GET" else {
        "data": values}
    try:
        response = client.open(path, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001 - the test client re-raises what became a 500
        failures.append(f"{method} {path} {payload!r}: {type(error).__name__}: {error}"[:300])
        _db.session.rollback()
        return
    response.close()  # a file sent by send_file (an export, an attachment) is closed with it
    if response.status_code >= 500:
        failures.append(f"{method} {path} {payload!r}: {response.status_code}")


def _report(failures: list) -> str:
    return f"{len(failures)} requests failed:\n" + "\n".join(failures[:40])


def test_out_of_range_integers_in_every_path_are_not_found(world):
    """Every <int:...> of every route, each out-of-range value, each role: 404, never 5xx."""
    failures, found = [], 0
    for index, rule in enumerate(world["rules"]):
        ints = [name for converter, _a, name in ARG.findall(rule.rule) if converter == "int"]
        for n, name in enumerate(ints):
            for k, number in enumerate(OUT_OF_RANGE):
                role = ROLES[(index + n + k) % len(ROLES)]
                path = _path(rule, {name: number}, world["slugs"])
                for method in _methods(rule):
                    response = world["clients"][role].open(path, method=method)
                    response.close()
                    found += 1
                    if response.status_code != 404:
                        failures.append(f"{role} {method} {path}: {response.status_code}")
    assert found > 100
    assert not failures, _report(failures)


def hostile_text():
    return st.one_of(
        st.text(alphabet=st.sampled_from(HOSTILE_CHARS + "ab1-/%<>'\"é"), min_size=1,
                 max_size=12),
        st.text(min_size=1, max_size=8),
        st.sampled_from(["2147483648", "99999999999999999999", "-1", "1e400", "NaN"]),
    )


# No shrinking: one example is a whole sweep; the failures list says what failed.
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=hostile_text(), role=st.sampled_from(ROLES))
@example(payload="\x00", role="member")
@example(payload="\t", role="anonymous")
@example(payload="\xa0", role="member")
@example(payload="\u3000", role="moderator")
@example(payload="x\x01y", role="member")
@example(payload="a\x0bb\u2028c", role="moderator")
@example(payload="99999999999999999999", role="anonymous")
def test_no_5xx_for_hostile_strings_in_every_parameter_and_field(world, payload, role):
    """Every route (real ids), with `payload` in every query parameter (GET) or every form
    field (POST: everywhere, or on every other route with plausible choices, so that text
    fields get past the choices and are stored)."""
    # Hypothesis seeds the global `random` the same way for every example, and whoosh names
    # its segments with it: the second example's segments would collide with the first's.
    random.seed(os.urandom(16))
    client = world["clients"][role]
    failures: list[str] = []
    for index, rule in enumerate(world["rules"]):
        path = _path(rule, slugs=world["slugs"])
        for method in _methods(rule):
            if method == "POST" and role != "anonymous" and rule.endpoint in KEEP_SESSION:
                continue
            if method == "GET":
                _request(client, "GET", path, payload, world["query"], failures)
            else:
                _request(client, "POST", path, payload, world["fields"], failures,
                         plausible=(index + len(payload)) % 2 == 0)
        # The payload as a path segment, where a route has a string parameter.
        strings = [name for converter, _a, name in ARG.findall(rule.rule)
                   if converter in ("", "string")]
        if strings and "GET" in rule.methods:
            _request(client, "GET", _path(rule, {strings[0]: payload}, world["slugs"]),
                     payload, [], failures)
    # What the sweep stored (cases, comments, ... with hostile text) must not break the pages
    # that list it either: the feeds, search and lists, for everyone.
    for path in ("/feeds/casussen.atom", "/casussen", "/oplossingen", "/zoeken?q=a",
                 "/feeds/zoeken.atom?q=a", "/moderatie/logboek", "/moderatie/logboek.csv"):
        _request(client, "GET", path, payload, [], failures)
    assert not failures, _report(failures)
