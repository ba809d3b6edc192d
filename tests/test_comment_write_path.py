"""Posting a comment loads only what the write needs and notifies in few statements (issue 23
item 2), with the same outcome: the same notifications and mails, follows as before, the page
shown again on a preview or an error, and a comment on one case leaving the other's page as
it was."""
import sqlalchemy as sa

from smartsociety.models import (
    Attachment,
    CaseEditor,
    Delivery,
    EventKind,
    Follow,
    FollowTarget,
    MailOutbox,
    Notification,
    NotifySettings,
    Tag,
    Theme,
)
from smartsociety.notify import services as notify
from tests.factories import CaseFactory, UserFactory, verified_member
from tests.querycount import count_queries


def post(client, case_id, body, **extra):
    return client.post(f"/casussen/{case_id}/reacties", data={"body": body, **extra})


def test_the_queries_of_a_comment_do_not_grow_with_what_the_case_has(db, login):
    plain, full = CaseFactory(), CaseFactory()
    full.tags = [Tag(slug=f"tag-{i}", name=f"Tag {i}") for i in range(3)]
    full.themes.append(Theme.INFORMATIEBEVEILIGING)
    editor = UserFactory()
    db.session.commit()
    db.session.add_all([CaseEditor(case=full, user=editor, granted_by_id=full.author_id),
                        *(Attachment(case_id=full.id, uploader_id=full.author_id,
                                     stored_name=f"s{i}", filename=f"bijlage-{i}.pdf",
                                     content_type="application/pdf", size=10)
                          for i in range(2))])
    db.session.commit()
    client = login(UserFactory())
    counts = []
    for case in (plain, full, plain, full):  # the second round: already following both
        with count_queries(db.engine) as counted:
            assert post(client, case.id, "Goed punt.").status_code == 302
        counts.append(counted.count)
    assert counts[0] == counts[1] and counts[2] == counts[3], counts


def test_followers_of_its_tags_and_themes_and_mentioned_members_are_notified(db, login):
    case = CaseFactory()
    case.tags = [Tag(slug="lantaarn", name="Lantaarn")]
    case.themes.append(Theme.DATAGEDREVEN)
    db.session.commit()
    by_tag, by_theme, mentioned, other = (UserFactory(name=name) for name in
                                          ("Tag Volger", "Thema Volger", "Mila Genoemd", "X Y"))
    notify.follow(by_tag, FollowTarget.TAG, "lantaarn")
    notify.follow(by_theme, FollowTarget.THEME, case.themes[0].value)
    # Immediate mail for both kinds: each notification gets its own outbox row.
    for member in (by_tag, mentioned):
        notify.save_preferences(member, {EventKind.COMMENT: Delivery.IMMEDIATE,
                                         EventKind.MENTION: Delivery.IMMEDIATE})
    db.session.commit()
    author = UserFactory()
    assert post(login(author), case.id, "Vraag aan @[Mila Genoemd].").status_code == 302
    found = {(n.user_id, n.kind): n for n in db.session.scalars(sa.select(Notification))}
    assert set(found) == {(mentioned.id, EventKind.MENTION), (by_tag.id, EventKind.COMMENT),
                          (by_theme.id, EventKind.COMMENT)}
    mails = {m.id: m.user_id for m in db.session.scalars(sa.select(MailOutbox))}
    assert sorted(mails.values()) == sorted([by_tag.id, mentioned.id])
    for user_id in (by_tag.id, mentioned.id):
        [notification] = [n for (u, _k), n in found.items() if u == user_id]
        assert mails[notification.outbox_id] == user_id
    assert found[(by_theme.id, EventKind.COMMENT)].outbox_id is None
    assert other.id not in {user_id for user_id, _kind in found}
    # The author now follows the thread.
    assert notify.is_following(author, FollowTarget.CASE, case.id)


def test_joining_a_thread_follows_it_unless_unfollowed_or_switched_off(db, login):
    case = CaseFactory()
    unfollowed, switched_off = UserFactory(), UserFactory()
    db.session.commit()
    notify.follow(unfollowed, FollowTarget.CASE, case.id)
    notify.unfollow(unfollowed, FollowTarget.CASE, case.id)
    db.session.add(NotifySettings(user_id=switched_off.id, follow_joined_threads=False))
    db.session.commit()
    for member in (unfollowed, switched_off):
        assert post(login(member), case.id, "Mijn bijdrage.").status_code == 302
        assert not notify.is_following(member, FollowTarget.CASE, case.id)
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))
                             .where(Follow.user_id == switched_off.id)) == 0


def test_a_preview_or_an_error_shows_the_whole_page_again(db, login):
    author = verified_member()
    case = CaseFactory(author=author, organisation=author.organisation)
    db.session.commit()
    db.session.add(Attachment(case_id=case.id, uploader_id=author.id, stored_name="s", size=10,
                              filename="verslag.pdf", content_type="application/pdf"))
    db.session.commit()
    client = login(UserFactory())
    preview = post(client, case.id, "**Vet** gezegd.", preview="1")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "<strong>Vet</strong>" in html and "verslag.pdf" in html and author.name in html
    empty = post(client, case.id, "")
    assert empty.status_code == 422 and "verslag.pdf" in empty.get_data(as_text=True)


def test_a_comment_on_one_case_shows_there_and_leaves_the_other_as_it_was(app, db, login,
                                                                          client):
    case, other = CaseFactory(), CaseFactory()
    db.session.commit()
    before = client.get(f"/casussen/{other.id}").get_data(as_text=True)
    assert post(login(UserFactory()), case.id, "Alleen hier.").status_code == 302
    assert "Alleen hier." in client.get(f"/casussen/{case.id}").get_data(as_text=True)
    after = client.get(f"/casussen/{other.id}").get_data(as_text=True)
    assert "Alleen hier." not in after
    assert db.session.get(type(other), other.id).comment_count == 0
    assert before.count('class="comment') == after.count('class="comment')


def test_about_a_comment_on_a_hidden_case_only_who_may_see_the_case_hears(db):
    """The one path where who is notified depends on the member: a comment given without its
    case, whose case is hidden (the case's author and moderators may still see it)."""
    from smartsociety.models import Comment, Role, utcnow

    author, member, moderator, actor = UserFactory(), UserFactory(), UserFactory(
        role=Role.MODERATOR), UserFactory()
    case = CaseFactory(author=author, hidden_at=utcnow())
    db.session.commit()
    comment = Comment(case_id=case.id, author_id=actor.id, body="x", body_html="<p>x</p>")
    db.session.add(comment)
    db.session.commit()
    notified = notify.emit(EventKind.REPLY, actor, comment=comment,
                           recipients=[author, member.id, moderator])
    db.session.commit()
    assert notified == {author.id, moderator.id}
    assert {n.user_id for n in db.session.scalars(sa.select(Notification))} == notified
    # And the same about a visible case: everyone given, bar the actor.
    case.hidden_at = None
    db.session.commit()
    assert notify.emit(EventKind.REPLY, actor, comment=comment,
                       recipients=[author, member.id, moderator, actor, 999999]) == {
        author.id, member.id, moderator.id}
