"""Delete my account (AVG art. 17): personal data erased, contributions kept in their threads
as "voormalig lid" (as Discourse and Decidim do), moderation facts kept without the person."""
import secrets

import sqlalchemy as sa
from flask import current_app

from smartsociety.extensions import db
from smartsociety.models import (
    AmendmentSupport,
    ApiToken,
    AuditEntry,
    CaseEditor,
    Comment,
    CommentReaction,
    DataExport,
    Follow,
    LoginSession,
    MailOutbox,
    Notification,
    NotificationPreference,
    NotifySettings,
    PolicyAcceptance,
    RecoveryCode,
    Rule,
    RuleVote,
    SignIn,
    User,
    utcnow,
)
from smartsociety.moderation.audit import record
from smartsociety.privacy import export as exports

FORMER_MEMBER = "voormalig lid"
# Rows that are only about the member: deleted whole.
DELETED = (ApiToken, Follow, Notification, NotificationPreference, NotifySettings, RuleVote,
           AmendmentSupport, CaseEditor, PolicyAcceptance, SignIn, LoginSession, RecoveryCode)


def erase(user: User, by: User | None = None, reason: str = "") -> None:
    """Erase `user` now; `by` is the administrator acting on a request (None: the member)."""
    user_id = user.id
    for export in db.session.scalars(sa.select(DataExport).where(DataExport.user_id == user_id)):
        if export.stored_name:
            exports.path_of(export).unlink(missing_ok=True)
        db.session.delete(export)
    # Helpful marks are votes too: remove them and recount the comments they were on.
    marked = list(db.session.scalars(
        sa.select(CommentReaction.comment_id).where(CommentReaction.user_id == user_id)))
    for model in DELETED + (CommentReaction,):
        for row in db.session.scalars(sa.select(model).where(model.user_id == user_id)):
            db.session.delete(row)
    for row in db.session.scalars(sa.select(MailOutbox).where(MailOutbox.user_id == user_id)):
        db.session.delete(row)
    db.session.flush()
    for comment in db.session.scalars(sa.select(Comment).where(Comment.id.in_(marked))):
        comment.helpful_count = db.session.scalar(
            sa.select(sa.func.count()).select_from(CommentReaction)
            .where(CommentReaction.comment_id == comment.id))
    # Names copied elsewhere: credits on rules and the audit log's labels.
    for rule in db.session.scalars(sa.select(Rule).where(Rule.credited_author_id == user_id)):
        rule.credited_name = FORMER_MEMBER
    for entry in db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.target_type == "user", AuditEntry.target_id == user_id)):
        entry.target_label = FORMER_MEMBER
    user.name = FORMER_MEMBER
    user.email = f"erased-{user_id}-{secrets.token_hex(8)}@invalid.example"
    user.password_hash = "!"  # matches no password
    user.job_title = ""
    user.bio = ""
    user.locale = None
    user.organisation_id = None
    user.email_verified_at = None
    user.last_login_at = None
    user.totp_secret = None  # the second factor goes with the account
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.profile_hidden_at = user.profile_hidden_at or utcnow()
    user.profile_hidden_reason = None
    user.session_token = secrets.token_urlsafe(24)  # every session and remember cookie ends
    user.erased_at = utcnow()
    record(by or user, "account_erase", target_type="user", target_id=user_id,
           label=FORMER_MEMBER, reason=reason if by is not None else "")
    # The request's commit moves the page cache's generation (every page follows at once); the
    # search index holds no member data, and contributions stay indexed as before.
    db.session.flush()
    current_app.logger.info("account %s erased (%s)", user_id, "by admin" if by else "by member")
