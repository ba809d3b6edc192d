"""The case page reads its comments as plain rows (cases/thread.py `ThreadComment`, issue 23
item 3): every permission predicate the page asks gives the row the answer it gives the
`Comment` entity, for every kind of reader and comment; and a write shows on the next read of
its case and leaves another case's page as it was."""
import datetime as dt

import pytest
from flask_login import AnonymousUserMixin

from smartsociety.cases.thread import ThreadComment, load_comments
from smartsociety.models import Comment, Role
from smartsociety.permissions import (
    can_delete_comment,
    can_edit_comment,
    can_react,
    can_report,
    can_view_hidden,
)
from tests.factories import (
    CaseFactory,
    CommentFactory,
    UserFactory,
    thread_of_every_kind,
    verified_member,
)

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
PREDICATES = (can_view_hidden, can_react, can_edit_comment, can_delete_comment, can_report)


@pytest.mark.parametrize("locked", [False, True])
def test_each_predicate_answers_a_row_as_it_answers_the_comment(app, db, locked):
    author = verified_member(name="Schrijver")
    other = verified_member(name="Ander")
    case, comments = thread_of_every_kind(author, other, locked, NOW)
    db.session.commit()
    readers = [AnonymousUserMixin(), author, other, UserFactory(),
               UserFactory(role=Role.MODERATOR)]
    db.session.commit()
    with app.test_request_context():
        rows, _helpful = load_comments(case)
        assert [type(row) for row in rows] == [ThreadComment] * len(comments)
        assert isinstance(rows[0], Comment)
        by_id = {c.id: c for c in comments}
        for row in rows:
            entity = by_id[row.id]
            assert (row.is_public, row.is_deleted, row.is_hidden) == (
                entity.is_public, entity.is_deleted, entity.is_hidden)
            assert row.author is entity.author and row.case is case
            for user in readers:
                for predicate in PREDICATES:
                    assert predicate(user, row) == predicate(user, entity), (
                        predicate.__name__, user, entity.body)


def test_a_write_shows_on_its_case_and_leaves_another_case_as_it_was(app, db, client, login):
    author = verified_member(name="Schrijver")
    first, second = CaseFactory(author=author), CaseFactory(author=author)
    mine = CommentFactory(case=first, author=author, body="Eerste tekst")
    theirs = CommentFactory(case=second, author=author, body="Andere casus")
    first.comment_count = second.comment_count = 1
    db.session.commit()
    other_page = client.get(f"/casussen/{second.id}").data
    writer = login(author)
    assert writer.post(f"/casussen/{first.id}/reacties/{mine.id}/bewerken",
                       data={"body": "Nieuwe tekst", "submit": "1"}).status_code == 302
    page = client.get(f"/casussen/{first.id}").get_data(as_text=True)
    assert "Nieuwe tekst" in page and "Eerste tekst" not in page
    assert f"/reacties/{mine.id}/geschiedenis" in page
    assert client.get(f"/casussen/{second.id}").data == other_page
    # The author's name and organisation on the next read of both pages.
    author.name = "Nieuwe Naam"
    author.organisation.name = "Gemeente Anders"
    db.session.commit()
    for case, comment in ((first, mine), (second, theirs)):
        html = client.get(f"/casussen/{case.id}").get_data(as_text=True)
        part = html.split(f'id="comment-{comment.id}"')[1].split("</header>")[0]
        assert "Nieuwe Naam" in part and "Gemeente Anders" in part


def test_forms_give_wtforms_messages_in_the_readers_language_from_a_kept_catalogue(
        app, monkeypatch):
    """The site's base form keeps WTForms' catalogue per process and language (Flask-WTF read
    it from disk on every request): the same messages as Flask-WTF's own, in each language,
    and the catalogue read once per language."""
    from babel import support
    from flask_babel import refresh
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import Length

    from smartsociety import formbase

    class Plain(FlaskForm):  # Flask-WTF's own translations
        class Meta:
            csrf = False

        reason = StringField(validators=[Length(max=5)])

    class Kept(formbase.Form):
        class Meta:
            csrf = False

        reason = StringField(validators=[Length(max=5)])

    monkeypatch.setattr(formbase._KeptTranslations, "catalogues", {})
    loads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *a, **kw: loads.append(a) or load(*a, **kw))
    messages = {}
    for language in ("nl", "en", "nl", "en"):
        with app.test_request_context(method="POST", data={"reason": "te lang"},
                                      headers={"Accept-Language": language}):
            refresh()  # the test's app context would keep the first request's language
            plain, kept = Plain(), Kept()
            assert not plain.validate() and not kept.validate()
            assert kept.errors == plain.errors
            messages[language] = kept.errors["reason"][0]
    assert messages["nl"] != messages["en"]
    assert "5" in messages["en"] and "longer" in messages["en"]
    kept_loads = len(loads) - 4  # Flask-WTF's own form reads it in each of the four requests
    assert kept_loads == 2  # once per language


def test_braces_in_a_comment_or_a_name_are_put_in_as_written(db, login):
    """The reader's actions are filled in with str.format (cases/fragments.py `_pattern`): a
    comment's text and its author's name go in as values, never read as a format."""
    writer = verified_member(name="Piet {name} }{")
    case = CaseFactory(author=writer)
    comment = CommentFactory(case=case, author=writer, body="{id} {quote} {{x}} }{0}")
    db.session.commit()
    page = login(verified_member()).get(f"/casussen/{case.id}").get_data(as_text=True)
    assert 'data-quote="{id} {quote} {{x}} }{0}"' in page
    assert 'data-reply-heading="Reactie op Piet {name} }{"' in page
    assert f'?reply_to={comment.id}#comment-form' in page


def test_the_page_macros_imported_without_context_follow_the_reader(app, db, client, login):
    """detail.html imports the case and moderation macros without its context (built once per
    process): what they show still follows the reader (rights passed in) and the language."""
    author = verified_member(name="Schrijver")
    case = CaseFactory(author=author, hidden_at=NOW, hidden_reason="Reden <i>x</i>")
    CommentFactory(case=case, author=author)
    db.session.commit()
    url = f"/casussen/{case.id}"
    report = f"/melden/case/{case.id}"
    own = login(author).get(url).get_data(as_text=True)
    assert "Verborgen door de moderatoren." in own and "Reden &lt;i&gt;x&lt;/i&gt;" in own
    assert report not in own
    moderator = login(UserFactory(role=Role.MODERATOR))
    moderator.post("/taal/en")
    theirs = moderator.get(url).get_data(as_text=True)
    assert "Hidden by the moderators." in theirs and "Verborgen door" not in theirs
    assert report in theirs and "Report" in theirs
    assert client.get(url).status_code == 404


def test_the_kept_comment_form_carries_each_readers_own_token(another_app, db, login):
    """cases/fragments.py `comment_form`: the plain form kept per case and language, each
    reader's form token put in (the one their session holds, as in the page's meta tag); a
    reply form shows its quote and a form with errors its message, rendered anew."""
    import re

    web = another_app(WTF_CSRF_ENABLED=True)
    first, second = verified_member(), verified_member()
    case = CaseFactory()
    comment = CommentFactory(case=case, author=first, body="Te citeren tekst")
    other_case = CaseFactory()
    db.session.commit()
    url = f"/casussen/{case.id}"

    def tokens(html):
        meta = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        form = html.split('class="stacked comment-form"')[1].split("</form>")[0]
        return meta, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1], form

    readers = [login(first, web.test_client()), login(second, web.test_client())]
    seen = set()
    for client in readers * 2:
        meta, in_form, form = tokens(client.get(url).get_data(as_text=True))
        assert meta == in_form
        assert f'data-draft-key="comment-{case.id}"' in form and "Reactie plaatsen" in form
        seen.add(in_form.split(".")[0])  # the session's token (the rest: a signed timestamp)
    assert len(seen) == 2  # one per reader
    # Another case's form has its own draft key; English its own texts.
    _meta, _token, form = tokens(readers[0].get(f"/casussen/{other_case.id}").get_data(as_text=True))
    assert f'data-draft-key="comment-{other_case.id}"' in form
    readers[1].post("/taal/en", data={"csrf_token": _token})
    english = readers[1].get(url).get_data(as_text=True)
    _meta, _token, form = tokens(english)
    assert "Post comment" in form and "Reactie plaatsen" not in form
    # A quoted reply: the quote in the text area, the parent in the hidden field.
    _meta, _token, form = tokens(readers[0].get(
        f"{url}?reply_to={comment.id}&quote=1").get_data(as_text=True))
    assert "&gt; Te citeren tekst" in form and f'value="{comment.id}"' in form
    _meta, _token, form = tokens(readers[0].get(url).get_data(as_text=True))
    assert "Te citeren tekst" not in form


def test_every_form_of_the_site_uses_the_kept_catalogue(app):
    """Every form class of the app derives from smartsociety.formbase.Form, so none reads
    WTForms' catalogue from disk per request (forms register by subclassing)."""
    from flask_wtf import FlaskForm

    from smartsociety.formbase import Form

    todo, direct = list(FlaskForm.__subclasses__()), []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("smartsociety") and not issubclass(cls, Form):
            direct.append(cls.__qualname__)
    assert direct == []
