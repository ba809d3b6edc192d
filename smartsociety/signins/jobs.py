"""Sign-in history: kept SIGN_IN_HISTORY_DAYS, then deleted (data minimisation, AVG)."""
from smartsociety.jobs.registry import job
from smartsociety.signins import services


@job("signins.prune", cron="30 3 * * *")
def prune(ctx):
    """Delete sign-in history older than the retention period."""
    removed = services.prune()
    return f"deleted {removed} sign-ins" if removed else None
