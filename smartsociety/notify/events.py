"""The events of other features, turned into notifications: one call from each service."""
from smartsociety.extensions import db
from smartsociety.models import Case, Comment, EventKind, FollowTarget, User
from smartsociety.notify.services import auto_follow, emit


def _case_followed(case: Case, member: User | None) -> list[tuple[FollowTarget, object]]:
    followed = [(FollowTarget.THEME, getattr(t, "value", t)) for t in case.themes]
    followed += [(FollowTarget.TAG, tag.slug) for tag in case.tags]
    if case.organisation_id:
        followed.append((FollowTarget.ORGANISATION, case.organisation_id))
    if member is not None:
        followed.append((FollowTarget.MEMBER, member.id))
    return followed


def case_created(case: Case, mentioned: list[User]) -> None:
    """The author follows the new case; followers of its themes, tags, organisation and author
    hear of it, mentioned members too."""
    if case.author is not None:
        auto_follow(case.author, FollowTarget.CASE, case.id)
    done = emit(EventKind.MENTION, case.author, case=case, recipients=mentioned)
    emit(EventKind.NEW_CASE, case.author, case=case,
         followed=_case_followed(case, case.author), exclude=done)


def comment_added(comment: Comment, mentioned: list[User]) -> None:
    """Most specific first: a reply, then a mention, then a comment on something followed."""
    case, author = comment.case, comment.author
    done: set[int] = set()
    if comment.parent_id:
        parent = db.session.get(Comment, comment.parent_id)
        if parent is not None and parent.author_id and parent.is_public:
            done |= emit(EventKind.REPLY, author, comment=comment, recipients=[parent.author_id])
    done |= emit(EventKind.MENTION, author, comment=comment, recipients=mentioned, exclude=done)
    emit(EventKind.COMMENT, author, comment=comment,
         followed=[(FollowTarget.CASE, case.id), *_case_followed(case, author)], exclude=done)
    if author is not None:
        auto_follow(author, FollowTarget.CASE, case.id, joined=True)


def mentions_edited(actor: User, before: list[User], after: list[User], *,
                    case: Case | None = None, comment: Comment | None = None) -> None:
    """An edit notifies only the members it mentions for the first time."""
    known = {user.id for user in before}
    emit(EventKind.MENTION, actor, case=case, comment=comment,
         recipients=[user for user in after if user.id not in known])


def answer_accepted(comment: Comment, actor: User | None) -> None:
    done = emit(EventKind.ANSWER_ACCEPTED, actor, comment=comment,
                recipients=[comment.author_id] if comment.author_id else [])
    emit(EventKind.ANSWER_ACCEPTED, actor, comment=comment,
         followed=[(FollowTarget.CASE, comment.case_id)], exclude=done)


def principle_changed(version, kind: EventKind) -> None:
    """A version entering consultation or adopted: the principle's followers hear of it."""
    if not version.is_public:
        return
    principle = version.principle
    emit(kind, None, principle=principle, followed=[(FollowTarget.PRINCIPLE, principle.id)],
         title=f"{principle.title} ({version.number})")
