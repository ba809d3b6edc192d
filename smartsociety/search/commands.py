"""`flask search ...`: the index worker (the search jobs), rebuild, check and status."""
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from smartsociety import progress
from smartsociety.jobs.commands import run_worker
from smartsociety.search import service
from smartsociety.search.engine.analysis import analysis_key
from smartsociety.search.engine.schema import PARTS
from smartsociety.search.engine.versions import IndexState

search_cli = AppGroup("search", help="Full-text search index.")


@search_cli.command("worker")
@click.option("--once", is_flag=True, help="Apply what is pending and stop.")
@click.option("--interval", type=float, default=None, help="Seconds between polls.")
def worker(once: bool, interval: float | None) -> None:
    """The one process that writes the index (SEARCH_MODE=worker): the jobs worker running only
    the search jobs, search.index and search.prune (`flask jobs run` runs them with the rest)."""
    if interval:
        current_app.config["SEARCH_WORKER_INTERVAL"] = interval
    store = service.store()
    click.echo(f"search worker: index {store.root}, polling every "
               f"{current_app.config['SEARCH_WORKER_INTERVAL']}s")
    _warn_if_outdated(store)
    if once:
        click.echo(f"applied {service.indexer().apply_pending()} changes")
        return
    run_worker(["search.index", "search.prune"])


@search_cli.command("apply")
def apply() -> None:
    """Apply pending changes once."""
    click.echo(f"applied {service.indexer().apply_pending()} changes")


@search_cli.command("rebuild")
def rebuild() -> None:
    """Build a fresh index from the database and swap it in while searches go on."""
    started = time.monotonic()
    with progress.terminal("indexing") as bar:
        count = service.indexer().rebuild(catch_up=service.is_inline(), progress=bar)
    elapsed = time.monotonic() - started
    click.echo(f"indexed {count} documents in {elapsed:.1f}s ({count / max(elapsed, 1e-9):.0f}/s)")


@search_cli.command("check")
def check() -> None:
    """List records that differ between the database and the index; exit 1 when any do."""
    indexer = service.indexer()
    pending = indexer.pending() if indexer.store.exists() else 0
    problems = indexer.check()
    for line in problems:
        click.echo(line)
    if pending:
        click.echo(f"({pending} logged changes not yet applied)")
    if problems:
        click.echo(f"{len(problems)} differences", err=True)
        sys.exit(1)
    click.echo("index matches the database")


@search_cli.command("status")
def status() -> None:
    """Where the index is and how far it applied the log."""
    store = service.store()
    version = store.current_version()
    if version is None:
        click.echo("no index yet")
        return
    state = IndexState.read(version)
    click.echo(f"version {version}\nhigh water {state.high_water}, gaps {len(state.gaps)}, "
               f"pending {service.indexer().pending()}")
    ix = store.open(version)
    try:
        outdated = outdated_analysis(ix.schema)
    finally:
        ix.close()
    if outdated:
        click.echo(f"analysis: {outdated}; run `flask search rebuild` to update it")


def _warn_if_outdated(store) -> None:
    version = store.current_version()
    if version is None:
        return
    ix = store.open(version)
    try:
        outdated = outdated_analysis(ix.schema)
    finally:
        ix.close()
    if outdated:
        click.echo(f"search worker: index built by older code ({outdated}); it works as "
                   "before until `flask search rebuild`", err=True)


def outdated_analysis(schema) -> str | None:
    """What an index built by older code lacks (None: built with the current analysis)."""
    if "title_nl" in schema and analysis_key(schema["title_nl"]) != "nl":
        return "Dutch is stemmed (Snowball), not lemmatised, and compounds are not split"
    if "title_nl" + PARTS not in schema:
        return "compounds are not split"
    return None
