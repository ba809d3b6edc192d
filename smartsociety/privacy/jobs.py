"""Personal-data exports prepared in the background (accounts too large for the request)."""
from smartsociety.jobs.registry import job
from smartsociety.privacy import export


@job("privacy.exports", every=300)
def prepare_exports(ctx):
    """Prepare requested exports, mail their links, delete expired ones."""
    done = export.prepare_pending()
    return f"{done} export(s) prepared" if done else None
