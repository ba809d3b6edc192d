"""Search page and status labels: each facet its own title, statuses named as statuses."""
import re
from pathlib import Path

from smartsociety import labels
from smartsociety.labels import label
from smartsociety.models import EventKind, VersionStatus
from tests.factories import CaseFactory, PrincipleFactory


def test_no_two_labelled_enum_values_collide():
    """str enums with equal values are equal dict keys: the later label silently replaced the
    earlier (an adopted principle was badged 'A principle adopted')."""
    source = Path(labels.__file__).read_text()
    block = source[source.index("LABELS: dict"):source.index("LANGUAGE_LABELS")]
    members = re.findall(r"^    (\w+)\.(\w+): _l", block, re.M)
    values = [getattr(getattr(labels, cls), name).value for cls, name in members]
    assert len(values) == len(set(values)), sorted(v for v in values if values.count(v) > 1)


def test_statuses_and_events_have_their_own_labels(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert label(VersionStatus.ADOPTED) == "Vastgesteld"
        assert label("adopted") == "Vastgesteld"
        assert label(VersionStatus.CONSULTATION) != label(EventKind.CONSULTATION)
        assert label(EventKind.ADOPTED) == "Een vastgesteld principe"


def test_principle_badge_says_adopted(db, client):
    principle = PrincipleFactory()
    page = client.get(f"/principes/{principle.slug}").get_data(as_text=True)
    assert "Een vastgesteld principe" not in page and ">Vastgesteld</span>" in page


def test_each_facet_group_has_its_own_title(db, client):
    CaseFactory(title="Parkeersensoren in de binnenstad")
    page = client.get("/zoeken", query_string={"q": "parkeersensoren"}).get_data(as_text=True)
    titles = re.findall(r"<h3>([^<]*)</h3>", page[page.index("search-facets"):
                                                  page.index("search-results")])
    assert "Soort resultaat" in titles and "Soort casus" in titles
    assert len(titles) == len(set(titles))


def test_no_refine_heading_over_an_empty_sidebar(db, client):
    CaseFactory(title="Iets anders")
    page = client.get("/zoeken", query_string={"q": "zzzonbekendwoord"}).get_data(as_text=True)
    assert "Verfijnen" not in page and "search-facets" not in page
