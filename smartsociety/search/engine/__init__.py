"""The search engine: Whoosh (whoosh-reloaded 2.7.5) and the code built on its internals.

Only smartsociety.search imports from here; see README.md in this folder."""
import sys

from smartsociety.search.engine import analysis, dutch, index

# An index's schema is pickled: its field and filter classes are named by module path. Indexes
# written before the engine moved here name smartsociety.search.analysis (fields, filters),
# smartsociety.search.dutch (`term`) and, older still, smartsociety.search.index
# (CachedStemFilter). Those names stay resolvable, so old indexes open until rebuilt.
LEGACY_MODULES = {
    "smartsociety.search.analysis": analysis,
    "smartsociety.search.dutch": dutch,
    "smartsociety.search.index": index,
}
for _name, _module in LEGACY_MODULES.items():
    sys.modules.setdefault(_name, _module)
