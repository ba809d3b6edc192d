"""Mailing notifications: digests, and the outbox every message goes through (claimed by one
sender, retried with a lease, sent in its own transaction)."""
import secrets
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from smartsociety.extensions import db
from smartsociety.mail import send_mail, site_url
from smartsociety.models import (
    DEFAULT_DELIVERY,
    Delivery,
    EventKind,
    MailOutbox,
    Notification,
    NotificationPreference,
    User,
    utcnow,
)
from smartsociety.notify.services import grouped, link, unsubscribe_token
from smartsociety.permissions import can_view_case

# A claimed outbox row whose sender died is retried after this long.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def queue_digests(period: Delivery) -> int:
    """Put each member's unmailed notifications of kinds they want as a `period` digest in one
    outbox message. A notification joins at most one message (claimed with a conditional
    update), so running this twice sends nothing twice. Returns the number of messages."""
    delivery = sa.func.coalesce(NotificationPreference.delivery, DEFAULT_DELIVERY.value)
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.id)
        .outerjoin(
            NotificationPreference,
            sa.and_(
                NotificationPreference.user_id == Notification.user_id,
                NotificationPreference.kind == Notification.kind,
            ),
        )
        .where(
            Notification.outbox_id.is_(None),
            Notification.read_at.is_(None),
            Notification.visible_clause(),
            delivery == period.value,
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, notification_id in rows:
        by_user[user_id].append(notification_id)
    queued = 0
    for user_id, ids in by_user.items():
        outbox = MailOutbox(user_id=user_id, delivery=period)
        db.session.add(outbox)
        db.session.flush()
        claimed = db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(ids), Notification.outbox_id.is_(None))
            .values(outbox_id=outbox.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            queued += 1
        else:
            db.session.delete(outbox)  # another run took them all: no empty message
    db.session.flush()
    return queued


def _claim(outbox_id: int) -> str | None:
    token = secrets.token_hex(16)
    now = utcnow()
    claimed = db.session.execute(
        sa.update(MailOutbox)
        .where(
            MailOutbox.id == outbox_id,
            MailOutbox.sent_at.is_(None),
            sa.or_(MailOutbox.claimed_at.is_(None), MailOutbox.claimed_at < now - CLAIM_LEASE),
        )
        .values(claimed_at=now, claim_token=token, attempts=MailOutbox.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Its own transaction: other senders see the claim before this one talks to the server.
    db.session.commit()
    return token if claimed == 1 else None


def _deliverable(user: User, outbox: MailOutbox) -> list[Notification]:
    """The message's notifications still visible to the member now (checked at delivery)."""
    notifications = db.session.scalars(
        Notification.for_user(user.id).where(Notification.outbox_id == outbox.id)
    ).all()
    return [
        n for n in notifications
        if n.kind is EventKind.MODERATION or n.case is None or can_view_case(user, n.case)
    ]


def _compose(user: User, outbox: MailOutbox, notifications: list[Notification]):
    kinds = {n.kind for n in notifications}
    kind = next(iter(kinds)) if outbox.delivery is Delivery.IMMEDIATE and len(kinds) == 1 else None
    unsubscribe_url = site_url(url_for("notify.unsubscribe", token=unsubscribe_token(user, kind)))
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if outbox.delivery is Delivery.IMMEDIATE:
            subject = _("Smart Society: %(title)s", title=notifications[0].title)
        else:
            subject = _("Smart Society: your digest (%(count)d)", count=len(notifications))
        context = dict(
            user=user, groups=grouped(notifications), unsubscribe_url=unsubscribe_url,
            kind=kind, link=lambda n: link(n, external=True),
            settings_url=site_url(url_for("notify.settings")),
        )
        text = render_template("notify/mail.txt", **context)
        html = render_template("notify/mail.html", **context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return subject, text, html, headers


def _send_one(outbox_id: int) -> bool:
    token = _claim(outbox_id)
    if token is None:
        return False
    outbox = db.session.get(MailOutbox, outbox_id)
    user = outbox.user
    # Account mail (smartsociety/accounts/mailer.py) carries its own message.
    own_message = outbox.subject is not None
    notifications = [] if own_message else _deliverable(user, outbox)
    try:
        if own_message:
            send_mail(outbox.recipient or user.email, outbox.subject, outbox.body_text or "",
                      outbox.body_html)
        elif notifications:
            send_mail(user.email, *_compose(user, outbox, notifications))
    except Exception as error:  # noqa: BLE001 - any delivery failure is retried later
        db.session.rollback()
        outbox = db.session.get(MailOutbox, outbox_id)
        outbox.claimed_at = outbox.claim_token = None
        outbox.last_error = str(error)[:500]
        outbox.next_attempt_at = utcnow() + timedelta(minutes=2 ** min(outbox.attempts, 10))
        db.session.commit()  # the failure is recorded whatever happens to the next message
        current_app.logger.warning("mail %s failed: %s", outbox_id, error)
        return False
    db.session.execute(
        sa.update(MailOutbox)
        .where(MailOutbox.id == outbox_id, MailOutbox.claim_token == token)
        .values(sent_at=utcnow(), **({"body_text": "", "body_html": None} if own_message else {}))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # sent: recorded at once, so no other sender sends it again
    return own_message or bool(notifications)


def send_outbox_message(outbox_id: int) -> bool:
    """Try to send one outbox message now (claimed like the sender does); False if it failed
    (it stays queued for the sender's retries) or someone else has it."""
    with url_context():
        return _send_one(outbox_id)


def drain_outbox(limit: int = 100) -> int:
    """Send due outbox messages; returns how many went out. Safe to run in parallel."""
    now = utcnow()
    ids = db.session.scalars(
        sa.select(MailOutbox.id)
        .where(
            MailOutbox.sent_at.is_(None),
            MailOutbox.next_attempt_at <= now,
            MailOutbox.attempts < MAX_ATTEMPTS,
            sa.or_(MailOutbox.claimed_at.is_(None), MailOutbox.claimed_at < now - CLAIM_LEASE),
        )
        .order_by(MailOutbox.id)
        .limit(limit)
    ).all()
    db.session.commit()  # ends the read: each message below is claimed in its own transaction
    with url_context():
        return sum(1 for outbox_id in ids if _send_one(outbox_id))


def url_context():
    """Absolute links in mail need a base URL; outside a request it comes from SITE_URL."""
    from contextlib import nullcontext

    from flask import has_request_context

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])
