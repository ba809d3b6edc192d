"""The case page's thread rows (issue 23 item 3): the comments are loaded without their authors
joined, each distinct author set once (from the session or one query), a member's helpful
marks come with the comments, and the requirements are asked for only when some are stored.
Each change shows on the next read."""
import re

from smartsociety.models import Comment, CommentReaction
from tests.factories import CaseFactory, UserFactory, verified_member
from tests.querycount import count_queries


def pressed(html: str) -> dict[int, str]:
    """Comment id -> the helpful button's aria-pressed, for the comments that have one."""
    found = {}
    for match in re.finditer(r'reacties/(\d+)/nuttig" class="inline-form">\s*'
                             r'<input[^>]*>\s*<button[^>]*aria-pressed="(true|false)"', html):
        found[int(match.group(1))] = match.group(2)
    return found


def test_case_page_thread_by_loaded_authors_costs_no_author_query(db, client):
    """The case's author (loaded with the case) writing every comment: the page is the case's
    query and the comments' query, and each comment shows its author's byline."""
    author = UserFactory(name="Auteur Anne")
    case = CaseFactory(author=author)
    for n in range(4):
        db.session.add(Comment(case=case, author=author, body=f"R{n}", body_html=f"<p>R{n}</p>"))
    case.comment_count = 4
    db.session.commit()
    url = f"/casussen/{case.id}"
    with count_queries(db.engine) as counted:
        response = client.get(url)
    assert response.status_code == 200
    assert counted.count == 2, "\n".join(counted.statements)
    html = response.get_data(as_text=True)
    assert html.count(f'href="/leden/{author.id}">Auteur Anne</a>') == 5  # the case and 4


def test_case_page_thread_authors_loaded_once_each_with_their_organisation(db, client):
    """Authors not loaded with the case come from one query, each with the organisation their
    byline names; a removed author shows as a former member; a rename shows on the next read."""
    case = CaseFactory()
    first, second = UserFactory(name="Eerste Lid"), UserFactory(name="Tweede Lid")
    for n, who in enumerate([first, second, first, None, second]):
        db.session.add(Comment(case=case, author=who, body=f"R{n}", body_html=f"<p>R{n}</p>"))
    case.comment_count = 5
    db.session.commit()
    url = f"/casussen/{case.id}"
    with count_queries(db.engine) as counted:
        html = client.get(url).get_data(as_text=True)
    assert counted.count == 3, "\n".join(counted.statements)
    for who in (first, second):
        assert html.count(f'href="/leden/{who.id}">{who.name}</a>') == 2
        assert html.count(who.organisation.name) >= 2
    assert ">R3</p>" in html
    first.name = "Hernoemd Lid"
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert html.count(f'href="/leden/{first.id}">Hernoemd Lid</a>') == 2
    assert "Eerste Lid" not in html


def test_helpful_marks_are_the_readers_own_and_show_on_the_next_read(db, login):
    case, other_case = CaseFactory(), CaseFactory()
    writer, reader, someone = UserFactory(), UserFactory(), UserFactory()
    first, second = (Comment(case=case, author=writer, body=f"R{n}", body_html=f"<p>R{n}</p>")
                     for n in range(2))
    elsewhere = Comment(case=other_case, author=writer, body="E", body_html="<p>E</p>")
    db.session.add_all([first, second, elsewhere])
    case.comment_count, other_case.comment_count = 2, 1
    db.session.flush()
    # Marks by someone else and by the reader on another case's comment press nothing here.
    db.session.add_all([CommentReaction(comment_id=first.id, user_id=someone.id),
                        CommentReaction(comment_id=second.id, user_id=someone.id),
                        CommentReaction(comment_id=elsewhere.id, user_id=reader.id)])
    db.session.commit()
    url, first_id, second_id = f"/casussen/{case.id}", first.id, second.id
    client = login(reader)
    assert pressed(client.get(url).get_data(as_text=True)) == {
        first_id: "false", second_id: "false"}
    assert client.post(f"{url}/reacties/{second_id}/nuttig").status_code == 302
    assert pressed(client.get(url).get_data(as_text=True)) == {
        first_id: "false", second_id: "true"}
    assert client.post(f"{url}/reacties/{second_id}/nuttig").status_code == 302  # taken back
    assert pressed(client.get(url).get_data(as_text=True)) == {
        first_id: "false", second_id: "false"}


def test_requirements_asked_for_only_when_stored_and_a_new_one_shows_at_once(db, login):
    owner = verified_member()
    case = CaseFactory(author=owner, organisation=owner.organisation)
    db.session.commit()
    url = f"/casussen/{case.id}"
    editor = login(owner)
    editor.get(url)
    with count_queries(db.engine) as counted:
        html = editor.get(url).get_data(as_text=True)
    assert "No requirements yet." in html or "Nog geen eisen." in html
    assert not [s for s in counted.statements if "FROM case_requirement" in s
                and "EXISTS" not in s], counted.statements
    assert editor.post(f"{url}/eisen", data={"kind": "gibit"}).status_code == 302
    html = editor.get(url).get_data(as_text=True)
    assert 'class="requirement-list"' in html
    assert "No requirements yet." not in html and "Nog geen eisen." not in html
