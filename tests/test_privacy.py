"""My data (export), delete my account, versioned terms; open-data dumps and catalogue."""
import csv
import io
import json
from pathlib import Path

import sqlalchemy as sa

from smartsociety.models import (
    AuditEntry,
    Comment,
    DataExport,
    Follow,
    FollowTarget,
    MailOutbox,
    Notification,
    PolicyAcceptance,
    PolicyKind,
    User,
    utcnow,
)
from smartsociety.opendata import services as opendata
from smartsociety.privacy import export, policies
from tests.factories import TEST_PASSWORD, CaseFactory, CommentFactory, SolutionFactory, UserFactory


def test_export_has_everything_of_the_member_and_nothing_private_of_others(app, db, login):
    me = UserFactory(name="Anna Export", bio="Mijn bio")
    other = UserFactory(name="Bert Ander", email="bert@example.org")
    case = CaseFactory(author=me, title="Mijn casus")
    CommentFactory(case=case, author=me, body="Mijn reactie")
    CommentFactory(case=case, author=me, body="Verborgen maar van mij", hidden_at=utcnow())
    CommentFactory(case=case, author=other, body="Reactie van Bert")
    db.session.add(Follow(user_id=me.id, target=FollowTarget.CASE, key=str(case.id)))
    secret_case = CaseFactory(author=other, title="Geheime casus van Bert", hidden_at=utcnow())
    db.session.add(Notification(user_id=me.id, kind="new_case", case_id=secret_case.id,
                                group_key="x", title=secret_case.title))
    db.session.commit()
    client = login(me)
    assert client.post("/mijn-gegevens/aanvragen").status_code == 302
    row = db.session.scalar(sa.select(DataExport))
    assert row.is_ready  # a small account gets it at once
    response = client.get(f"/mijn-gegevens/download/{row.id}")
    text = response.get_data(as_text=True)
    response.close()
    data = json.loads(text)
    assert data["profile"]["name"] == "Anna Export" and data["profile"]["bio"] == "Mijn bio"
    assert [c["title"] for c in data["cases"]] == ["Mijn casus"]
    assert {c["body"] for c in data["comments"]} == {"Mijn reactie", "Verborgen maar van mij"}
    assert data["follows"][0]["key"] == str(case.id)
    assert "bert@example.org" not in text and "Reactie van Bert" not in text
    assert "Geheime casus" not in text
    assert "password_hash" not in text
    # Only the owner downloads it.
    assert login(other).get(f"/mijn-gegevens/download/{row.id}").status_code == 404


def test_large_accounts_are_prepared_in_the_background_and_mailed(app, db, login):
    app.config["EXPORT_INLINE_LIMIT"] = 0
    me = UserFactory()
    CaseFactory(author=me)
    client = login(me)
    client.post("/mijn-gegevens/aanvragen")
    row = db.session.scalar(sa.select(DataExport))
    assert not row.is_ready
    assert export.prepare_pending() == 1
    db.session.refresh(row)
    assert row.is_ready and Path(export.path_of(row)).exists()
    outbox = db.session.scalar(sa.select(MailOutbox).where(MailOutbox.user_id == me.id))
    note = db.session.scalar(sa.select(Notification).where(Notification.outbox_id == outbox.id))
    assert "/mijn-gegevens" in note.title
    # It expires.
    row.expires_at = utcnow().replace(year=2000)
    db.session.commit()
    assert client.get(f"/mijn-gegevens/download/{row.id}").status_code == 404
    export.prepare_pending()
    assert db.session.scalar(sa.select(DataExport)) is None


def test_delete_account_erases_the_person_and_keeps_threads(app, db, login):
    me = UserFactory(name="Zwaluw Pietersen", email="zwaluw@example.org", bio="Over mij")
    case = CaseFactory(title="Lantaarnpalen met camera's")
    comment = CommentFactory(case=case, author=me, body="Ik twijfel over lantaarnpalen")
    db.session.add(Follow(user_id=me.id, target=FollowTarget.CASE, key=str(case.id)))
    db.session.commit()
    reader = app.test_client()
    before = reader.get(f"/casussen/{case.id}")
    assert "Zwaluw Pietersen" in before.get_data(as_text=True)
    assert reader.get(f"/casussen/{case.id}").headers.get("X-Page-Cache") == "hit"
    client = login(me)
    wrong = client.post("/account-verwijderen", data={"password": "fout", "confirm": "y"})
    assert wrong.status_code == 422 and db.session.get(User, me.id).erased_at is None
    done = client.post("/account-verwijderen", data={"password": TEST_PASSWORD, "confirm": "y"})
    assert done.status_code == 302
    user = db.session.get(User, me.id)
    assert user.erased_at and user.name == "voormalig lid" and user.bio == ""
    assert "zwaluw" not in user.email
    assert db.session.scalar(sa.select(Follow).where(Follow.user_id == me.id)) is None
    # The session ended; the thread still reads, attributed to a former member.
    assert client.get("/mijn-gegevens").status_code == 302
    page = reader.get(f"/casussen/{case.id}").get_data(as_text=True)  # the cache followed
    assert "Ik twijfel over lantaarnpalen" in page and "Zwaluw" not in page
    assert "voormalig lid" in page
    api = app.test_client().get(f"/api/v1/cases/{case.id}").get_json()
    assert api["comments"][0]["author"] == {"id": None, "name": "voormalig lid"}
    # Search still finds the contribution, and nothing names the person.
    found = app.test_client().get("/api/v1/search?q=lantaarnpalen").get_json()
    assert {hit["id"] for hit in found["items"] if hit["type"] == "comment"} == {comment.id}
    assert app.test_client().get("/api/v1/search?q=Zwaluw").get_json()["total"] == 0
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account_erase"))
    assert audit.target_label == "voormalig lid"
    # The same address registers again and starts clean.
    response = app.test_client().post("/registreren", data={
        "name": "Zwaluw Pietersen", "email": "zwaluw@example.org",
        "password": "een lang nieuw wachtwoord 2026", "password_confirm":
        "een lang nieuw wachtwoord 2026", "organisation": str(case.organisation_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    fresh = db.session.scalar(User.by_email("zwaluw@example.org"))
    assert fresh.id != me.id
    assert db.session.scalar(sa.select(Follow).where(Follow.user_id == fresh.id)) is None
    assert db.session.get(Comment, comment.id).author_id == me.id


def _with_two_factor(db):
    import pyotp

    from smartsociety.twofactor import services as twofactor

    me = UserFactory(name="Tweede Factor")
    secret = pyotp.random_base32()
    codes = twofactor.enable(me, secret, 0)
    db.session.commit()
    return me, pyotp.TOTP(secret), codes


def test_with_two_factor_sign_in_deleting_needs_a_code_too(app, db, login):
    me, totp, _codes = _with_two_factor(db)
    client = login(me)
    assert 'name="code"' in client.get("/mijn-gegevens").get_data(as_text=True)
    missing = client.post("/account-verwijderen", data={"password": TEST_PASSWORD,
                                                        "confirm": "y"})
    assert missing.status_code == 422
    assert "Enter a code" in missing.get_data(as_text=True) or \
        "Vul een code" in missing.get_data(as_text=True)
    wrong = client.post("/account-verwijderen", data={"password": TEST_PASSWORD,
                                                      "code": "000000", "confirm": "y"})
    assert wrong.status_code == 422
    # The right code with a wrong password erases nothing either (and the code is not used).
    bad_password = client.post("/account-verwijderen", data={"password": "fout",
                                                             "code": totp.now(), "confirm": "y"})
    assert bad_password.status_code == 422
    user = db.session.get(User, me.id)
    assert user.erased_at is None and user.name == "Tweede Factor"
    db.session.rollback()
    done = client.post("/account-verwijderen", data={"password": TEST_PASSWORD,
                                                     "code": totp.now(), "confirm": "y"})
    assert done.status_code == 302
    user = db.session.get(User, me.id)
    assert user.erased_at is not None and user.totp_secret is None


def test_a_recovery_code_also_confirms_the_deletion(app, db, login):
    from smartsociety.models import RecoveryCode

    me, _totp, codes = _with_two_factor(db)
    client = login(me)
    done = client.post("/account-verwijderen", data={"password": TEST_PASSWORD,
                                                     "code": codes[3], "confirm": "y"})
    assert done.status_code == 302
    assert db.session.get(User, me.id).erased_at is not None
    assert db.session.scalar(sa.select(RecoveryCode).where(RecoveryCode.user_id == me.id)) is None


def test_admin_erases_on_request_and_it_is_logged(app, db, login):
    admin = UserFactory(role="admin")
    member = UserFactory(name="Op Verzoek")
    users_page = login(admin).get("/beheer/leden").get_data(as_text=True)
    assert f"/beheer/leden/{member.id}/wissen" in users_page
    assert login(UserFactory()).post(f"/beheer/leden/{member.id}/wissen").status_code == 403
    response = login(admin).post(f"/beheer/leden/{member.id}/wissen",
                                 data={"reason": "Verzoek per brief, 1 dec", "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(User, member.id).erased_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account_erase"))
    assert entry.actor_id == admin.id and "Op Verzoek" not in entry.target_label


def test_new_terms_must_be_accepted_before_posting(app, db, login):
    moderator = UserFactory(role="moderator")
    member = UserFactory()
    case = CaseFactory()
    mod = login(moderator)
    mod.post("/voorwaarden/publiceren", data={"kind": "terms", "summary": "Eerste versie",
                                              "body": "# Voorwaarden"})
    assert policies.current(PolicyKind.TERMS).version == 1
    client = login(member)
    assert "I accept the new versions" in client.get("/").get_data(as_text=True) or \
        "Ik accepteer" in client.get("/").get_data(as_text=True)
    refused = client.post(f"/casussen/{case.id}/reacties", data={"body": "Hallo daar"})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
    # The refusal page carries the text; accepting sends it on (307 keeps method and body).
    html = refused.get_data(as_text=True)
    assert 'name="body" value="Hallo daar"' in html
    assert f'name="resume" value="/casussen/{case.id}/reacties"' in html
    resumed = client.post("/voorwaarden/accepteren", data={
        "resume": f"/casussen/{case.id}/reacties", "body": "Hallo daar"})
    assert resumed.status_code == 307
    assert client.post(resumed.headers["Location"], data={"body": "Hallo daar"}).status_code \
        == 302
    assert db.session.scalar(sa.select(Comment.body)) == "Hallo daar"
    accepted = db.session.scalar(sa.select(PolicyAcceptance))
    assert (accepted.user_id, accepted.version) == (member.id, 1) and accepted.accepted_at
    assert client.post("/voorwaarden/accepteren", data={"resume": "https://evil.example/x"}
                       ).headers["Location"] == "/"
    # A new version asks again; registering accepts the current ones.
    mod.post("/voorwaarden/publiceren", data={"kind": "terms", "summary": "Tweede",
                                              "body": "Nieuw"})
    assert policies.pending(db.session.get(User, member.id))
    assert "Nieuw" in app.test_client().get("/voorwaarden").get_data(as_text=True)


def test_open_data_dumps_parse_and_the_catalogue_lists_each_file(app, db, tmp_path):
    CaseFactory(title="Openbare casus")
    CaseFactory(title="Verborgen casus", hidden_at=utcnow())
    SolutionFactory()
    directory = opendata.export(tmp_path / "od")
    catalogue = json.loads((directory / opendata.CATALOG).read_text())
    listed = {d["dcat:downloadURL"]["@id"].rsplit("/", 1)[-1]
              for ds in catalogue["dcat:dataset"] for d in ds["dcat:distribution"]}
    files = {p.name for p in directory.iterdir()} - {opendata.CATALOG}
    geo = [d for d in opendata.DATASETS if d.features is not None]
    assert listed == files and len(files) == 2 * len(opendata.DATASETS) + len(geo)
    for dataset in catalogue["dcat:dataset"]:
        for key in ("dct:title", "dct:description", "dct:license", "dct:publisher",
                    "dcat:theme", "dct:modified"):
            assert dataset[key], key
    cases_json = json.loads((directory / "casussen.json").read_text())
    assert [c["title"] for c in cases_json] == ["Openbare casus"]
    rows = list(csv.DictReader(io.StringIO((directory / "casussen.csv").read_text())))
    assert [r["title"] for r in rows] == ["Openbare casus"]
    assert "Verborgen" not in "".join(p.read_text() for p in directory.iterdir())


def test_open_data_page_lists_datasets_with_licence(app, db):
    client = app.test_client()
    assert "CC BY 4.0" in client.get("/open-data").get_data(as_text=True)
    CaseFactory()
    opendata.export()
    page = client.get("/open-data").get_data(as_text=True)
    assert "casussen.csv" in page
    download = client.get("/open-data/casussen.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    download.close()
    assert client.get("/open-data/../secret").status_code == 404


def test_a_dataset_with_places_is_also_written_as_geojson(app, db, tmp_path, monkeypatch):
    """The extension point the sensor register uses: a dataset with `features`."""
    dataset = opendata.Dataset(
        "meetpunten", "Meetpunten", "Een proef.", ["Bestuur"],
        rows=lambda: [{"id": 1, "name": "Sensor 1"}],
        features=lambda: [{"type": "Feature", "properties": {"id": 1},
                           "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}}])
    monkeypatch.setattr(opendata, "DATASETS", [dataset])
    directory = opendata.export(tmp_path / "geo")
    geo = json.loads((directory / "meetpunten.geojson").read_text())
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"
    catalogue = json.loads((directory / opendata.CATALOG).read_text())
    formats = {d["dcat:mediaType"] for d in catalogue["dcat:dataset"][0]["dcat:distribution"]}
    assert formats == {"application/json", "text/csv", "application/geo+json"}


def test_sensor_register_is_dumped_as_csv_json_and_geojson(app, db, tmp_path):
    from smartsociety.models import OrganisationKind
    from smartsociety.sensors import geometry
    from tests.factories import OrganisationFactory, verified_member
    from tests.test_sensors import assert_rfc7946, make_sensor

    gemeente = OrganisationFactory(name="Gemeente Turfbrug", kind=OrganisationKind.GEMEENTE,
                                   verified_at=utcnow())
    owner = verified_member(OrganisationKind.BEDRIJF)
    camera = make_sensor(owner, gemeente, name="Camera Markt", sensor_type="camera",
                         personal_data=True, legal_basis="public_task")
    area = make_sensor(owner, gemeente, name="Wifi-gebied", sensor_type="wifi_tracker",
                       geometry=geometry.area("52.20, 5.30\n52.21, 5.30\n52.21, 5.31"))
    make_sensor(owner, gemeente, name="Wacht op beoordeling", accepted=False)
    directory = opendata.export(tmp_path / "od")
    rows = json.loads((directory / "sensoren.json").read_text())
    assert {r["name"] for r in rows} == {"Camera Markt", "Wifi-gebied"}
    by_name = {r["name"]: r for r in rows}
    assert by_name["Camera Markt"]["legal_basis"] == "public_task"
    assert by_name["Wifi-gebied"]["geometry"]["type"] == "Polygon"
    table = list(csv.DictReader(io.StringIO((directory / "sensoren.csv").read_text())))
    assert {r["name"] for r in table} == {"Camera Markt", "Wifi-gebied"}
    flat = {r["name"]: r for r in table}
    assert json.loads(flat["Camera Markt"]["geometry"])["type"] == "Point"
    assert flat["Camera Markt"]["gemeente"] == "Gemeente Turfbrug"
    collection = json.loads((directory / "sensoren.geojson").read_text())
    assert_rfc7946(collection)
    assert {f["id"] for f in collection["features"]} == {camera.id, area.id}
    assert all(f["properties"]["url"].startswith(app.config["SITE_URL"])
               for f in collection["features"])
    for path in directory.iterdir():
        assert "Wacht op beoordeling" not in path.read_text()
    catalogue = json.loads((directory / opendata.CATALOG).read_text())
    sensors = next(d for d in catalogue["dcat:dataset"] if d["@id"].endswith("#sensoren"))
    assert {d["dcat:downloadURL"]["@id"].rsplit("/", 1)[-1]
            for d in sensors["dcat:distribution"]} == {
        "sensoren.csv", "sensoren.json", "sensoren.geojson"}
    assert "application/geo+json" in {d["dcat:mediaType"] for d in sensors["dcat:distribution"]}
    app.config["OPENDATA_DIR"] = str(directory)
    page = app.test_client().get("/open-data").get_data(as_text=True)
    assert "sensoren.geojson" in page and "Sensorregister" in page
    download = app.test_client().get("/open-data/sensoren.geojson")
    assert download.mimetype == "application/geo+json"
    download.close()
