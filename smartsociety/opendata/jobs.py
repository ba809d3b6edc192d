"""Open data: the nightly dumps with their DCAT catalogue."""
from smartsociety.jobs.registry import job
from smartsociety.opendata import services


@job("opendata.export", cron="15 3 * * *")
def export(ctx):
    """Write every public dataset as CSV and JSON, and the catalogue."""
    return f"written to {services.export()}"
