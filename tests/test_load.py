"""A short load-and-kill run of the production set-up (bench/load.py): nothing acknowledged is lost."""
import pytest

from bench import load

pytestmark = pytest.mark.load


def test_short_load_with_killed_workers_loses_nothing():
    result = load.run(seconds=8, users=4, workers=2, kill_every=3)
    stats = result["stats"]
    assert result["kills"]["gunicorn worker"] >= 2 and result["kills"]["search worker"] == 1
    assert stats.acked["member"], "no member could register under load"
    assert sum(result["lost"].values()) == 0, result["lost"]
    assert not [o for o in stats.outcomes if o.startswith("HTTP 5")], (
        stats.outcomes, result["server_errors"])
    assert result["converged"] is not None, "the index did not catch up with the database"
