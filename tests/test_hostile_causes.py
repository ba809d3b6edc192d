"""One test per cause of a 500 the attacker probe found (issue 16, items 1-9), each failing
before its fix. The sweeps over every route are in test_hostile.py."""
import io

import pytest
import sqlalchemy as sa

from smartsociety import create_app
from smartsociety.config import ProductionConfig
from smartsociety.mail import build_message
from smartsociety.models import Attachment, Case, ContactMessage, Role
from tests.factories import CaseFactory, OrganisationFactory, SolutionFactory, UserFactory
from tests.test_cases import PDF, case_data


@pytest.fixture
def member(db):
    return UserFactory()


# 1. Integer path parameters out of range


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "9" * 40])
def test_out_of_range_ids_are_not_found(client, db, number):
    assert client.get(f"/casussen/{number}").status_code == 404
    assert client.get(f"/leden/{number}").status_code == 404


def test_out_of_range_query_ids_are_ignored(client, db):
    case = CaseFactory()
    assert client.get(f"/casussen/{case.id}?reply_to=99999999999999999999").status_code == 200
    assert client.get("/casussen?page=99999999999999999999999").status_code == 200


# 2. Whitespace-only filter values


@pytest.mark.parametrize("value", [" ", "\t", "\u00a0", "\u3000"])
def test_whitespace_filters_are_no_filter(client, db, value):
    assert client.get("/oplossingen", query_string={"theme": value}).status_code == 200
    assert client.get("/organisaties", query_string={"kind": value}).status_code == 200
    assert client.get("/casussen", query_string={"theme": value}).status_code == 200


def test_unknown_filter_value_is_refused_with_a_message(client, db):
    response = client.get("/oplossingen?theme=geen-thema")
    assert response.status_code < 500


# 3. Control characters


def test_control_characters_are_removed_from_every_form_field(db, login, member):
    response = login(member).post("/casussen/nieuw", data=case_data(
        title="x\x01y\x0bz\x00", summary="a\x1bb", body="regel\x7f\x85\ttab\r\nnieuw"))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.title == "xyz" and case.summary == "ab"
    assert case.body == "regel\ttab\r\nnieuw"


def test_feeds_survive_control_characters_already_stored(client, db):
    # Stored before input was cleaned (NUL only where the database can hold it).
    CaseFactory(title="x\x01y\x0bz", summary="s\x0cs")
    response = client.get("/feeds/casussen.atom")
    assert response.status_code == 200
    assert b"x y z" in response.data
    assert client.get("/feeds/zoeken.atom?q=%00").status_code == 200
    assert client.get("/feeds/zoeken.atom?q=a%01b").status_code == 200


# 4. Mail header values


@pytest.mark.parametrize("subject", ["a\x0bb", "a\x0cb", "a\u2028b", "a\u2029b\x85c"])
def test_mail_headers_are_one_line(app, subject):
    with app.test_request_context():
        message = build_message("lid@example.org", f"Smart Society: {subject}", "tekst")
        assert message.as_bytes()
        assert message["Subject"].startswith("Smart Society: a ")


def test_contact_message_with_line_separators_is_stored_and_mailed(app, db, login):
    solution = SolutionFactory()
    receivers = [UserFactory(organisation=solution.organisation) for _ in range(2)]
    sender = UserFactory(organisation=OrganisationFactory())
    response = login(sender).post(f"/oplossingen/{solution.id}/contact", data={
        "subject": "Vraag\x0b over\u2028koppeling\x0c", "body": "Werkt het?"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ContactMessage.id))) == 1
    from smartsociety.notify.outbox import drain_outbox

    drain_outbox()  # contact mail goes through the outbox (issue 17)
    sent = app.extensions.get("mail_outbox", [])
    assert sorted(m["To"] for m in sent) == sorted(u.email for u in receivers)


# 5. Case edit without the tags field


def test_case_edit_without_tags_keeps_the_tags(db, login, member):
    client = login(member)
    client.post("/casussen/nieuw", data=case_data(tags="Sensoren"))
    case = db.session.scalar(sa.select(Case))
    data = case_data(title="Nieuwe titel")
    del data["tags"]
    response = client.post(f"/casussen/{case.id}/bewerken", data=data)
    assert response.status_code == 302
    case = db.session.get(Case, case.id)
    assert case.title == "Nieuwe titel" and [t.name for t in case.tags] == ["Sensoren"]


# 6. JSON that is not an object


@pytest.mark.parametrize("body", ["[1]", '"x"', "1", "null", "[" * 100_000 + "]" * 100_000,
                                  '{"text": ' * 50_000 + "1" + "}" * 50_000])
def test_preview_refuses_json_that_is_not_an_object(db, login, member, body):
    response = login(member).post("/api/preview", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json


# 7. Moderation log filter


def test_moderation_log_actor_out_of_range(db, login):
    moderator = UserFactory(role=Role.MODERATOR)
    client = login(moderator)
    assert client.get("/moderatie/logboek?actor=99999999999999999999").status_code == 200
    assert client.get("/moderatie/logboek.csv?actor=-1").status_code == 200


# 8. Host header


def test_host_with_a_label_over_63_characters_is_a_bad_request(client, db):
    response = client.get("/", headers={"Host": "a" * 70 + ".example"})
    assert response.status_code == 400


# 9. NUL (PostgreSQL text cannot hold it; run in the PostgreSQL pass too)


def test_nul_in_forms_and_filters(client, db, login, member):
    response = login(member).post("/casussen/nieuw", data=case_data(title="a\x00b",
                                                                       tags="t\x00ag"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Case.title)) == "ab"
    for url in ("/casussen?q=%00", "/casussen?tag=%00", "/zoeken?q=%00", "/zoeken?tag=a%00"):
        assert client.get(url).status_code < 500, url
    assert client.get("/tags/a%00b").status_code == 404
    assert client.get("/feeds/tags/a%00b.atom").status_code == 404


def test_attachment_name_with_nul_is_stored_without_it(db, login, member):
    client = login(member)
    data = case_data(attachment=(io.BytesIO(PDF), "rap\x00port\x01.pdf"))
    response = client.post("/casussen/nieuw", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert "\x00" not in attachment.filename and "\x01" not in attachment.filename
    download = client.get(f"/casussen/{attachment.case_id}/bijlagen/{attachment.id}")
    assert "\x00" not in download.headers["Content-Disposition"]
    download.close()


def test_production_app_refuses_unknown_hosts(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 64)
    monkeypatch.setattr(ProductionConfig, "SITE_URL", "https://smartsociety.example")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setattr(ProductionConfig, "GC_FREEZE", False)  # would stay frozen for later tests
    app = create_app("production")
    client = app.test_client()
    css = "/static/css/site.css"
    evil = client.get(css, base_url="https://evil.example")
    assert evil.status_code == 400
    ours = client.get(css, base_url="https://smartsociety.example")
    ours.close()
    assert ours.status_code == 200
    # HTTPS only with HSTS by default.
    assert app.config["FORCE_HTTPS"] is True
    assert "max-age" in ours.headers.get("Strict-Transport-Security", "")
