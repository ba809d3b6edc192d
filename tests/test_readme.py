"""README is what a user and an operator need, and agrees with what `make run` prints."""
import re
from pathlib import Path

from smartsociety.demo import data

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_lists_exactly_the_demo_accounts_make_run_prints():
    rows = set(re.findall(r"^\| `([^`]+@[^`]+)` \| (\w+) \| ([^|]+?) \|$", README, re.M))
    assert rows == {(email, role, org) for email, role, org in data.DEMO_USERS_SUMMARY}
    assert f"`{data.DEMO_PASSWORD}`" in README


def test_make_run_prints_the_accounts_of_the_readme(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for email, role, _org in data.DEMO_USERS_SUMMARY:
        assert re.search(rf"{re.escape(email)}\s+{role}\b", result.output)
    assert data.DEMO_PASSWORD in result.output


def test_readme_is_short_and_links_the_docs():
    assert len(README) < 8_000
    for name in ("search", "operations", "performance", "development"):
        assert f"(docs/{name}.md)" in README
        assert (ROOT / "docs" / f"{name}.md").exists()
    # The design and the figures live in docs/, not in the README.
    assert "Consistency design" not in README and "p50" not in README
    assert "Consistency design" in (ROOT / "docs/search.md").read_text()
    assert "p50" in (ROOT / "docs/performance.md").read_text()


def test_docs_links_resolve():
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+\.md)", path.read_text()):
            assert (path.parent / target).resolve().exists(), (path, target)
