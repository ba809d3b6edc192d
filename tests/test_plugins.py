"""Features plug themselves into the registries of search, moderation and the pages; the
registries know nothing of the features."""
import grimp

from smartsociety.app import create_app
from smartsociety.cases.sections import CASE_PAGE
from smartsociety.main.sections import HOME_PAGE
from smartsociety.models import EventKind
from smartsociety.moderation import registry as moderation
from smartsociety.notify import registry as notify
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.principles.sections import VERSION_PAGE
from smartsociety.search.registry import REGISTRY
from smartsociety.solutions.sections import SOLUTION_FACTS
from tests.factories import UserFactory

REGISTRIES = (
    "smartsociety.search.registry",
    "smartsociety.moderation.registry",
    "smartsociety.sections",
    "smartsociety.cases.sections",
    "smartsociety.organisations.sections",
    "smartsociety.principles.sections",
    "smartsociety.solutions.sections",
    "smartsociety.main.sections",
    "smartsociety.notify.registry",
    "smartsociety.jobs.registry",
)


def _names(sections) -> list[str]:
    return [section.name for section in sections.ordered()]


def test_every_feature_registers_its_plug_ins(app):
    assert set(REGISTRY.types) == {"case", "comment", "principle", "solution", "organisation",
                                   "event", "sensor"}
    assert getattr(REGISTRY.types["case"].load, "with_sharing", False)  # partners extends it
    assert list(moderation.TYPES) == ["solution", "case", "comment", "amendment", "profile"]
    assert _names(CASE_PAGE) == ["principles", "offers", "sessions", "sensors", "requirements",
                                 "partners"]
    assert _names(ORGANISATION_PAGE) == ["members", "solutions", "sensors", "shared-cases",
                                         "landscape"]
    assert _names(HOME_PAGE) == ["events", "cases"]
    assert _names(VERSION_PAGE) == ["sensors"]
    assert _names(SOLUTION_FACTS) == ["terms"]
    # Every kind of notification is registered, with its label, by the feature that emits it.
    assert notify.registered() == list(EventKind)
    assert notify.event_label(EventKind.SENSOR_STILL_THERE) == "Hangt uw sensor er nog?"


def test_the_settings_page_lists_the_registered_kinds(db, login):
    page = login(UserFactory()).get("/meldingen/instellingen").get_data(as_text=True)
    for kind in notify.registered():
        assert f'name="mail_{kind.value}"' in page
        assert notify.event_label(kind) in page


def test_another_app_registers_nothing_twice(app):
    before = {model: len(entries) for model, entries in REGISTRY.sources.items()}
    types, sections = dict(REGISTRY.types), _names(CASE_PAGE)
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert {model: len(entries) for model, entries in REGISTRY.sources.items()} == before
    assert list(REGISTRY.types) == list(types) and _names(CASE_PAGE) == sections
    assert getattr(REGISTRY.types["case"].load, "with_sharing", False)


def test_registries_import_no_feature():
    graph = grimp.build_graph("smartsociety", cache_dir=None)
    features = {module.rpartition(".")[0] for module in graph.modules
                if module.endswith(".views") and module.count(".") == 2}
    for registry in REGISTRIES:
        own = registry.rpartition(".")[0]
        imported = graph.find_upstream_modules(registry)
        wrong = sorted(m for m in imported
                       if any(m == f or m.startswith(f + ".") for f in features - {own}))
        assert not wrong, f"{registry} imports features: {wrong}"
