"""Notification mail: the outbox sender and the daily and weekly digests. Delivery keeps its
own claim per message (mail_outbox), so a crash never sends a message twice."""
from smartsociety.jobs.registry import job
from smartsociety.models import Delivery
from smartsociety.notify import outbox


@job("notify.send", every="NOTIFY_SENDER_INTERVAL")
def send(ctx):
    """Send immediate mail from the outbox, retrying failures."""
    sent = outbox.drain_outbox()
    return f"{sent} message(s) sent" if sent else None


def _digests(period: Delivery) -> str:
    queued = outbox.queue_digests(period)
    sent = outbox.drain_outbox(limit=10_000)
    return f"{queued} digest(s) queued, {sent} message(s) sent"


@job("notify.digest-daily", cron="0 7 * * *")
def daily_digests(ctx):
    """Queue and send the daily digests."""
    return _digests(Delivery.DAILY)


@job("notify.digest-weekly", cron="30 7 * * mon")
def weekly_digests(ctx):
    """Queue and send the weekly digests (Mondays)."""
    return _digests(Delivery.WEEKLY)
