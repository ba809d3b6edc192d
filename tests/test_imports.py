"""The import graph of smartsociety: no circles, and the search engine behind its fence.

The graph is grimp's (the library import-linter is built on): every import statement,
including those inside functions, so an import moved into a function does not hide a circle.
"""
import grimp
import pytest

PACKAGE = "smartsociety"
SEARCH = "smartsociety.search"
ENGINE = "smartsociety.search.engine"
# What the rest of the app may import from search: the service (searching, similar, the index)
# and the document-type registry; the factory registers the blueprint and the CLI group.
SEARCH_API = {"smartsociety.search", "smartsociety.search.service", "smartsociety.search.registry"}
SEARCH_ENTRY_POINTS = {
    ("smartsociety.app", "smartsociety.search.views"),
    ("smartsociety.app", "smartsociety.search.plugins"),
    ("smartsociety.commands", "smartsociety.search.commands"),
}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE, include_external_packages=True, cache_dir=None)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycles(graph) -> list[list[str]]:
    found, seen = [], set()
    for module in sorted(m for m in graph.modules if _inside(m, PACKAGE)):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not _inside(imported, PACKAGE):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycle = [module, *back]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
    return found


def _line(graph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return f"{importer} -> {imported}" + (f" (line {details[0]['line_number']})" if details
                                          else "")


def test_no_import_circles(graph):
    cycles = _cycles(graph)
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_a_circle_is_found_where_there_is_one(graph):
    """The check itself: an import from a registry back into a feature is a circle."""
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    graph.add_import(importer="smartsociety.moderation.registry",
                     imported="smartsociety.cases.services")
    assert any({"smartsociety.moderation.registry", "smartsociety.cases.services"} <= set(c)
               for c in _cycles(graph))


def test_only_the_search_api_is_imported_from_outside_search(graph):
    wrong = []
    for module in sorted(graph.modules):
        if not _inside(module, PACKAGE) or _inside(module, SEARCH):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if (_inside(imported, SEARCH) and imported not in SEARCH_API
                    and (module, imported) not in SEARCH_ENTRY_POINTS):
                wrong.append(_line(graph, module, imported))
    assert not wrong, "use smartsociety.search.service or .registry:\n" + "\n".join(wrong)


def test_whoosh_is_imported_only_by_the_engine(graph):
    wrong = [_line(graph, importer, "whoosh")
             for importer in sorted(graph.find_modules_that_directly_import("whoosh"))
             if not _inside(importer, ENGINE)]
    assert not wrong, "whoosh outside smartsociety/search/engine/:\n" + "\n".join(wrong)
