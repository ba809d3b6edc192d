"""A member's case page without the per-request work it did not need: the plain comment form
(cases/fragments.py `PlainCommentForm`) and the member's login query built once per process
(accounts/session.py). The page stays the page the real form gives, every reader their own
token."""
import re

import pytest

from smartsociety.cases import forms
from tests.factories import CaseFactory, CommentFactory, UserFactory, verified_member


def _masked(page: str) -> str:
    """The page with its form tokens left out (they are signed with the second they are made
    in)."""
    return re.sub(r'(name="csrf_token"(?: type="hidden")? value="|name="csrf-token" content=")'
                  r'[^"]*', r"\1-", page)


@pytest.fixture
def built(monkeypatch):
    """How many CommentForms were built."""
    count = [0]
    original = forms.CommentForm.__init__

    def counting(self, *args, **kwargs):
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(forms.CommentForm, "__init__", counting)
    return count


def _form(page: str) -> str:
    return page.split('class="stacked comment-form"')[1].split("</form>")[0]


def test_the_plain_comment_form_is_built_only_for_its_first_rendering(another_app, db, built,
                                                                    login):
    web = another_app(WTF_CSRF_ENABLED=True)
    first, second = verified_member(name="Eerste"), verified_member(name="Tweede")
    case = CaseFactory()
    comment = CommentFactory(case=case, author=first, body="Te citeren\ntekst")
    db.session.commit()
    url = f"/casussen/{case.id}"
    readers = [login(first, web.test_client()), login(second, web.test_client())]
    pages = [reader.get(url).get_data(as_text=True) for reader in readers * 2]
    assert built[0] == 1  # the kept fields' first rendering only
    assert len({_masked(_form(page)) for page in pages}) == 1
    seen = set()
    for page in pages:
        meta = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        in_form = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', _form(page))[1]
        assert in_form == meta  # the reader's own token, as the real form gives it
        seen.add(in_form.split(".")[0])
    assert len(seen) == 2
    # A reply and a quote are the real form, filled in; a reply to nothing is the plain form.
    quoted = _form(readers[1].get(f"{url}?reply_to={comment.id}&quote=1").get_data(as_text=True))
    assert "&gt; Te citeren\n&gt; tekst" in quoted and f'value="{comment.id}"' in quoted
    assert built[0] == 2
    for query in ("?reply_to=abc", "?quote=1", "?reply_to=99999"):
        page = readers[1].get(url + query).get_data(as_text=True)
        assert _masked(_form(page)) == _masked(_form(pages[0])), query
    # The form posts as before.
    response = readers[1].post(f"{url}/reacties", data={
        "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', pages[1])[1],
        "body": "Een nieuwe reactie", "submit": "1"})
    assert response.status_code == 302
    assert "Een nieuwe reactie" in readers[0].get(url).get_data(as_text=True)


def test_a_case_page_with_the_plain_form_is_the_page_with_the_real_one(no_page_cache, login, db,
                                                                       monkeypatch):
    """The stand-in against the WTForms form it replaces, for the form's errors summary and
    fields, in Dutch and English (CSRF off, as in the testing configuration)."""
    from smartsociety.cases import blueprint

    member = UserFactory(name="Anna Lid")
    case = CaseFactory(author=member)
    CommentFactory(case=case, author=member)
    db.session.commit()
    client = login(member)
    url = f"/casussen/{case.id}"
    for language in ("nl", "en"):
        client.post(f"/taal/{language}", headers={"Origin": "http://localhost"})
        plain = client.get(url).get_data(as_text=True)
        with monkeypatch.context() as patch:
            patch.setattr(blueprint, "_comment_form_for_get",
                          lambda comments: (forms.CommentForm(), None))
            real = client.get(url).get_data(as_text=True)
        assert _masked(plain) == _masked(real)
        assert ("Post comment" if language == "en" else "Reactie plaatsen") in plain


def test_a_login_ends_at_once_with_the_kept_statement(no_page_cache, app, db):
    """The login query built once per process still follows each session's own row: logging
    out ends only that login, another session of the member stays open."""
    member = UserFactory(name="Anna Lid", password="een lang wachtwoord 123")
    db.session.commit()

    def logged_in():
        client = app.test_client()
        response = client.post("/inloggen", data={"email": member.email,
                                                  "password": "een lang wachtwoord 123"})
        assert response.status_code == 302
        return client

    phone, laptop = logged_in(), logged_in()
    assert "Anna Lid" in phone.get("/").get_data(as_text=True)
    phone.post("/uitloggen")
    assert "Anna Lid" not in phone.get("/").get_data(as_text=True)
    assert "Anna Lid" in laptop.get("/").get_data(as_text=True)


def _statements(app, db, client, path):
    import sqlalchemy as sa

    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return seen


def test_a_members_state_comes_with_their_row(no_page_cache, client, login, db):
    """memberpage's state (unread count, terms, sanctions and the case's follow button) is
    asked in the user loader's query: a member's page costs one query more than an anonymous
    reader's, not two."""
    from smartsociety.models import Follow, FollowTarget

    member = UserFactory(name="Anna Lid")
    case = CaseFactory()
    CommentFactory(case=case)
    db.session.add(Follow(user_id=member.id, target=FollowTarget.CASE, key=str(case.id)))
    db.session.commit()
    as_member = login(member)
    for path in ("/", f"/casussen/{case.id}"):
        as_member.get(path), client.get(path)
        anonymous = _statements(no_page_cache, db, client, path)
        members = _statements(no_page_cache, db, as_member, path)
        [loader] = [s for s in members if "session_token = " in s]
        assert [s for s in members if "notification" in s or "sanction" in s
                or "policy_version" in s or "follow" in s] == [loader], path
        assert "follow" in loader if path != "/" else "follow" not in loader
        assert not [s for s in anonymous if "session_token = " in s or "notification" in s]
    page = as_member.get(f"/casussen/{case.id}").get_data(as_text=True)
    box = page.split('class="follow-box"')[1].split("</form>")[0]
    assert f'action="/ontvolgen/case/{case.id}"' in box and 'aria-pressed="true"' in box
    db.session.query(Follow).delete()
    db.session.commit()
    box = as_member.get(f"/casussen/{case.id}").get_data(as_text=True).split(
        'class="follow-box"')[1].split("</form>")[0]
    assert f'action="/volgen/case/{case.id}"' in box and 'aria-pressed' not in box


def test_a_write_after_the_member_was_loaded_shows_in_their_frame(no_page_cache, login, db):
    """The state asked with the member's row is used only while the request wrote nothing: a
    page rendered after a write in the same request asks it again."""
    from flask import render_template_string
    from flask_login import current_user

    from smartsociety import memberpage
    from smartsociety.models import Follow, FollowTarget, Notification

    member = UserFactory(name="Anna Lid")
    case = CaseFactory()
    db.session.commit()
    app = no_page_cache

    @app.get("/test-write-then-render")
    def write_then_render():
        assert current_user.is_authenticated  # the member (and their state) loaded
        db.session.add(Notification(user_id=current_user.id, kind="comment", case_id=case.id,
                                    group_key="case:t", title="Nieuw"))
        db.session.add(Follow(user_id=current_user.id, target=FollowTarget.CASE,
                              key=str(case.id)))
        db.session.flush()
        memberpage.want_follow(FollowTarget.CASE, case.id)  # asked after the load
        following = memberpage.following(FollowTarget.CASE, case.id)
        return render_template_string(
            '{% extends "base.html" %}{% block content %}following={{ f }}{% endblock %}',
            f=following)

    @app.get("/test-write-only")
    def write_only():
        assert current_user.is_authenticated
        db.session.add(Notification(user_id=current_user.id, kind="comment", case_id=case.id,
                                    group_key="case:u", title="Nog een"))
        db.session.flush()
        return render_template_string('{% extends "base.html" %}')

    as_member = login(member)
    page = as_member.get("/test-write-then-render").get_data(as_text=True)
    assert "Meldingen (1)" in page and "has-unread" in page
    assert "following=True" in page
    assert "Meldingen (2)" in as_member.get("/test-write-only").get_data(as_text=True)


def test_the_kept_comment_actions_carry_each_readers_own_token(another_app, db, login):
    """The actions' patterns (cases/fragments.py `_actions`) are kept per process: each
    member's helpful, delete and accept forms carry the token of their own session (the one in
    the page's meta tag), and the kept pattern holds no token."""
    web = another_app(WTF_CSRF_ENABLED=True)
    author, first, second = (verified_member(name="Schrijver"), verified_member(name="Een"),
                             verified_member(name="Twee"))
    case = CaseFactory(author=author)
    CommentFactory(case=case, author=author, body="Een {x} reactie")
    CommentFactory(case=case, author=first, body="Nog <b>een</b>")
    db.session.commit()
    url = f"/casussen/{case.id}"
    seen = set()
    clients = {user.id: login(user, web.test_client()) for user in (first, second, author)}
    for user in (first, second, author, first):
        page = clients[user.id].get(url).get_data(as_text=True)
        meta = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        thread = page.split('id="comment-1"')[1]
        tokens = re.findall(r'name="csrf_token" value="([^"]+)"', thread)
        assert tokens and set(tokens) == {meta}
        seen.add(meta.split(".")[0])
        assert 'data-quote="Een {x} reactie"' in thread
        assert 'data-quote="Nog &lt;b&gt;een&lt;/b&gt;"' in thread
    assert len(seen) == 3
    kept = [parts for key, parts in web.extensions["comment_frames"].entries.items()
            if key[0] == "actions"]
    assert kept and all("{token}" in parts[0] for parts in kept)
    assert not any(token in parts[0] for parts in kept for token in seen)


def test_the_reportable_type_is_found_per_class_as_before(app, db, monkeypatch):
    """registry.type_of answers per class (a thread asked it per comment): the same kind as
    the isinstance search for an entity, a thread row (whose __class__ is Comment) and an
    unregistered object, and a type registered later is found."""
    from smartsociety.cases.thread import load_comments
    from smartsociety.models import Case, Comment
    from smartsociety.moderation import registry

    def searched(item):
        return next((k for k in registry.TYPES.values() if isinstance(item, k.model)), None)

    case = CaseFactory()
    comment = CommentFactory(case=case)
    db.session.commit()
    [row], _helpful = load_comments(case, None)
    for item in (comment, row, case, object(), "text"):
        assert registry.type_of(item) is searched(item)
        assert registry.type_of(item) is searched(item)  # the kept answer
    assert registry.type_of(row).model is Comment and registry.type_of(case).model is Case

    class Widget:
        pass

    monkeypatch.setattr(registry, "TYPES", dict(registry.TYPES))
    assert registry.type_of(Widget()) is None
    kind = registry.ReportableType(name="widget", label="Widget", model=Widget,
                                   title=str, url=str, author=lambda item: None)
    registry.register(kind)
    assert registry.type_of(Widget()) is kind
