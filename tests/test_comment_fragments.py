"""The case page's comments from kept frames (smartsociety/cases/fragments.py, issue 23 item 3):
a kept frame gives the same page as rendering it anew, every change to what a comment shows is
on the next read, and a change to one comment leaves the others' frames kept."""
import datetime
import re

import pytest

from smartsociety.cases.fragments import FrameStore
from smartsociety.extensions import db as _db
from smartsociety.models import Comment, CommentReaction, Role
from tests.factories import CaseFactory, CommentFactory, UserFactory, verified_member

NOW = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)


def _normal(html: bytes) -> bytes:
    """Without what differs between two reads anyway: the view count and the form token."""
    html = re.sub(rb'(csrf[-_]token"? (?:content|value)=")[^"]+', rb"\1-", html)
    return re.sub(rb"\d+ (weergaven|views)", rb"N \1", html)


def _fresh(app, client, url) -> bytes:
    """The page rendered with no frame kept (the kept ones are put back after)."""
    kept = app.extensions.pop("comment_frames", None)
    page = _normal(client.get(url).data)
    if kept is not None:
        app.extensions["comment_frames"] = kept
    return page


def _kept(client, url) -> bytes:
    client.get(url)  # keeps the frames (if not kept yet)
    return _normal(client.get(url).data)


@pytest.fixture
def thread(db):
    """A dilemma with replies past the maximum depth, an edited, accepted, helpful, hidden and
    removed comment, a former member's and a hostile name."""
    author = verified_member(name="Anna Auteur")
    hostile = UserFactory(name='Mila <b>Lid</b> & "co"')
    gone = UserFactory(name="Vertrokken")
    case = CaseFactory(author=author)
    made = []

    def add(by, body, parent=None, **extra):
        made.append(CommentFactory(case=case, author=by, body=body,
                                   parent_id=parent.id if parent else None,
                                   created_at=NOW + datetime.timedelta(minutes=len(made)),
                                   **extra))
        return made[-1]

    first = add(author, 'Eerste **vraag** met "quotes" & <tags>')
    second = add(hostile, "Antwoord", first, helpful_count=2)
    third = add(gone, "Van een vertrokken lid", second, edited_at=NOW)
    fourth = add(author, "Diep", third)
    add(hostile, "Dieper", fourth, accepted_at=NOW)
    add(hostile, "Verborgen", hidden_at=NOW, hidden_reason="spam <b>x</b>")
    add(author, "Verwijderd", deleted_at=NOW)
    case.comment_count = len(made)
    db.session.commit()
    gone_id = gone.id
    db.session.query(Comment).filter(Comment.author_id == gone_id).update({"author_id": None})
    db.session.commit()
    return case, author, hostile, made


def _readers(login, client, author, hostile):
    english = login(UserFactory())
    english.post("/taal/en")
    anonymous_en = type(client)(client.application, client.response_wrapper, use_cookies=True)
    anonymous_en.post("/taal/en")
    return {"anonymous": client, "anonymous-en": anonymous_en, "author": login(author),
            "other": login(hostile), "moderator": login(UserFactory(role=Role.MODERATOR)),
            "member-en": english}


def test_kept_frames_give_the_same_page_as_a_fresh_render(app, db, client, login, thread):
    case, author, hostile, _comments = thread
    url = f"/casussen/{case.id}"
    for name, reader in _readers(login, client, author, hostile).items():
        fresh = _fresh(app, reader, url)
        assert _kept(reader, url) == fresh, name
        assert fresh.count(b'class="comment depth-') == 7, name


def test_stand_ins_are_replaced_with_each_comments_own_escaped_values(db, login, thread):
    case, author, hostile, comments = thread
    page = login(hostile).get(f"/casussen/{case.id}").data.decode()
    assert 'data-quote="Eerste **vraag** met &#34;quotes&#34; &amp; &lt;tags&gt;"' in page
    assert 'data-reply-heading="Reactie op Mila &lt;b&gt;Lid&lt;/b&gt; &amp; &#34;co&#34;"' in page
    assert 'data-reply-heading="Reactie op Voormalig lid"' in page
    assert "\0" not in page
    # Own comments can be edited, others' not; the helpful button only on others'.
    for comment in comments:
        own = comment.author_id == hostile.id and comment.is_public
        assert (f"/reacties/{comment.id}/bewerken" in page) is own, comment.body
    assert f"/reacties/{comments[0].id}/nuttig" in page
    assert f"/reacties/{comments[1].id}/nuttig" not in page


def test_each_change_to_a_comment_shows_on_the_next_read(app, db, client, login, thread):
    case, author, hostile, comments = thread
    first, second, third, fourth, deep, hidden, removed = comments
    url = f"/casussen/{case.id}"
    writer = login(author)

    def read(reader=client) -> str:
        """The page from the frames kept so far, checked against a fresh render."""
        reader.get(url)  # shows (and so ends) a message the reader's last post left
        page = _normal(reader.get(url).data)
        assert page == _fresh(app, reader, url)
        return page.decode()

    read()
    # An edit: the new text and the "edited" mark.
    assert writer.post(f"{url}/reacties/{fourth.id}/bewerken",
                       data={"body": "Nieuwe tekst", "submit": "1"}).status_code == 302
    page = read()
    assert "Nieuwe tekst" in page and f"/reacties/{fourth.id}/geschiedenis" in page
    # Hidden by a moderator: a placeholder for others, the notice for its author.
    first.hide("Onvriendelijk")
    db.session.commit()
    assert "Onvriendelijk" not in read() and "Onvriendelijk" in read(writer)
    first.unhide()
    db.session.commit()
    # An accepted answer and a helpful mark.
    def shown(comment, reader=client) -> str:
        return read(reader).split(f'id="comment-{comment.id}"')[1].split("</article>")[0]

    assert login(UserFactory()).post(f"{url}/reacties/{second.id}/nuttig").status_code == 302
    # (the count follows the marks stored: one, where the fixture said two)
    assert "1 lid vond dit nuttig" in shown(second)
    assert writer.post(f"{url}/reacties/{second.id}/accepteren").status_code == 302
    assert "Geaccepteerd antwoord" in shown(second)
    # The author renamed: the byline and the reply-to line of the flattened reply.
    author.name = "Anna Anders"
    db.session.commit()
    page = read()
    assert "Anna Auteur" not in page and "Reactie op Anna Anders" in page
    # Another organisation, and the verified badge gone.
    author.organisation.name = "Gemeente Elders"
    author.organisation.verified_at = None
    db.session.commit()
    section = shown(first).split("</header>")[0]
    assert "Gemeente Elders" in section and "Geverifieerd" not in section
    # Removed.
    moderator = login(UserFactory(role=Role.MODERATOR))
    assert "spam" in read(moderator)
    hidden.deleted_at = NOW
    db.session.commit()
    assert "spam" not in read(moderator)
    # A first reply (to a removed comment: it stays in place with its replies).
    reply = CommentFactory(case=case, parent_id=removed.id, body="Toch een antwoord")
    assert f'id="comment-{reply.id}"' in read().split(f'id="comment-{removed.id}"')[1]
    # Another language.
    client.post("/taal/en")
    assert "Reply to Anna Anders" in read() and "Reactie op" not in read()
    assert deep.id  # (kept in the thread throughout)


def test_a_change_to_one_comment_leaves_the_others_kept(app, db, client, thread):
    case, _author, _hostile, comments = thread
    url = f"/casussen/{case.id}"
    client.get(url)
    store = app.extensions["comment_frames"]
    before = dict(store.entries)
    comments[1].helpful_count += 1
    _db.session.add(CommentReaction(comment_id=comments[1].id, user_id=comments[0].author_id))
    _db.session.commit()
    client.get(url)
    added = {key: parts for key, parts in store.entries.items() if key not in before}
    assert [key[1] for key in added] == [comments[1].id]
    # Every other frame is the very one kept before.
    for key, parts in before.items():
        assert store.entries[key] is parts


def test_the_store_is_bounded_and_drops_the_oldest_first():
    store = FrameStore(max_chars=10)
    store.put(("a",), ("1234", "5"))
    store.put(("b",), ("12345",))
    assert store.size == 10 and store.get(("a",)) is not None
    store.put(("c",), ("12",))
    assert store.get(("a",)) is None and store.get(("b",)) == ("12345",)
    assert store.size == 7
    store.put(("big",), ("x" * 11,))
    assert store.entries == {} and store.size == 0
