"""Everything the site keeps about one member, as one JSON document (AVG art. 15 and 20).

Small accounts get it at once; larger ones are prepared by `flask privacy prepare-exports`
(cron or the worker loop) and mailed as a link through the mail outbox; the file expires."""
import json
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from smartsociety.extensions import db
from smartsociety.models import (
    Amendment,
    AmendmentSupport,
    ApiToken,
    Attachment,
    Case,
    CaseEditor,
    CaseRevision,
    Comment,
    CommentReaction,
    CommentRevision,
    ContactMessage,
    DataExport,
    Delivery,
    EventKind,
    Follow,
    MailOutbox,
    Notification,
    NotificationPreference,
    NotifySettings,
    Offer,
    PolicyAcceptance,
    Report,
    RuleComment,
    RuleVote,
    Sanction,
    Solution,
    SolutionRevision,
    SolutionUse,
    User,
    utcnow,
)
from smartsociety.progress import QUIET
from smartsociety.signins import services as signins
from smartsociety.transaction import after_commit, committed

# What each section holds: (model, column naming the member, columns left out).
SECTIONS = {
    "cases": (Case, "author_id", ()),
    "case_revisions": (CaseRevision, "editor_id", ()),
    "case_edit_rights": (CaseEditor, "user_id", ()),
    "attachments": (Attachment, "uploader_id", ("stored_name",)),
    "comments": (Comment, "author_id", ()),
    "comment_revisions": (CommentRevision, "editor_id", ()),
    "helpful_marks": (CommentReaction, "user_id", ()),
    "votes": (RuleVote, "user_id", ()),
    "amendments": (Amendment, "author_id", ()),
    "amendment_supports": (AmendmentSupport, "user_id", ()),
    "rule_comments": (RuleComment, "author_id", ()),
    "solutions": (Solution, "author_id", ()),
    "solution_revisions": (SolutionRevision, "editor_id", ()),
    "offers": (Offer, "author_id", ()),
    "reviews": (SolutionUse, "author_id", ()),
    "messages_sent": (ContactMessage, "sender_id", ()),
    "follows": (Follow, "user_id", ()),
    "notification_settings": (NotificationPreference, "user_id", ()),
    "thread_settings": (NotifySettings, "user_id", ()),
    "notifications": (Notification, "user_id", ()),
    "mails": (MailOutbox, "user_id", ("claim_token", "claimed_at")),
    "consents": (PolicyAcceptance, "user_id", ()),
    "access_tokens": (ApiToken, "user_id", ("token_hash",)),
    "reports_made": (Report, "reporter_id", ()),
    "sanctions": (Sanction, "user_id", ()),
}
PROFILE = ("id", "name", "email", "role", "job_title", "bio", "locale", "created_at",
           "email_verified_at", "last_login_at", "profile_hidden_at", "profile_hidden_reason")


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _row(obj, leave_out=()) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in sa.inspect(type(obj)).column_attrs
            if c.key not in leave_out}


def contribution_count(user: User) -> int:
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)
                          .where(getattr(model, column) == user.id)) or 0
        for model, column, _leave in SECTIONS.values()
    )


def build(user: User) -> dict:
    """The member's data; only rows that name this member (never others' private data)."""
    data = {
        "format": "smartsociety-personal-data/1",
        "generated_at": utcnow().isoformat(),
        "profile": {key: _plain(getattr(user, key)) for key in PROFILE},
        "organisation": (
            {"id": user.organisation.id, "name": user.organisation.name,
             "kind": user.organisation.kind.value,
             "organisation_verified": user.organisation.is_verified}
            if user.organisation else None),
        "sign_in_history": {
            "last_login_at": _plain(user.last_login_at),
            "note": f"Every sign-in attempt of the last {signins.retention_days()} days; older "
                    "ones are deleted. Browser and system families and the network only.",
            "sign_ins": [_row(row, ("user_id",)) for row in signins.history(user)],
        },
    }
    for name, (model, column, leave_out) in SECTIONS.items():
        select = sa.select(model).where(getattr(model, column) == user.id)
        if model is Notification:
            # As on the notifications page: nothing about others' hidden or removed content.
            select = select.where(Notification.visible_clause())
        rows = db.session.scalars(select)
        data[name] = [_row(row, leave_out) for row in rows]
    return data


def _directory() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(export: DataExport) -> Path:
    return _directory() / export.stored_name


def prepare(export: DataExport) -> DataExport:
    content = json.dumps(build(export.user), ensure_ascii=False, indent=1).encode()
    export.stored_name = f"{secrets.token_hex(16)}.json"
    path_of(export).write_bytes(content)
    export.size = len(content)
    export.ready_at = utcnow()
    export.expires_at = utcnow() + timedelta(days=current_app.config["EXPORT_DAYS"])
    return export


def request_export(user: User) -> DataExport:
    """Prepared now for small accounts; otherwise left for the background pass."""
    export = DataExport(user=user)
    db.session.add(export)
    if contribution_count(user) <= current_app.config["EXPORT_INLINE_LIMIT"]:
        prepare(export)
    db.session.flush()
    return export


def latest(user: User) -> DataExport | None:
    return db.session.scalar(sa.select(DataExport).where(DataExport.user_id == user.id)
                             .order_by(DataExport.id.desc()).limit(1))


def _mail_ready(export: DataExport) -> None:
    """Through the mail outbox (retries, one sender) as an account notification."""
    user = export.user
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = _("Your data is ready to download until %(date)s: %(url)s",
                  date=export.expires_at.date().isoformat(),
                  url=url_for("privacy.my_data", _external=True))
    outbox = MailOutbox(user_id=user.id, delivery=Delivery.IMMEDIATE)
    db.session.add(outbox)
    db.session.flush()
    db.session.add(Notification(user_id=user.id, kind=EventKind.ACCOUNT, group_key="account",
                                title=title[:300], outbox_id=outbox.id))


def prepare_pending(progress=QUIET) -> int:
    """The background pass: prepare requested exports, mail the link, delete expired files."""
    from smartsociety.notify.outbox import url_context

    done = 0
    with url_context():
        pending = db.session.scalars(
            sa.select(DataExport).where(DataExport.ready_at.is_(None))).all()
        progress.start(len(pending))
        for export in progress.iterate(pending):
            with committed():  # one export per transaction: a later failure keeps this one
                prepare(export)
                _mail_ready(export)
            done += 1
    with committed():
        for export in db.session.scalars(
                sa.select(DataExport).where(DataExport.expires_at < utcnow())).all():
            if export.stored_name:
                path = path_of(export)
                after_commit(lambda path=path: path.unlink(missing_ok=True))
            db.session.delete(export)
    return done
