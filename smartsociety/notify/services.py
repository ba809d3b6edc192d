"""Following, emitting notifications to the right members, and mailing them (outbox, digests)."""
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from smartsociety.extensions import db
from smartsociety.mail import send_mail, site_url
from smartsociety.models import (
    DEFAULT_DELIVERIES,
    DEFAULT_DELIVERY,
    Case,
    Comment,
    Delivery,
    EventKind,
    Follow,
    FollowTarget,
    MailOutbox,
    Notification,
    NotificationPreference,
    NotifySettings,
    Principle,
    User,
    utcnow,
)
from smartsociety.permissions import can_view_case

UNSUBSCRIBE_SALT = "notify-unsubscribe"
ALL_KINDS = "all"
# A claimed outbox row whose sender died is retried after this long.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


# Following


def _follow_row(user: User, target: FollowTarget, key) -> Follow | None:
    return db.session.scalar(
        sa.select(Follow).where(
            Follow.user_id == user.id, Follow.target == target, Follow.key == str(key)
        )
    )


def follow(user: User, target: FollowTarget, key) -> None:
    row = _follow_row(user, target, key)
    if row is None:
        db.session.add(Follow(user_id=user.id, target=target, key=str(key)))
    else:
        row.active = True
    db.session.flush()


def unfollow(user: User, target: FollowTarget, key) -> None:
    row = _follow_row(user, target, key)
    if row is not None:
        row.active = False
    db.session.flush()


def is_following(user, target: FollowTarget, key) -> bool:
    if not (user and user.is_authenticated):
        return False
    row = _follow_row(user, target, key)
    return bool(row and row.active)


def auto_follow(user: User, target: FollowTarget, key, *, joined: bool = False) -> None:
    """Follow without committing, unless the member unfollowed it before (or, for threads
    joined by commenting, switched that off)."""
    if joined:
        settings = db.session.get(NotifySettings, user.id)
        if settings is not None and not settings.follow_joined_threads:
            return
    if _follow_row(user, target, key) is None:
        db.session.add(Follow(user_id=user.id, target=target, key=str(key)))
        db.session.flush()


def settings_for(user: User) -> NotifySettings:
    return db.session.get(NotifySettings, user.id) or NotifySettings(
        user_id=user.id, follow_joined_threads=True
    )


# Emitting


def _followers(followed: Iterable[tuple[FollowTarget, object]]) -> set[int]:
    pairs = [(target, str(key)) for target, key in followed]
    if not pairs:
        return set()
    clause = sa.or_(*(sa.and_(Follow.target == t, Follow.key == k) for t, k in pairs))
    return set(db.session.scalars(sa.select(Follow.user_id).where(Follow.active, clause)))


def deliveries(user_ids: Iterable[int], kind: EventKind) -> dict[int, Delivery]:
    ids = list(user_ids)
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
            )
        ).all()
    ) if ids else {}
    default = DEFAULT_DELIVERIES.get(kind, DEFAULT_DELIVERY)
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def _subject_visible(kind: EventKind, case, comment) -> bool:
    if kind is EventKind.MODERATION:
        return True
    if case is not None and not case.is_public:
        return False
    return comment is None or comment.is_public


def emit(
    kind: EventKind,
    actor: User | None,
    *,
    case: Case | None = None,
    comment: Comment | None = None,
    principle: Principle | None = None,
    recipients: Iterable[User | int] = (),
    followed: Iterable[tuple[FollowTarget, object]] = (),
    title: str | None = None,
    exclude: Iterable[int] = (),
    path: str | None = None,
) -> set[int]:
    """Notify `recipients` and the active followers of `followed` about one event; the caller
    commits. Never the actor, never members in `exclude`, never about content that is hidden
    or that a recipient may not see. Returns the ids of the members notified.

    Other features call this too, e.g. offers:
    `emit(EventKind.OFFER, offerer, case=case, recipients=[case.author])`, and moderation:
    `emit(EventKind.MODERATION, moderator, case=case, recipients=[case.author], title=...)`."""
    if not _subject_visible(kind, case, comment):
        return set()
    if case is None and comment is not None:
        case = comment.case
    ids = {r if isinstance(r, int) else r.id for r in recipients if r is not None}
    ids |= _followers(followed)
    ids -= set(exclude)
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return set()
    users = list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))
    if case is not None and kind is not EventKind.MODERATION:
        users = [user for user in users if can_view_case(user, case)]
    if principle is not None:
        group, item_title = f"principle:{principle.id}", principle.title
    elif case is not None:
        group, item_title = f"case:{case.id}", case.title
    elif path is not None:
        # Items without a column of their own (an event, a sensor): the page they are on.
        group, item_title = path[:60], title or ""
    else:
        group, item_title = f"member:{actor.id if actor else 0}", actor.name if actor else ""
    wanted = deliveries([u.id for u in users], kind)
    for user in users:
        notification = Notification(
            user_id=user.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            case_id=case.id if case else None,
            comment_id=comment.id if comment else None,
            principle_id=principle.id if principle else None,
            group_key=group,
            title=(title or item_title)[:300],
            path=path,
        )
        if wanted[user.id] is Delivery.IMMEDIATE:
            outbox = MailOutbox(user_id=user.id, delivery=Delivery.IMMEDIATE)
            db.session.add(outbox)
            db.session.flush()
            notification.outbox_id = outbox.id
        db.session.add(notification)
    db.session.flush()
    return {user.id for user in users}


# Reading


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> None:
    """Mark the given notifications (or all of them) read."""
    statement = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    db.session.execute(statement.values(read_at=utcnow()))
    db.session.flush()


def grouped(notifications: list[Notification]) -> list[tuple[str, list[Notification]]]:
    """Notifications by item, items in order of their newest notification."""
    groups: dict[str, list[Notification]] = defaultdict(list)
    for notification in notifications:
        groups[notification.group_key].append(notification)
    return list(groups.items())


def link(notification: Notification, external: bool = False) -> str:
    path = _link_path(notification)
    # In mail: SITE_URL, never the Host header of whichever request caused the mail.
    return site_url(path) if external else path


def _link_path(notification: Notification) -> str:
    if notification.path:
        return notification.path
    if notification.principle_id and notification.principle is not None:
        return url_for("principles.detail", slug=notification.principle.slug)
    if notification.case_id:
        anchor = f"comment-{notification.comment_id}" if notification.comment_id else None
        return url_for("cases.detail", case_id=notification.case_id, _anchor=anchor)
    if notification.actor_id:
        return url_for("accounts.profile", user_id=notification.actor_id)
    return url_for("notify.index")


# Preferences and unsubscribing


def preferences(user: User) -> dict[EventKind, Delivery]:
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_DELIVERIES.get(kind, DEFAULT_DELIVERY))
            for kind in EventKind}


def save_preferences(user: User, wanted: dict[EventKind, Delivery],
                     follow_joined_threads: bool | None = None) -> None:
    for kind, delivery in wanted.items():
        row = db.session.get(NotificationPreference, (user.id, kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
        else:
            row.delivery = delivery
    if follow_joined_threads is not None:
        settings = db.session.get(NotifySettings, user.id)
        if settings is None:
            settings = NotifySettings(user_id=user.id)
            db.session.add(settings)
        settings.follow_joined_threads = follow_joined_threads
    db.session.flush()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kind: EventKind | None) -> str:
    return _serializer().dumps([user.id, kind.value if kind else ALL_KINDS])


def read_unsubscribe_token(token: str) -> tuple[User, EventKind | None] | None:
    """The member and kind a token stands for, or None when forged or stale."""
    try:
        user_id, kind = _serializer().loads(token)
        user = db.session.get(User, int(user_id))
        kind = None if kind == ALL_KINDS else EventKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None
    return (user, kind) if user is not None else None


def unsubscribe(user: User, kind: EventKind | None) -> None:
    kinds = [kind] if kind else list(EventKind)
    save_preferences(user, {k: Delivery.NEVER for k in kinds})


# Mail: digests and the outbox


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
    with _url_context():
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
    with _url_context():
        return sum(1 for outbox_id in ids if _send_one(outbox_id))


def _url_context():
    """Absolute links in mail need a base URL; outside a request it comes from SITE_URL."""
    from contextlib import nullcontext

    from flask import has_request_context

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])
