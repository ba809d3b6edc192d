"""After the event: report, slides and outcomes (posted into the linked cases' threads), and
the reminders the day before."""
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from smartsociety.cases import services as cases
from smartsociety.events.services import path
from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Event,
    EventFile,
    EventKind,
    EventSession,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from smartsociety.notify.services import emit
from smartsociety.refusals import require

REMIND_AHEAD = timedelta(hours=24)


def save_report(event: Event, text: str) -> None:
    require(event.is_published and not event.is_cancelled,
            _l("Only a published event that was not cancelled has a report."))
    event.report, event.report_html = text, render_markdown(text)


def add_file(event: Event, uploader: User, upload) -> EventFile:
    """Slides and the like; refused (AttachmentRefused) unless the content is an allowed type."""
    stored = EventFile(uploader_id=uploader.id, **cases.store_upload(upload))
    event.files.append(stored)
    db.session.flush()
    return stored


def file_path(stored: EventFile) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored.stored_name


def remove_file(stored: EventFile) -> None:
    location = file_path(stored)
    db.session.delete(stored)
    db.session.flush()
    location.unlink(missing_ok=True)


def record_outcome(session: EventSession, author: User, text: str) -> int:
    """Save a session's outcome and post it, once, into each linked case's thread as a comment
    by `author`, so that the discussion goes on from it. Returns the comments posted."""
    event = session.event
    require(event.is_published and not event.is_cancelled,
            _l("Only a published event that was not cancelled has outcomes."))
    require(session.starts_at <= utcnow(), _l("A session's outcome can be added once it has "
                                               "started."))
    session.outcome, session.outcome_html = text, render_markdown(text)
    posted = 0
    if session.outcome_posted_at is None and text.strip():
        intro = str(_l("Outcome of the session \"%(session)s\" at %(event)s:",
                       session=session.title, event=event.title))
        for case in session.cases:
            if case.is_public and not case.is_locked:
                cases.add_comment(case, author, f"{intro}\n\n{text}")
                posted += 1
        session.outcome_posted_at = utcnow()
    db.session.flush()
    return posted


def send_reminders(now=None) -> int:
    """Remind each registered member once, the day before the event starts."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(Registration).join(Registration.event).where(
        Event.public_clause(), Event.cancelled_at.is_(None),
        Event.starts_at > now, Event.starts_at <= now + REMIND_AHEAD,
        Registration.session_key == 0, Registration.status == RegistrationStatus.REGISTERED,
        Registration.reminded_at.is_(None),
    )).all()
    sent = 0
    for registration in due:
        event = registration.event
        # Claim the row first: two runs at once remind a member once.
        claimed = db.session.execute(
            sa.update(Registration).where(Registration.id == registration.id,
                                          Registration.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            sent += 1
            emit(EventKind.EVENT_REMINDER, None, recipients=[registration.user_id],
                 path=path(event), title=event.title)
    db.session.flush()
    return sent
