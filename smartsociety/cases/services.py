"""Writes that span several models: cases with revisions and attachments, and thread changes."""
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import (
    Attachment,
    Case,
    CaseEditor,
    CaseKind,
    CaseRevision,
    Comment,
    CommentReaction,
    CommentRevision,
    DilemmaStatus,
    Tag,
    Theme,
    User,
    utcnow,
)
from smartsociety.moderation.audit import record, record_if_moderating
from smartsociety.notify import events, mentions
from smartsociety.permissions import is_moderator
from smartsociety.refusals import Refused, require
from smartsociety.text import slugify
from smartsociety.transaction import after_commit

# Detected content type -> the MIME type we serve it with. Anything else is refused.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
CASE_FIELDS = ("title", "summary", "body", "status", "language", "question", "values_at_stake",
               "tried", "legal_frame")
DILEMMA_FIELDS = ("question", "values_at_stake", "tried", "legal_frame")


class AttachmentRefused(Refused):
    """The upload is too large or not of an accepted type (`reason`: "too_large" or "type");
    a form catches it to show the message at its file field and keep what was typed."""

    MESSAGES = {
        "too_large": _l("The attachment is too large."),
        "type": _l("This kind of file is not accepted. Attach a PDF, an image or an office "
                   "document."),
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason], 413 if reason == "too_large" else 422)
        self.reason = reason


@dataclass
class CaseInput:
    kind: CaseKind
    status: str
    title: str
    summary: str
    body: str
    language: str
    themes: list[str]
    tags: list[str]
    question: str = ""
    values_at_stake: str = ""
    tried: str = ""
    legal_frame: str = ""


def parse_tags(text: str) -> list[str]:
    """Comma-separated tag names, spacing tidied, duplicates (after folding) dropped."""
    seen, names = set(), []
    for raw in (text or "").split(","):
        name = " ".join(raw.split())[:60]
        slug = slugify(name, 60) if name else ""
        if name and slug not in seen:
            seen.add(slug)
            names.append(name)
    return names


def _tags_for(names: list[str]) -> list[Tag]:
    slugs = {slugify(name, 60): name for name in names}
    existing = {
        tag.slug: tag for tag in db.session.scalars(sa.select(Tag).where(Tag.slug.in_(slugs)))
    }
    tags = []
    for slug, name in slugs.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _apply(case: Case, data: CaseInput) -> list[User]:
    """Copy the input onto the case; returns the members mentioned in the body."""
    case.kind = data.kind
    for name in CASE_FIELDS:
        setattr(case, name, getattr(data, name))
    if case.kind is not CaseKind.DILEMMA:
        for name in DILEMMA_FIELDS:
            setattr(case, name, "")
    case.body_html, mentioned = mentions.render(case.body)
    wanted = list(dict.fromkeys(Theme(value) for value in data.themes))  # a theme once
    for link in list(case.theme_links):
        if link.theme not in wanted:
            case.theme_links.remove(link)
    present = {link.theme for link in case.theme_links}
    for theme in wanted:
        if theme not in present:
            case.themes.append(theme)
    case.tags = _tags_for(data.tags)
    return mentioned


def create_case(author: User, data: CaseInput, upload=None) -> Case:
    # A case is the organisation's only when the author's membership is confirmed (issue 15):
    # a claim does not raise dilemmas in a gemeente's name.
    confirmed = author.membership is not None and author.membership.is_verified
    case = Case(kind=data.kind, author=author,
                organisation=author.organisation if confirmed else None)
    mentioned = _apply(case, data)
    db.session.add(case)
    db.session.flush()
    if upload is not None:
        add_attachment(case, author, upload)
    case.revisions.append(CaseRevision(editor=author, data=case.snapshot()))
    events.case_created(case, mentioned)
    db.session.flush()
    return case


def edit_case(case: Case, editor: User, data: CaseInput, upload=None) -> Case:
    if is_moderator(editor) and editor.id != case.author_id and editor.id not in case.editor_ids:
        # A moderator editing someone else's case is a moderation action.
        record(editor, "case_edit", case)
    before = list(mentions.find_mentions(case.body).values())
    events.mentions_edited(editor, before, _apply(case, data), case=case)
    if upload is not None:
        add_attachment(case, editor, upload)
    snapshot = case.snapshot()
    if not case.revisions or not _same_content(case.revisions[-1].data, snapshot):
        case.revisions.append(CaseRevision(editor=editor, data=snapshot))
        case.updated_at = case.last_activity_at = utcnow()
    db.session.flush()
    return case


def _same_content(old: dict, new: dict) -> bool:
    """Equal snapshots; tags compared as a set (older revisions kept them in typed order)."""
    def tags(data: dict) -> list[str]:
        names = (data.get("tags") or "").split(",")
        return sorted(n.strip().casefold() for n in names if n.strip())

    return {**old, "tags": tags(old)} == {**new, "tags": tags(new)}


def add_attachment(case: Case, uploader: User, upload) -> Attachment:
    """Store an upload whose type is recognised by its content, not by its name."""
    attachment = Attachment(uploader_id=uploader.id, **store_upload(upload))
    case.attachments.append(attachment)
    return attachment


def store_upload(upload) -> dict:
    """Write an upload under a random name if its content is an allowed type; return the
    fields every attachment-like model keeps (stored_name, filename, content_type, size)."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise AttachmentRefused("too_large")
    import filetype  # on the first upload, not in every web worker from the start

    kind = filetype.guess(content)
    if kind is None or kind.extension not in ALLOWED_TYPES:
        raise AttachmentRefused("type")
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored_name).write_bytes(content)
    filename = Path(upload.filename or "").name.strip()[:150] or "bijlage"
    if not filename.lower().endswith("." + kind.extension):
        filename = f"{filename}.{kind.extension}"
    return {"stored_name": stored_name, "filename": filename,
            "content_type": ALLOWED_TYPES[kind.extension], "size": len(content)}


def attachment_path(attachment: Attachment) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name


def remove_attachment(attachment: Attachment) -> None:
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.flush()
    after_commit(lambda: path.unlink(missing_ok=True))  # the file only once the row is gone


def grant_edit(case: Case, user: User, granted_by: User) -> None:
    if user.id not in case.editor_ids:
        case.editor_links.append(CaseEditor(user_id=user.id, granted_by_id=granted_by.id))
    db.session.flush()


def revoke_edit(case: Case, user_id: int) -> None:
    for link in list(case.editor_links):
        if link.user_id == user_id:
            case.editor_links.remove(link)
    db.session.flush()


# Threads


def recount_comments(case: Case) -> None:
    """Keep the list counters right: comment_count counts comments still shown."""
    db.session.flush()
    case.comment_count = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(
            Comment.case_id == case.id, Comment.public_clause()
        )
    )


def _touch(case: Case) -> None:
    recount_comments(case)
    case.last_activity_at = utcnow()


def ensure_open(case: Case) -> None:
    """A locked discussion takes no new comments, from any route."""
    require(not case.is_locked, _l("This discussion is locked."))


def add_comment(case: Case, author: User, body: str, parent: Comment | None = None) -> Comment:
    ensure_open(case)
    body_html, mentioned = mentions.render(body)
    comment = Comment(
        case=case,
        author=author,
        parent_id=parent.id if parent else None,
        body=body,
        body_html=body_html,
    )
    db.session.add(comment)
    db.session.flush()
    if case.kind is CaseKind.DILEMMA and case.status == DilemmaStatus.OPEN.value:
        case.status = DilemmaStatus.IN_DISCUSSION.value
    _touch(case)
    events.comment_added(comment, mentioned)
    db.session.flush()
    return comment


def edit_comment(comment: Comment, editor: User, body: str) -> Comment:
    if body == comment.body:
        return comment
    comment.revisions.append(
        CommentRevision(
            body=comment.body,
            written_at=comment.edited_at or comment.created_at,
            editor_id=editor.id,
        )
    )
    before = mentions.find_mentions(comment.body).values()
    comment.body = body
    comment.body_html, mentioned = mentions.render(body)
    comment.edited_at = utcnow()
    events.mentions_edited(editor, list(before), mentioned, comment=comment)
    db.session.flush()
    return comment


def delete_comment(comment: Comment, by: User | None = None) -> None:
    """Leave a placeholder: the row stays so replies keep their place."""
    comment.deleted_at = utcnow()
    if by is not None and by.id != comment.author_id:
        record(by, "comment_delete", comment)
    case = comment.case
    if comment.accepted_at is not None:
        _unaccept(case, comment)
    _touch(case)
    db.session.flush()


def toggle_helpful(comment: Comment, user: User) -> bool:
    """Mark or unmark a comment as helpful; returns whether it is marked now."""
    reaction = db.session.get(CommentReaction, (comment.id, user.id, "helpful"))
    if reaction is None:
        db.session.add(CommentReaction(comment_id=comment.id, user_id=user.id, kind="helpful"))
    else:
        db.session.delete(reaction)
    db.session.flush()
    comment.helpful_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(CommentReaction).where(
            CommentReaction.comment_id == comment.id, CommentReaction.kind == "helpful"
        )
    )
    db.session.flush()
    return reaction is None


def _unaccept(case: Case, comment: Comment) -> None:
    comment.accepted_at = None
    if case.status == DilemmaStatus.ANSWERED.value:
        case.status = (
            DilemmaStatus.IN_DISCUSSION.value if case.comment_count else DilemmaStatus.OPEN.value
        )


def accept_answer(case: Case, comment: Comment, actor: User | None = None) -> None:
    """One accepted answer per dilemma: accepting another one replaces it."""
    require(comment.is_public, _l("A removed comment cannot be the answer."))
    for other in db.session.scalars(
        sa.select(Comment).where(Comment.case_id == case.id, Comment.accepted_at.is_not(None))
    ):
        other.accepted_at = None
    comment.accepted_at = utcnow()
    case.status = DilemmaStatus.ANSWERED.value
    case.last_activity_at = utcnow()
    events.answer_accepted(comment, actor)
    record_if_moderating(actor, "answer_accept", case, own=actor is not None
                         and actor.id == case.author_id)
    db.session.flush()


def unaccept_answer(case: Case, actor: User | None = None) -> None:
    for comment in db.session.scalars(
        sa.select(Comment).where(Comment.case_id == case.id, Comment.accepted_at.is_not(None))
    ):
        _unaccept(case, comment)
    record_if_moderating(actor, "answer_withdraw", case, own=actor is not None
                         and actor.id == case.author_id)
    db.session.flush()


def lock_thread(case: Case, moderator: User, reason: str) -> None:
    """Refused when already locked, whichever route asks (the case page or moderation): a
    second lock would overwrite who locked it and why."""
    require(not case.is_locked, _l("This discussion is already locked."))
    case.locked_at = utcnow()
    case.locked_reason = reason
    case.locked_by_id = moderator.id
    record(moderator, "lock", case, reason=reason)
    db.session.flush()


def unlock_thread(case: Case, moderator: User) -> None:
    require(case.is_locked, _l("This discussion is not locked."))
    record(moderator, "unlock", case)
    case.locked_at = None
    case.locked_reason = None
    case.locked_by_id = None
    db.session.flush()
