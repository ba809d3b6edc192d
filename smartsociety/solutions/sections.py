"""Facts other features add to a solution's facts list (`<dt>`/`<dd>` pairs; `solution_facts`
in templates/solutions/detail.html); context gets (solution, user)."""
from smartsociety.sections import Sections

SOLUTION_FACTS = Sections("solution_facts")
