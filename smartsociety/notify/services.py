"""Following, emitting notifications to the right members, reading them, preferences and
unsubscribing. Mailing them (digests, the outbox) is in outbox.py."""
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from smartsociety.extensions import db
from smartsociety.mail import site_url
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
    # The row first: a member comments mostly where they already follow (or unfollowed), and
    # then the thread setting need not be read.
    if _follow_row(user, target, key) is not None:
        return
    if joined:
        settings = db.session.get(NotifySettings, user.id)
        if settings is not None and not settings.follow_joined_threads:
            return
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
    return set(db.session.scalars(_FOLLOWERS, {"pairs": pairs}))


# One statement whatever the number of pairs (an OR of them was a new tree to walk for its
# cache key on every post): row values, which SQLite and PostgreSQL both take.
_FOLLOWERS = sa.select(Follow.user_id).where(
    Follow.active,
    sa.tuple_(Follow.target, Follow.key).in_(sa.bindparam("pairs", expanding=True)))


def _users(ids: set[int], given: list) -> list[User]:
    """The members with these ids, in id order: those given as members already loaded in this
    session are used as they are (a mention's members were just looked up, a case's author
    loaded with it), the others in one query."""
    known = {}
    for user in given:
        state = sa.inspect(user, raiseerr=False)  # None for an id or current_user's proxy
        if state is not None and state.persistent and state.mapper.class_ is User \
                and state.session is db.session() and user.id in ids:
            known[user.id] = user
    missing = ids - known.keys()
    if missing:
        known.update((user.id, user) for user in
                     db.session.scalars(sa.select(User).where(User.id.in_(missing))))
    return [known[i] for i in sorted(known)]


def _existing_with_deliveries(ids: set[int], kind: EventKind) -> dict[int, Delivery]:
    """`deliveries` of those of `ids` that are members, in one query with their check."""
    default = DEFAULT_DELIVERIES.get(kind, DEFAULT_DELIVERY)
    rows = db.session.execute(
        sa.select(User.id, NotificationPreference.delivery)
        .outerjoin(NotificationPreference, sa.and_(NotificationPreference.user_id == User.id,
                                                   NotificationPreference.kind == kind))
        .where(User.id.in_(ids))
    )
    return {user_id: delivery or default for user_id, delivery in rows}


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
    recipients = [r for r in recipients if r is not None]
    ids = {r if isinstance(r, int) else r.id for r in recipients}
    ids |= _followers(followed)
    ids -= set(exclude)
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return set()
    if case is not None and kind is not EventKind.MODERATION and not case.is_public:
        # Only a comment's hidden case gets here: who may see it depends on the member.
        users = [user for user in _users(ids, recipients) if can_view_case(user, case)]
        wanted = deliveries([user.id for user in users], kind)
    else:
        # Anyone may see it: the members that exist and their mail choice, in one query.
        wanted = _existing_with_deliveries(ids, kind)
    if principle is not None:
        group, item_title = f"principle:{principle.id}", principle.title
    elif case is not None:
        group, item_title = f"case:{case.id}", case.title
    elif path is not None:
        # Items without a column of their own (an event, a sensor): the page they are on.
        group, item_title = path[:60], title or ""
    else:
        group, item_title = f"member:{actor.id if actor else 0}", actor.name if actor else ""
    notified = sorted(wanted)
    # The immediate mails' outbox rows in one flush (their ids go on the notifications).
    outboxes = {user_id: MailOutbox(user_id=user_id, delivery=Delivery.IMMEDIATE)
                for user_id in notified if wanted[user_id] is Delivery.IMMEDIATE}
    if outboxes:
        db.session.add_all(outboxes.values())
        db.session.flush()
    for user_id in notified:
        notification = Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.id if actor else None,
            case_id=case.id if case else None,
            comment_id=comment.id if comment else None,
            principle_id=principle.id if principle else None,
            group_key=group,
            title=(title or item_title)[:300],
            path=path,
        )
        if user_id in outboxes:
            notification.outbox_id = outboxes[user_id].id
        db.session.add(notification)
    db.session.flush()
    return set(notified)


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
