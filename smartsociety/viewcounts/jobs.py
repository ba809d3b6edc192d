"""Page views: add the counted views to the database (each batch exactly once)."""
from smartsociety.jobs.registry import job
from smartsociety.viewcounts import services


@job("views.flush", every="VIEWS_FLUSH_SECONDS")
def flush(ctx):
    """Add the page views recorded since the last flush to the counters."""
    added = services.flush()
    return f"added {added} views" if added else None
