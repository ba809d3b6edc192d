"""Events: reminders the day before an event starts."""
from smartsociety.events import outcomes
from smartsociety.jobs.registry import job


@job("events.reminders", cron="15 * * * *")
def reminders(ctx):
    """Remind registered members (once) of events that start within a day."""
    sent = outcomes.send_reminders()
    return f"{sent} reminder(s) queued" if sent else None
