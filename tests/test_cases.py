"""Cases: create, edit, list and filter, revisions, attachments, permissions, limits."""
import io

import pytest
import sqlalchemy as sa

from smartsociety.models import (
    Attachment,
    Case,
    CaseEditor,
    CaseKind,
    CaseRevision,
    OrganisationKind,
    Role,
    Tag,
    Theme,
)
from tests.factories import (
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    UserFactory,
    verified_member,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def case_data(**overrides):
    data = {
        "kind": "dilemma",
        "status": "open",
        "title": "Moeten wij een sensorregister bijhouden?",
        "summary": "Over sensoren in de openbare ruimte.",
        "body": "Wij hangen **sensoren** op. <script>alert(1)</script>",
        "question": "Moeten inwoners kunnen zien welke sensoren er hangen?",
        "values_at_stake": "Transparantie tegen veiligheid",
        "tried": "",
        "legal_frame": "AVG",
        "language": "nl",
        "themes": ["datagedreven-werken", "informatiebeveiliging-en-privacy"],
        "tags": "Sensoren, Privacy ,  sensóren",
        "submit": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(db):
    return UserFactory()


def test_member_creates_dilemma_with_markdown_themes_and_tags(db, login, member):
    response = login(member).post("/casussen/nieuw", data=case_data())
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert response.headers["Location"] == f"/casussen/{case.id}"
    assert case.kind is CaseKind.DILEMMA and case.author_id == member.id
    assert case.organisation_id == member.organisation_id
    assert "<strong>sensoren</strong>" in case.body_html and "<script" not in case.body_html
    assert set(case.themes) == {Theme.DATAGEDREVEN, Theme.INFORMATIEBEVEILIGING}
    # "Sensoren" and "sensóren" fold to the same tag.
    assert sorted(t.slug for t in case.tags) == ["privacy", "sensoren"]
    assert len(case.revisions) == 1


def test_anyone_reads_a_case_and_the_list(client, db):
    case = CaseFactory(title="Slimme lantaarnpalen in Dijkhaven")
    assert client.get(f"/casussen/{case.id}").status_code == 200
    response = client.get("/casussen")
    assert response.status_code == 200 and b"Slimme lantaarnpalen" in response.data


def test_anonymous_cannot_create(client, app):
    response = client.post("/casussen/nieuw", data=case_data())
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "   "},
        {"themes": []},
        {"themes": ["geen-thema"]},
        {"question": ""},
        {"kind": "iets"},
    ],
)
def test_invalid_case_input_is_refused_with_422(db, login, member, overrides):
    response = login(member).post("/casussen/nieuw", data=case_data(**overrides))
    assert response.status_code == 422
    assert b"error-summary" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_body_over_limit_is_refused(app, db, login, member):
    app.config["CASE_BODY_MAX_LENGTH"] = 100
    response = login(member).post("/casussen/nieuw", data=case_data(body="x" * 101))
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_preview_button_renders_without_saving(db, login, member):
    response = login(member).post(
        "/casussen/nieuw", data=case_data(body="*schuin*", submit=None, preview="1")
    )
    assert response.status_code == 200
    assert b"<em>schuin</em>" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_missing_case_is_404(client):
    assert client.get("/casussen/9999").status_code == 404
    assert client.get("/casussen/9999/geschiedenis").status_code == 404


def test_author_edits_and_history_shows_diff(db, login, member):
    client = login(member)
    client.post("/casussen/nieuw", data=case_data())
    case = db.session.scalar(sa.select(Case))
    response = client.post(
        f"/casussen/{case.id}/bewerken",
        data=case_data(title="Moeten wij een openbaar sensorregister bijhouden?"),
    )
    assert response.status_code == 302
    case = db.session.get(Case, case.id)
    assert case.title.startswith("Moeten wij een openbaar")
    assert len(case.revisions) == 2
    history = client.get(f"/casussen/{case.id}/geschiedenis")
    assert history.status_code == 200
    assert b"<ins>openbaar </ins>" in history.data or b"<ins>openbaar</ins>" in history.data


def test_editing_someone_elses_case_is_refused(db, login):
    case = CaseFactory()
    stranger = UserFactory()
    client = login(stranger)
    assert client.get(f"/casussen/{case.id}/bewerken").status_code == 403
    response = client.post(f"/casussen/{case.id}/bewerken", data=case_data(title="Gekaapt"))
    assert response.status_code == 403
    assert db.session.get(Case, case.id).title != "Gekaapt"


def test_colleague_given_rights_may_edit_and_moderator_may_edit(db, login):
    case = CaseFactory(kind=CaseKind.PROJECT, author=verified_member())
    colleague = UserFactory(organisation=case.author.organisation)
    assert login(colleague).get(f"/casussen/{case.id}/bewerken").status_code == 403
    # Only the author hands out rights.
    assert login(colleague).post(
        f"/casussen/{case.id}/bewerkers", data={"user_id": colleague.id}
    ).status_code == 403
    response = login(case.author).post(
        f"/casussen/{case.id}/bewerkers", data={"user_id": colleague.id}
    )
    assert response.status_code == 302
    assert login(colleague).get(f"/casussen/{case.id}/bewerken").status_code == 200
    data = case_data(kind="project", status="pilot", title="Nieuwe titel", question="")
    assert login(colleague).post(f"/casussen/{case.id}/bewerken", data=data).status_code == 302
    moderator = UserFactory(role=Role.MODERATOR)
    assert login(moderator).get(f"/casussen/{case.id}/bewerken").status_code == 200
    login(case.author).post(f"/casussen/{case.id}/bewerkers/{colleague.id}/verwijderen")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEditor)) == 0
    assert login(colleague).get(f"/casussen/{case.id}/bewerken").status_code == 403


def test_someone_from_another_organisation_cannot_be_made_editor(db, login):
    case = CaseFactory()
    outsider = UserFactory()
    response = login(case.author).post(
        f"/casussen/{case.id}/bewerkers", data={"user_id": outsider.id}
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEditor)) == 0


def test_attachment_checked_by_content_and_served_as_download(app, db, login, member, tmp_path):
    client = login(member)
    data = case_data(attachment=(io.BytesIO(PDF), "rapport.pdf"))
    response = client.post("/casussen/nieuw", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.content_type == "application/pdf"
    assert attachment.stored_name != "rapport.pdf"
    assert (tmp_path / "uploads" / attachment.stored_name).read_bytes() == PDF
    download = client.get(f"/casussen/{attachment.case_id}/bijlagen/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "rapport.pdf" in download.headers["Content-Disposition"]
    assert download.data == PDF
    download.close()


def test_attachment_with_lying_name_is_refused(db, login, member):
    data = case_data(attachment=(io.BytesIO(b"<html><script>alert(1)</script>"), "nep.pdf"))
    response = login(member).post("/casussen/nieuw", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_attachment_over_size_is_refused(app, db, login, member):
    app.config["ATTACHMENT_MAX_BYTES"] = 20
    data = case_data(attachment=(io.BytesIO(PNG), "foto.png"))
    response = login(member).post("/casussen/nieuw", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_list_filters_sorting_and_pages(app, client, db):
    gemeente_case = CaseFactory(kind=CaseKind.PROJECT, title="Project A", language="en")
    gemeente_case.themes.append(Theme.DIENSTVERLENING)
    company = OrganisationFactory(name="Bedrijf B.V.", kind=OrganisationKind.BEDRIJF)
    dilemma = CaseFactory(title="Dilemma B", author=UserFactory(organisation=company),
                          comment_count=5)
    tag = Tag(slug="sensoren", name="Sensoren")
    dilemma.tags.append(tag)
    db.session.commit()

    def titles(query):
        response = client.get("/casussen" + query)
        assert response.status_code == 200
        return [t for t in ("Project A", "Dilemma B") if t.encode() in response.data]

    assert titles("?kind=project") == ["Project A"]
    assert titles("?kind=dilemma&status=open") == ["Dilemma B"]
    assert titles("?theme=dienstverlening") == ["Project A"]
    assert titles("?organisation_kind=bedrijf") == ["Dilemma B"]
    assert titles("?tag=sensoren") == ["Dilemma B"]
    assert titles("?language=en") == ["Project A"]
    response = client.get("/casussen?sort=discussed")
    assert response.data.index(b"Dilemma B") < response.data.index(b"Project A")
    assert client.get("/casussen?theme=onbekend").status_code == 400
    app.config["PER_PAGE"] = 1
    page2 = client.get("/casussen?kind=&sort=newest&page=2")
    assert b"kind=&amp;sort=newest&amp;page=1" in page2.data or b"page=1" in page2.data


def test_theme_and_tag_pages(client, db):
    case = CaseFactory(title="Over diensten")
    case.themes.append(Theme.DIENSTVERLENING)
    case.tags.append(Tag(slug="slimme-verlichting", name="Slimme verlichting"))
    db.session.commit()
    assert b"Over diensten" in client.get("/themas/dienstverlening").data
    assert b"Over diensten" in client.get("/tags/slimme-verlichting").data
    assert b"Over diensten" not in client.get("/themas/innovatie-en-onderzoek").data
    assert client.get("/themas/bestaat-niet").status_code == 404
    assert client.get("/tags/bestaat-niet").status_code == 404


def test_hidden_case_is_not_listed_or_shown(client, db, login):
    from smartsociety.models import utcnow

    case = CaseFactory(title="Verborgen casus", hidden_at=utcnow())
    assert b"Verborgen casus" not in client.get("/casussen").data
    assert client.get(f"/casussen/{case.id}").status_code == 404
    assert login(case.author).get(f"/casussen/{case.id}").status_code == 200


def test_case_posting_is_rate_limited_for_new_accounts(app, db, login, member):
    app.config["POSTING_LIMIT_NEW_ACCOUNT"] = "2 per hour"
    client = login(member)
    codes = [
        client.post("/casussen/nieuw", data=case_data(title=f"Casus {n}")).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_older_accounts_get_the_wider_limit(app, db, login):
    from datetime import timedelta

    from smartsociety.models import utcnow

    veteran = UserFactory(created_at=utcnow() - timedelta(days=3))
    app.config["POSTING_LIMIT_NEW_ACCOUNT"] = "1 per hour"
    app.config["POSTING_LIMIT"] = "3 per hour"
    client = login(veteran)
    codes = [
        client.post("/casussen/nieuw", data=case_data(title=f"Casus {n}")).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 302]


def test_preview_api_returns_sanitised_html(db, login, member, client):
    response = login(member).post(
        "/api/preview", json={"text": "**vet** <img src=x onerror=alert(1)>"}
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>vet</strong>" in html and "onerror" not in html
    assert client.post("/api/preview", json={"text": "x"}).status_code == 401
    assert login(member).post("/api/preview", json={"tekst": 1}).status_code == 400


def test_case_revision_records_editor(db, login, member):
    login(member).post("/casussen/nieuw", data=case_data())
    revision = db.session.scalar(sa.select(CaseRevision))
    assert revision.editor_id == member.id
    assert revision.data["title"] == "Moeten wij een sensorregister bijhouden?"


def test_list_does_not_query_per_row(app, client, db):
    from tests.querycount import count_queries

    for _ in range(3):
        CommentFactory()
    with count_queries(db.engine) as few:
        client.get("/casussen")
    for _ in range(15):
        CaseFactory()
    with count_queries(db.engine) as many:
        client.get("/casussen")
    assert many.count == few.count


def test_home_shows_recent_cases(client, db):
    CaseFactory(title="Recent besproken casus")
    assert b"Recent besproken casus" in client.get("/").data


def test_demo_cases_load_once(app, db):
    from smartsociety.demo import data, together

    first = data.load("pbkdf2:sha256:1000")
    db.session.commit()
    assert data.load("pbkdf2:sha256:1000") == 0
    cases = db.session.scalars(sa.select(Case)).all()
    assert first > 0 and len(cases) == len(data.CASES) + together.CASES_ADDED
    assert any(c.status == "answered" for c in cases)


def test_changing_kind_on_edit_and_history_uses_display_names(db, login, member):
    client = login(member)
    client.post("/casussen/nieuw", data=case_data())
    case = db.session.scalar(sa.select(Case))
    client.post("/taal/en")
    data = case_data(kind="project", status="pilot", question="")
    assert client.post(f"/casussen/{case.id}/bewerken", data=data).status_code == 302
    case = db.session.get(Case, case.id)
    assert case.kind is CaseKind.PROJECT and case.status == "pilot" and case.question == ""
    history = client.get(f"/casussen/{case.id}/geschiedenis").data
    assert b"<del>Dilemma</del><ins>Project</ins>" in history
    assert b"<ins>Pilot</ins>" in history


def test_attachment_removed_by_editor_only(db, login, member, tmp_path):
    client = login(member)
    data = case_data(attachment=(io.BytesIO(PNG), "kaart.png"))
    client.post("/casussen/nieuw", data=data, content_type="multipart/form-data")
    attachment = db.session.scalar(sa.select(Attachment))
    stored = tmp_path / "uploads" / attachment.stored_name
    case_id = attachment.case_id
    url = f"/casussen/{case_id}/bijlagen/{attachment.id}/verwijderen"
    assert login(UserFactory()).post(url).status_code == 403
    assert stored.exists()
    assert client.post(url).status_code == 302
    assert not stored.exists()
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert client.get(f"/casussen/{case_id}/bijlagen/999").status_code == 404
