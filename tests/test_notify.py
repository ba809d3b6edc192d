"""Follow and notify: who is notified of what, mail (immediate, digests), unsubscribe, feeds."""
import email
import email.policy
import xml.etree.ElementTree as ET
from datetime import timedelta

import sqlalchemy as sa

from smartsociety.cases import services as cases
from smartsociety.models import (
    CaseKind,
    Delivery,
    EventKind,
    FollowTarget,
    MailOutbox,
    Notification,
    NotificationPreference,
    Theme,
    utcnow,
)
from smartsociety.notify import outbox as notify_outbox
from smartsociety.notify import services
from smartsociety.principles import services as principles
from tests.factories import (
    CaseFactory,
    PrincipleFactory,
    UserFactory,
)
from tests.querycount import count_queries

ATOM = "{http://www.w3.org/2005/Atom}"
THEME = Theme.DATAGEDREVEN


def _input(**changes):
    data = dict(kind=CaseKind.DILEMMA, status="open", title="Camera's op het plein",
                summary="Mag dat?", body="Wij twijfelen.", language="nl",
                themes=[THEME.value], tags=["camera"])
    data.update(changes)
    return cases.CaseInput(**data)


def _notes(db, user=None, kind=None):
    select = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        select = select.where(Notification.user_id == user.id)
    if kind is not None:
        select = select.where(Notification.kind == kind)
    return db.session.scalars(select).all()


def _kinds(db, user):
    return [n.kind for n in _notes(db, user)]


# Events


def test_new_case_notifies_followers_of_theme_tag_organisation_and_author(db):
    author = UserFactory()
    by_theme, by_tag, by_org, by_member, nobody = UserFactory.create_batch(5)
    services.follow(by_theme, FollowTarget.THEME, THEME.value)
    services.follow(by_tag, FollowTarget.TAG, "camera")
    services.follow(by_org, FollowTarget.ORGANISATION, author.organisation_id)
    services.follow(by_member, FollowTarget.MEMBER, author.id)
    services.follow(author, FollowTarget.THEME, THEME.value)  # the actor is never notified
    case = cases.create_case(author, _input())
    for user in (by_theme, by_tag, by_org, by_member):
        assert _kinds(db, user) == [EventKind.NEW_CASE]
        assert _notes(db, user)[0].case_id == case.id
    assert _notes(db, nobody) == [] and _notes(db, author) == []
    # The author follows the new case.
    assert services.is_following(author, FollowTarget.CASE, case.id)


def test_reply_comment_and_auto_follow(db):
    author, first, second, bystander = UserFactory.create_batch(4)
    case = cases.create_case(author, _input(themes=[], tags=[]))
    top = cases.add_comment(case, first, "Goede vraag")
    assert _kinds(db, author) == [EventKind.COMMENT]
    assert services.is_following(first, FollowTarget.CASE, case.id)
    cases.add_comment(case, second, "Eens", parent=top)
    # The parent's author hears of the reply once (not also as a follower of the thread).
    assert _kinds(db, first) == [EventKind.REPLY]
    assert _kinds(db, author) == [EventKind.COMMENT, EventKind.COMMENT]
    assert _notes(db, second) == [] and _notes(db, bystander) == []


def test_joining_a_thread_does_not_follow_when_switched_off_or_unfollowed(db):
    author, quiet, leaver = UserFactory.create_batch(3)
    case = cases.create_case(author, _input(themes=[], tags=[]))
    services.save_preferences(quiet, {}, follow_joined_threads=False)
    cases.add_comment(case, quiet, "Eén keer")
    assert not services.is_following(quiet, FollowTarget.CASE, case.id)
    cases.add_comment(case, leaver, "Eerste")
    services.unfollow(leaver, FollowTarget.CASE, case.id)
    cases.add_comment(case, leaver, "Tweede")
    assert not services.is_following(leaver, FollowTarget.CASE, case.id)
    cases.add_comment(case, author, "Antwoord")
    assert _notes(db, quiet) == [] and _notes(db, leaver) == []


def test_mention_links_to_the_profile_and_notifies_once(db):
    author, named, writer = UserFactory(), UserFactory(name="Anna de Vries"), UserFactory()
    single = UserFactory(name="Bram")
    case = cases.create_case(author, _input(themes=[], tags=[]))
    comment = cases.add_comment(case, writer, "Wat vinden @[Anna de Vries] en @Bram? mail@bram.nl")
    assert f'href="/leden/{named.id}"' in comment.body_html
    assert f'href="/leden/{single.id}"' in comment.body_html
    assert "mail@bram.nl" in comment.body_html
    assert _kinds(db, named) == [EventKind.MENTION]
    assert _kinds(db, single) == [EventKind.MENTION]
    # Editing without new mentions notifies no one again.
    cases.edit_comment(comment, writer, comment.body + " Nog iets.")
    assert _kinds(db, named) == [EventKind.MENTION]


def test_editing_a_case_notifies_newly_mentioned_members(db):
    author, named = UserFactory(), UserFactory(name="Carla")
    case = cases.create_case(author, _input(themes=[], tags=[]))
    cases.edit_case(case, author, _input(themes=[], tags=[], body="Vraag het @Carla"))
    cases.edit_case(case, author, _input(themes=[], tags=[], body="Vraag het @Carla nu"))
    assert _kinds(db, named) == [EventKind.MENTION]


def test_hostile_mention_stays_sanitised(db):
    UserFactory(name="x](javascript:alert(1))")
    author = UserFactory()
    case = cases.create_case(author, _input(themes=[], tags=[], body="@[x](javascript:alert(1))]"))
    assert "javascript:" not in case.body_html


def test_accepted_answer_notifies_the_answerer_and_followers(db):
    author, answerer, follower = UserFactory.create_batch(3)
    case = cases.create_case(author, _input(themes=[], tags=[]))
    services.follow(follower, FollowTarget.CASE, case.id)
    comment = cases.add_comment(case, answerer, "Zo doen wij het")
    cases.accept_answer(case, comment, author)
    assert _kinds(db, answerer) == [EventKind.ANSWER_ACCEPTED]
    assert _kinds(db, follower)[-1] is EventKind.ANSWER_ACCEPTED
    assert EventKind.ANSWER_ACCEPTED not in _kinds(db, author)


def test_principle_consultation_and_adoption_notify_followers(db):
    from smartsociety.models import VersionStatus

    moderator, follower = UserFactory.create_batch(2)
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    services.follow(follower, FollowTarget.PRINCIPLE, principle.id)
    version = principle.versions[0]
    principles.open_consultation(version)
    principles.adopt(version, decision="ALV", adopted_on=utcnow().date())
    assert _kinds(db, follower) == [EventKind.CONSULTATION, EventKind.ADOPTED]
    assert _notes(db, moderator) == []


def test_hidden_content_produces_nothing_and_disappears(db, login):
    author, follower = UserFactory.create_batch(2)
    case = CaseFactory(author=author, hidden_at=utcnow())
    services.follow(follower, FollowTarget.CASE, case.id)
    cases.add_comment(case, author, "Stil")
    assert _notes(db, follower) == []
    # Shown before hiding, gone from the page and the count after.
    visible = CaseFactory(author=author)
    services.follow(follower, FollowTarget.CASE, visible.id)
    comment = cases.add_comment(visible, author, "Nog zichtbaar")
    assert len(_notes(db, follower)) == 1
    assert db.session.scalar(Notification.unread_count(follower.id)) == 1
    comment.hidden_at = utcnow()
    db.session.commit()
    assert db.session.scalar(Notification.unread_count(follower.id)) == 0
    assert b"Nog zichtbaar" not in login(follower).get("/meldingen").data


def test_emit_is_public_for_other_features(db):
    """Offers and moderation call emit; a moderation notice reaches the author of hidden content."""
    author, moderator = UserFactory.create_batch(2)
    case = CaseFactory(author=author, hidden_at=utcnow())
    notified = services.emit(EventKind.MODERATION, moderator, case=case,
                             recipients=[author, moderator], title="Verborgen")
    db.session.commit()
    assert notified == {author.id}
    assert _kinds(db, author) == [EventKind.MODERATION]


# Pages


def test_follow_and_unfollow_routes(db, login):
    member = UserFactory()
    client = login(member)
    response = client.post(f"/volgen/theme/{THEME.value}", data={"next": "/casussen"})
    assert response.status_code == 302 and response.location.endswith("/casussen")
    assert services.is_following(member, FollowTarget.THEME, THEME.value)
    assert client.post(f"/ontvolgen/theme/{THEME.value}").status_code == 302
    assert not services.is_following(member, FollowTarget.THEME, THEME.value)
    assert client.post("/volgen/theme/bestaat-niet").status_code == 404
    assert client.post("/volgen/case/999").status_code == 404
    assert client.post("/volgen/planeet/1").status_code == 404
    hidden = CaseFactory(hidden_at=utcnow())
    assert client.post(f"/volgen/case/{hidden.id}").status_code == 404
    response = client.post(f"/volgen/theme/{THEME.value}", data={"next": "https://evil.example"})
    assert response.status_code == 302 and "evil" not in response.location


def test_follow_requires_login(client):
    response = client.post(f"/volgen/theme/{THEME.value}")
    assert response.status_code == 302 and "/inloggen" in response.location


def test_follow_buttons_on_pages(db, login):
    member, other = UserFactory.create_batch(2)
    case = CaseFactory(author=other)
    principle = PrincipleFactory()
    client = login(member)
    for url, action in [
        (f"/casussen/{case.id}", f"/volgen/case/{case.id}"),
        (f"/themas/{THEME.value}", f"/volgen/theme/{THEME.value}"),
        (f"/organisaties/{other.organisation.slug}",
         f"/volgen/organisation/{other.organisation_id}"),
        (f"/leden/{other.id}", f"/volgen/member/{other.id}"),
        (f"/principes/{principle.slug}", f"/volgen/principle/{principle.id}"),
    ]:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert f'action="{action}"'.encode() in response.data, url


def test_bell_count_and_notifications_page(db, login, client):
    author, follower = UserFactory.create_batch(2)
    case = cases.create_case(author, _input(themes=[], tags=[]))
    services.follow(follower, FollowTarget.CASE, case.id)
    cases.add_comment(case, author, "Eén")
    cases.add_comment(case, author, "Twee")
    other = cases.create_case(author, _input(title="Tweede casus", themes=[], tags=[]))
    services.follow(follower, FollowTarget.CASE, other.id)
    cases.add_comment(other, author, "Drie")
    member = login(follower)
    page = member.get("/meldingen")
    assert page.status_code == 200
    assert "Meldingen (3)" in page.get_data(as_text=True)
    assert page.data.count(b'class="card notification-group"') == 2
    first_ids = [n.id for n in _notes(db, follower) if n.case_id == case.id]
    member.post("/meldingen/gelezen", data={"id": [str(i) for i in first_ids]})
    assert "Meldingen (1)" in member.get("/meldingen").get_data(as_text=True)
    member.post("/meldingen/gelezen")
    assert "Meldingen (0)" in member.get("/meldingen").get_data(as_text=True)
    # Anonymous readers: no bell and no notification query at all.
    with count_queries(db.engine) as counter:
        anonymous = client.get("/")
    assert b"/meldingen" not in anonymous.data
    assert not any("notification" in s for s in counter.statements)


def test_notifications_page_requires_login(client):
    assert client.get("/meldingen").status_code == 302


def test_settings_page_saves_preferences(db, login):
    member = UserFactory()
    client = login(member)
    assert client.get("/meldingen/instellingen").status_code == 200
    data = {f"mail_{k.value}": "weekly" for k in EventKind} | {"mail_reply": "immediate"}
    assert client.post("/meldingen/instellingen", data=data).status_code == 302
    prefs = services.preferences(member)
    assert prefs[EventKind.REPLY] is Delivery.IMMEDIATE
    assert prefs[EventKind.COMMENT] is Delivery.WEEKLY
    assert not services.settings_for(member).follow_joined_threads
    bad = client.post("/meldingen/instellingen", data={"mail_reply": "elk-uur"})
    assert bad.status_code == 422


# Mail


def _mails(smtp_server):
    return [email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in smtp_server.messages]


def _comment_notice(db, follower, kind=EventKind.COMMENT):
    author = UserFactory()
    case = cases.create_case(author, _input(themes=[], tags=[]))
    services.follow(follower, FollowTarget.CASE, case.id)
    cases.add_comment(case, author, "Nieuws")
    return case


def test_daily_digest_groups_and_sends_once(db, smtp_server):
    follower, weekly = UserFactory(), UserFactory()
    services.save_preferences(weekly, {k: Delivery.WEEKLY for k in EventKind})
    first, second = _comment_notice(db, follower), _comment_notice(db, follower)
    _comment_notice(db, weekly)
    assert notify_outbox.queue_digests(Delivery.DAILY) == 1
    assert notify_outbox.drain_outbox() == 1
    assert notify_outbox.queue_digests(Delivery.DAILY) == 0
    assert notify_outbox.drain_outbox() == 0
    [message] = _mails(smtp_server)
    assert message["To"] == follower.email
    body = message.get_body(("plain",)).get_content()
    assert first.title in body and second.title in body
    assert message["List-Unsubscribe"].startswith("<http://localhost:5000/meldingen/afmelden/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The weekly member gets theirs from the weekly run only.
    assert notify_outbox.queue_digests(Delivery.WEEKLY) == 1
    notify_outbox.drain_outbox()
    assert [m["To"] for m in _mails(smtp_server)] == [follower.email, weekly.email]


def test_digest_from_the_command_line(app, db, smtp_server):
    follower = UserFactory()
    _comment_notice(db, follower)
    runner = app.test_cli_runner()
    assert "1 message(s) sent" in runner.invoke(args=["notify", "send-digests"]).output
    assert "0 message(s) sent" in runner.invoke(args=["notify", "send-digests"]).output
    assert len(smtp_server.messages) == 1


def test_immediate_mail_retries_and_never_sends_twice(app, db, smtp_server):
    follower = UserFactory(locale="en")
    services.save_preferences(follower, {EventKind.COMMENT: Delivery.IMMEDIATE})
    case = _comment_notice(db, follower)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    assert notify_outbox.drain_outbox() == 0
    outbox = db.session.scalars(sa.select(MailOutbox)).one()
    assert outbox.sent_at is None and outbox.last_error and outbox.next_attempt_at > utcnow()
    app.config["MAIL_PORT"] = port
    outbox.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert notify_outbox.drain_outbox() == 1
    assert notify_outbox.drain_outbox() == 0
    assert notify_outbox.queue_digests(Delivery.DAILY) == 0  # already mailed
    [message] = _mails(smtp_server)
    # In the member's language.
    assert message["Subject"] == f"Smart Society: {case.title}"
    assert "Hello" in message.get_body(("plain",)).get_content()


def test_a_claimed_message_is_not_sent_by_a_second_sender(db, smtp_server):
    follower = UserFactory()
    services.save_preferences(follower, {EventKind.COMMENT: Delivery.IMMEDIATE})
    _comment_notice(db, follower)
    outbox = db.session.scalars(sa.select(MailOutbox)).one()
    assert notify_outbox._claim(outbox.id) is not None
    assert notify_outbox.drain_outbox() == 0 and smtp_server.messages == []


def test_mail_is_not_sent_for_content_hidden_before_delivery(db, smtp_server):
    follower = UserFactory()
    case = _comment_notice(db, follower)
    case.hidden_at = utcnow()
    db.session.commit()
    notify_outbox.queue_digests(Delivery.DAILY)
    notify_outbox.drain_outbox()
    assert smtp_server.messages == []


def test_never_means_no_mail(db, smtp_server):
    follower = UserFactory()
    services.save_preferences(follower, {k: Delivery.NEVER for k in EventKind})
    _comment_notice(db, follower)
    assert notify_outbox.queue_digests(Delivery.DAILY) == 0
    assert len(_notes(db, follower)) == 1  # still on the site


# Unsubscribe


def test_unsubscribe_without_login(db, client):
    member = UserFactory()
    token = services.unsubscribe_token(member, EventKind.COMMENT)
    page = client.get(f"/meldingen/afmelden/{token}")
    assert page.status_code == 200 and b'method="post"' in page.data
    assert services.preferences(member)[EventKind.COMMENT] is Delivery.DAILY
    assert client.post(f"/meldingen/afmelden/{token}").status_code == 200
    prefs = services.preferences(member)
    assert prefs[EventKind.COMMENT] is Delivery.NEVER and prefs[EventKind.REPLY] is Delivery.DAILY


def test_one_click_unsubscribe_from_all(db, client):
    member = UserFactory()
    token = services.unsubscribe_token(member, None)
    response = client.post(f"/meldingen/afmelden/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert set(services.preferences(member).values()) == {Delivery.NEVER}


def test_forged_unsubscribe_tokens_are_refused(db, client):
    member = UserFactory()
    token = services.unsubscribe_token(member, None)
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not-the-key", salt=services.UNSUBSCRIBE_SALT).dumps(
        [member.id, "all"])
    for bad in (forged, token[:-2] + "xx", "rommel"):
        assert client.get(f"/meldingen/afmelden/{bad}").status_code == 400
        assert client.post(f"/meldingen/afmelden/{bad}").status_code == 400
    assert services.preferences(member)[EventKind.REPLY] is Delivery.DAILY
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


# Feeds


def _check_atom(response):
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert any(link.get("rel") == "alternate" and link.get("href")
                   for link in entry.findall(f"{ATOM}link"))
    return entries


def test_feeds_are_valid_atom_without_hidden_content(db, client):
    author = UserFactory()
    shown = cases.create_case(author, _input(title="Zichtbare casus"))
    cases.add_comment(shown, author, "Een reactie")
    hidden = cases.create_case(author, _input(title="Verborgen casus"))
    hidden.hidden_at = utcnow()
    db.session.commit()
    principle = PrincipleFactory()
    slug = author.organisation.slug
    for url, expected in [
        ("/feeds/casussen.atom", 1),
        (f"/feeds/themas/{THEME.value}.atom", 1),
        ("/feeds/tags/camera.atom", 1),
        (f"/feeds/organisaties/{slug}.atom", 2),
        (f"/feeds/principes/{principle.slug}.atom", 1),
    ]:
        response = client.get(url)
        entries = _check_atom(response)
        assert len(entries) == expected, url
        assert b"Verborgen casus" not in response.data
    for url in ("/feeds/themas/onbekend.atom", "/feeds/tags/onbekend.atom",
                "/feeds/organisaties/onbekend.atom", "/feeds/principes/onbekend.atom"):
        assert client.get(url).status_code == 404


def test_case_lists_advertise_their_feed(db, client):
    page = client.get(f"/themas/{THEME.value}")
    assert f'href="/feeds/themas/{THEME.value}.atom"'.encode() in page.data
    assert b'type="application/atom+xml"' in page.data


def test_search_results_feed(db, client):
    author = UserFactory()
    shown = cases.create_case(author, _input(title="Slimme lantaarnpalen"))
    hidden = cases.create_case(author, _input(title="Verborgen lantaarnpalen"))
    hidden.hidden_at = utcnow()
    db.session.commit()
    response = client.get("/feeds/zoeken.atom?q=lantaarnpalen")
    entries = _check_atom(response)
    assert [e.find(f"{ATOM}title").text for e in entries] == [shown.title]
    assert _check_atom(client.get("/feeds/zoeken.atom")) == []
    page = client.get("/zoeken?q=lantaarnpalen")
    assert b'href="/feeds/zoeken.atom?q=lantaarnpalen"' in page.data
