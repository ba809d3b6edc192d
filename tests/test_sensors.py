"""The sensor register: registration, review, late flag, "still there?" and expiry, permissions,
geometry validation, open data (GeoJSON, CSV, Atom), search facets, links both ways."""
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from smartsociety.extensions import db as _db
from smartsociety.models import (
    ContactMessage,
    Delivery,
    EventKind,
    MissingSensorReport,
    Notification,
    NotificationPreference,
    OrganisationKind,
    ReviewStatus,
    Sensor,
    SensorRevision,
    SensorStatus,
    SensorType,
)
from smartsociety.sensors import services
from tests.conftest import make_config
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    PrincipleFactory,
    UserFactory,
    verified_member,
)

TODAY = date.today()


@pytest.fixture
def app_config(tmp_path, postgres_url):
    return make_config(tmp_path, postgres_url, CONTACT_LIMIT="3 per hour",
                       SENSOR_REPORT_LIMIT="3 per hour")


@pytest.fixture
def turfbrug(db):
    return OrganisationFactory(name="Gemeente Turfbrug", kind=OrganisationKind.GEMEENTE,
                               verified_at=datetime.now(UTC))


@pytest.fixture
def official(turfbrug):
    return verified_member(organisation=turfbrug, name="Ambtenaar Turfbrug")


@pytest.fixture
def company_member(db):
    return verified_member(OrganisationKind.BEDRIJF, name="Verkoper Sensorium")


def form_data(gemeente, owner, **changes) -> dict:
    data = {
        "name": "Camera Stationsplein", "sensor_type": "camera", "geometry_kind": "point",
        "latitude": "52.0907", "longitude": "5.1214", "area": "",
        "gemeente_id": str(gemeente.id), "owner_id": str(owner.id),
        "contact": "privacy@sensorium.example", "purpose": "Drukte meten op het plein.",
        "measures": "Aantal mensen per minuut.", "stored": "Tellingen per uur.",
        "placed_on": (TODAY + timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=300)).isoformat(), "status": "planned",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_sensor(owner_user, gemeente, accepted=True, **changes) -> Sensor:
    """A registration made through the services, as the form would."""
    from smartsociety.sensors import geometry

    fields = dict(
        name="Luchtmeter Markt", sensor_type=SensorType.AIR_QUALITY.value,
        geometry=geometry.point(52.09, 5.12), gemeente_id=gemeente.id,
        owner_id=owner_user.organisation_id, contact="info@example.org",
        purpose="Luchtkwaliteit meten.", measures="Fijnstof (PM2.5).",
        placed_on=TODAY + timedelta(days=10), ends_on=TODAY + timedelta(days=200),
    )
    fields.update(changes)
    sensor = services.create_sensor(owner_user, services.SensorInput(**fields))
    if accepted:
        sensor.review_status = ReviewStatus.ACCEPTED
        _db.session.commit()
    return sensor


# -- registration and revisions ----------------------------------------------------------------

def test_verified_member_registers_a_point_awaiting_review(db, login, turfbrug, company_member,
                                                           client):
    response = login(company_member).post(
        "/sensoren/nieuw", data=form_data(turfbrug, company_member.organisation))
    assert response.status_code == 302, response.data.decode()[:3000]
    sensor = db.session.scalar(db.select(Sensor))
    assert sensor.review_status is ReviewStatus.PENDING
    assert sensor.geometry == {"type": "Point", "coordinates": [5.1214, 52.0907]}
    assert (sensor.lon, sensor.lat) == (5.1214, 52.0907)
    assert sensor.owner_id == company_member.organisation_id and not sensor.late
    assert len(sensor.revisions) == 1
    # Not public until the gemeente accepts it; the owner sees it.
    assert client.get(f"/sensoren/{sensor.id}").status_code == 404
    assert "Camera Stationsplein" not in client.get("/sensoren").data.decode()
    assert json.loads(client.get("/sensoren.geojson").data)["features"] == []
    assert login(company_member).get(f"/sensoren/{sensor.id}").status_code == 200


def test_area_registration_is_stored_counterclockwise(db, login, turfbrug, company_member):
    clockwise = "52.0900, 5.1200\n52.0950, 5.1200\n52.0950, 5.1300\n52.0900, 5.1300"
    response = login(company_member).post("/sensoren/nieuw", data=form_data(
        turfbrug, company_member.organisation, geometry_kind="area", area=clockwise,
        latitude="", longitude="", sensor_type="wifi_tracker"))
    assert response.status_code == 302, response.data.decode()[:3000]
    sensor = db.session.scalar(db.select(Sensor))
    ring = sensor.geometry["coordinates"][0]
    assert sensor.geometry["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 5
    assert _signed_area(ring) > 0
    assert (sensor.min_lon, sensor.min_lat, sensor.max_lon, sensor.max_lat) == (
        5.12, 52.09, 5.13, 52.095)


def test_edit_is_a_revision_with_a_diff_and_no_change_records_none(db, login, turfbrug,
                                                                  company_member):
    sensor = make_sensor(company_member, turfbrug)
    owner = login(company_member)
    page = owner.get(f"/sensoren/{sensor.id}/bewerken")
    assert page.status_code == 200 and 'value="52.09"' in page.data.decode()
    data = form_data(turfbrug, company_member.organisation, name="Luchtmeter Markt",
                     sensor_type="air_quality", latitude="52.09", longitude="5.12",
                     contact="info@example.org", purpose="Luchtkwaliteit meten.",
                     measures="Fijnstof (PM2.5).", stored="",
                     placed_on=sensor.placed_on.isoformat(), ends_on=sensor.ends_on.isoformat())
    assert owner.post(f"/sensoren/{sensor.id}/bewerken", data=data).status_code == 302
    assert db.session.scalar(db.select(db.func.count(SensorRevision.id))) == 1
    data["purpose"] = "Luchtkwaliteit en stikstof meten."
    assert owner.post(f"/sensoren/{sensor.id}/bewerken", data=data).status_code == 302
    assert db.session.scalar(db.select(db.func.count(SensorRevision.id))) == 2
    history = owner.get(f"/sensoren/{sensor.id}/geschiedenis").data.decode()
    assert "<ins>en stikstof meten.</ins>" in history or "<ins>en stikstof" in history


def test_only_verified_members_register(db, login, turfbrug, client):
    response = client.get("/sensoren/nieuw")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    unverified_org = OrganisationFactory(kind=OrganisationKind.BEDRIJF)
    member = UserFactory(organisation=unverified_org)
    response = login(member).post("/sensoren/nieuw", data=form_data(turfbrug, unverified_org))
    assert response.status_code == 403
    assert "geverifieerd" in response.data.decode()
    assert db.session.scalar(db.select(Sensor)) is None


# -- review ----------------------------------------------------------------------------------

def test_gemeente_accepts_and_the_register_shows_it(db, login, turfbrug, official,
                                                   company_member, client):
    sensor = make_sensor(company_member, turfbrug, accepted=False)
    other = verified_member(name="Andere gemeente")
    assert login(other).post(f"/sensoren/{sensor.id}/accepteren").status_code == 404
    assert login(company_member).post(f"/sensoren/{sensor.id}/accepteren").status_code == 403
    assert login(company_member).get("/sensoren/beoordelen").status_code == 403
    queue = login(official).get("/sensoren/beoordelen").data.decode()
    assert "Luchtmeter Markt" in queue
    assert login(official).post(f"/sensoren/{sensor.id}/accepteren").status_code == 302
    assert db.session.get(Sensor, sensor.id).review_status is ReviewStatus.ACCEPTED
    assert "Luchtmeter Markt" in client.get("/sensoren").data.decode()
    assert client.get(f"/sensoren/{sensor.id}").status_code == 200
    kinds = db.session.scalars(db.select(Notification.kind).where(
        Notification.user_id == company_member.id)).all()
    assert EventKind.SENSOR_REVIEW in kinds


def test_review_question_thread(db, login, turfbrug, official, company_member):
    sensor = make_sensor(company_member, turfbrug, accepted=False)
    reviewer = login(official)
    assert reviewer.post(f"/sensoren/{sensor.id}/vragen",
                         data={"body": "Waarom 28 dagen bewaren?"}).status_code == 302
    notified = db.session.scalar(db.select(Notification).where(
        Notification.user_id == company_member.id))
    assert notified.kind is EventKind.SENSOR_QUESTION
    assert notified.path == f"/sensoren/{sensor.id}"
    owner = login(company_member)
    assert f"/sensoren/{sensor.id}" in owner.get("/meldingen").data.decode()
    assert owner.post(f"/sensoren/{sensor.id}/vragen",
                      data={"body": "Wettelijke termijn."}).status_code == 302
    assert db.session.scalar(db.select(Notification).where(
        Notification.user_id == official.id)).kind is EventKind.SENSOR_QUESTION
    page = owner.get(f"/sensoren/{sensor.id}").data.decode()
    assert "Waarom 28 dagen bewaren?" in page and "Wettelijke termijn." in page
    outsider = verified_member(OrganisationKind.BEDRIJF)
    sensor_accepted = db.session.get(Sensor, sensor.id)
    sensor_accepted.review_status = ReviewStatus.ACCEPTED
    db.session.commit()
    assert login(outsider).post(f"/sensoren/{sensor.id}/vragen",
                                data={"body": "Mag ik meepraten?"}).status_code == 403
    assert "Waarom 28 dagen" not in login(outsider).get(f"/sensoren/{sensor.id}").data.decode()


def test_a_moderator_reviews_anywhere(db, login, turfbrug, company_member):
    from smartsociety.models import Role

    sensor = make_sensor(company_member, turfbrug, accepted=False)
    moderator = UserFactory(role=Role.MODERATOR)
    assert login(moderator).post(f"/sensoren/{sensor.id}/accepteren").status_code == 302


@pytest.mark.parametrize("days_ahead, late", [(0, True), (4, True), (5, False), (30, False)])
def test_late_flag(db, login, turfbrug, company_member, days_ahead, late):
    # Today as the test runs, not as the module was imported: a run that crosses midnight
    # moved the boundary by a day (days_ahead=5 came out late once).
    placed = (date.today() + timedelta(days=days_ahead)).isoformat()
    response = login(company_member).post("/sensoren/nieuw", data=form_data(
        turfbrug, company_member.organisation, placed_on=placed))
    assert response.status_code == 302
    sensor = db.session.scalar(db.select(Sensor))
    assert sensor.late is late
    assert ("Te laat" in login(company_member).get(f"/sensoren/{sensor.id}").data.decode()) is late


# -- "still there?" and expiry ---------------------------------------------------------------

def test_still_there_is_asked_after_the_end_date_then_expired(app, db, login, turfbrug,
                                                              company_member, smtp_server):
    db.session.add(NotificationPreference(user_id=company_member.id,
                                          kind=EventKind.SENSOR_STILL_THERE,
                                          delivery=Delivery.IMMEDIATE))
    db.session.commit()
    ended = make_sensor(company_member, turfbrug, name="Oude teller",
                        placed_on=TODAY - timedelta(days=100), ends_on=TODAY - timedelta(days=1),
                        status="active")
    current = make_sensor(company_member, turfbrug, name="Nieuwe teller")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sensors", "expire"])
    assert result.exit_code == 0 and "1 owner(s) asked" in result.output
    assert db.session.get(Sensor, ended.id).still_there_asked_at is not None
    assert db.session.get(Sensor, current.id).still_there_asked_at is None
    notification = db.session.scalar(db.select(Notification).where(
        Notification.kind == EventKind.SENSOR_STILL_THERE))
    assert notification.user_id == company_member.id
    # Mailed through the outbox, with a link to the sensor.
    from smartsociety.notify.outbox import drain_outbox

    assert drain_outbox() == 1
    mail = smtp_server.messages[0].content.decode()
    assert f"/sensoren/{ended.id}" in mail
    # Asking twice asks nothing twice.
    assert "0 owner(s) asked" in runner.invoke(args=["sensors", "expire"]).output
    # Unanswered for longer than SENSOR_EXPIRY_DAYS: expired, not deleted.
    sensor = db.session.get(Sensor, ended.id)
    sensor.still_there_asked_at = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    assert "1 registration(s) marked expired" in runner.invoke(
        args=["sensors", "expire"]).output
    sensor = db.session.get(Sensor, ended.id)
    assert sensor.expired_at is not None
    client = app.test_client()
    assert client.get(f"/sensoren/{ended.id}").status_code == 200
    expired = json.loads(client.get("/sensoren.geojson?status=expired").data)
    assert [f["id"] for f in expired["features"]] == [ended.id]
    assert expired["features"][0]["properties"]["status"] == "expired"
    current_ids = [f["id"] for f in json.loads(client.get("/sensoren.geojson").data)["features"]]
    assert current_ids == [current.id]


def test_owner_answers_still_there(db, login, turfbrug, company_member):
    sensor = make_sensor(company_member, turfbrug, placed_on=TODAY - timedelta(days=50),
                         ends_on=TODAY - timedelta(days=2), status="active")
    services.ask_still_there(TODAY)
    owner = login(company_member)
    assert "Hangt deze sensor er nog?" in owner.get(f"/sensoren/{sensor.id}").data.decode()
    assert owner.post(f"/sensoren/{sensor.id}/nog-aanwezig",
                      data={"answer": "yes"}).status_code == 422
    new_end = (TODAY + timedelta(days=90)).isoformat()
    assert owner.post(f"/sensoren/{sensor.id}/nog-aanwezig",
                      data={"answer": "yes", "ends_on": new_end}).status_code == 302
    sensor = db.session.get(Sensor, sensor.id)
    assert sensor.ends_on.isoformat() == new_end and sensor.still_there_asked_at is None
    assert owner.post(f"/sensoren/{sensor.id}/nog-aanwezig",
                      data={"answer": "removed"}).status_code == 302
    assert db.session.get(Sensor, sensor.id).status is SensorStatus.REMOVED
    stranger = verified_member(OrganisationKind.BEDRIJF)
    assert login(stranger).post(f"/sensoren/{sensor.id}/nog-aanwezig",
                                data={"answer": "removed"}).status_code == 403


# -- bad input -------------------------------------------------------------------------------

BOWTIE = "52.09, 5.12\n52.10, 5.13\n52.09, 5.13\n52.10, 5.12"
HUGE = "51.0, 4.0\n53.0, 4.0\n53.0, 6.5\n51.0, 6.5"


@pytest.mark.parametrize("changes, message", [
    ({"latitude": "48.85", "longitude": "2.35"}, "niet in Nederland"),
    ({"latitude": "5.12", "longitude": "52.09"}, "niet in Nederland"),
    ({"latitude": "abc"}, "Breedtegraad"),
    ({"latitude": "", "longitude": ""}, "breedtegraad"),
    ({"geometry_kind": "area", "area": BOWTIE}, "kruisen elkaar"),
    ({"geometry_kind": "area", "area": HUGE}, "te groot"),
    ({"geometry_kind": "area", "area": "52.09, 5.12\n52.10, 5.13"}, "drie hoeken"),
    ({"geometry_kind": "area", "area": "hallo\nwereld\n!"}, "Regel 1"),
    ({"geometry_kind": "area", "area": "\n".join(f"52.{i:04d}, 5.1" for i in range(300))},
     "te veel hoeken"),
    ({"ends_on": (TODAY - timedelta(days=1)).isoformat(),
      "placed_on": TODAY.isoformat()}, "einddatum ligt voor"),
    ({"ends_on": ""}, "geplande einddatum"),
    ({"sensor_type": "laser"}, "Ongeldige keuze"),
    ({"personal_data": "y"}, "rechtsgrond"),
    ({"cases": "drop table"}, "casusnummers"),
    ({"name": "x" * 5000}, "id=\"name-error\""),
])
def test_bad_input_is_refused_and_nothing_is_stored(db, login, turfbrug, company_member,
                                                    changes, message):
    response = login(company_member).post(
        "/sensoren/nieuw", data=form_data(turfbrug, company_member.organisation, **changes))
    assert response.status_code == 422
    page = response.data.decode()
    assert message.lower() in page.lower(), page[page.find("error-summary"):][:1500]
    assert db.session.scalar(db.select(Sensor)) is None
    assert db.session.scalar(db.select(SensorRevision)) is None


def test_foreign_organisation_and_unknown_ids_are_refused(db, login, turfbrug, company_member):
    foreign = OrganisationFactory(kind=OrganisationKind.BEDRIJF, verified_at=turfbrug.verified_at)
    member = login(company_member)
    response = member.post("/sensoren/nieuw", data=form_data(turfbrug, foreign))
    assert response.status_code == 422
    not_gemeente = form_data(turfbrug, company_member.organisation,
                             gemeente_id=str(company_member.organisation_id))
    assert member.post("/sensoren/nieuw", data=not_gemeente).status_code == 422
    response = member.post("/sensoren/nieuw", data=form_data(
        turfbrug, company_member.organisation, cases="99999"))
    assert response.status_code == 422 and "99999" in response.data.decode()
    assert db.session.scalar(db.select(Sensor)) is None
    assert member.get("/sensoren/424242").status_code == 404
    assert member.post("/sensoren/424242/accepteren").status_code == 404


def test_editing_into_bad_input_stores_nothing(db, login, turfbrug, company_member):
    sensor = make_sensor(company_member, turfbrug)
    response = login(company_member).post(f"/sensoren/{sensor.id}/bewerken", data=form_data(
        turfbrug, company_member.organisation, cases="99999", name="Andere naam"))
    assert response.status_code == 422
    assert db.session.get(Sensor, sensor.id).name == "Luchtmeter Markt"
    assert db.session.scalar(db.select(db.func.count(SensorRevision.id))) == 1


# -- open data -------------------------------------------------------------------------------

def _signed_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def assert_rfc7946(collection: dict) -> None:
    """The rules of RFC 7946 a consumer relies on."""
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 §4: WGS84 only, no crs member
    assert isinstance(collection["features"], list)
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        assert isinstance(feature["id"], (int, str))
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            positions = [geometry["coordinates"]]
        else:
            assert geometry["type"] == "Polygon"
            for index, ring in enumerate(geometry["coordinates"]):
                assert len(ring) >= 4 and ring[0] == ring[-1]  # §3.1.6 linear ring
                # §3.1.6: exterior counterclockwise, holes clockwise
                assert (_signed_area(ring) > 0) == (index == 0)
            positions = [p for ring in geometry["coordinates"] for p in ring]
        for lon, lat, *rest in positions:
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and len(rest) <= 1
            # §11.2: no more precision than useful (6 decimals is ~10 cm)
            assert len(repr(lon).split(".")[-1]) <= 6 and len(repr(lat).split(".")[-1]) <= 6


def test_geojson_is_rfc7946_and_takes_the_page_filters(db, client, turfbrug, company_member):
    from smartsociety.sensors import geometry

    point = make_sensor(company_member, turfbrug, name="Camera A", sensor_type="camera",
                        personal_data=True, legal_basis="public_task", retention="28 dagen",
                        access="Politie")
    area = make_sensor(company_member, turfbrug, name="Wifi-gebied", sensor_type="wifi_tracker",
                       geometry=geometry.area("52.20, 5.30\n52.21, 5.30\n52.21, 5.31"))
    other = verified_member(name="Elders")
    far = make_sensor(company_member, other.organisation, name="Teller Elders",
                      sensor_type="traffic_counter", geometry=geometry.point(53.2, 6.5))
    response = client.get("/sensoren.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = json.loads(response.data)
    assert_rfc7946(collection)
    assert {f["id"] for f in collection["features"]} == {point.id, area.id, far.id}
    feature = next(f for f in collection["features"] if f["id"] == point.id)
    assert feature["geometry"]["coordinates"] == [5.12, 52.09]
    assert feature["properties"]["url"] == f"/sensoren/{point.id}"
    assert feature["properties"]["personal_data"] is True
    assert feature["properties"]["type_label"] == "Camera"
    assert feature["properties"]["ends_on"] == point.ends_on.isoformat()
    assert next(f for f in collection["features"] if f["id"] == area.id)[
        "properties"]["personal_data"] is False

    def ids(**args):
        data = json.loads(client.get("/sensoren.geojson", query_string=args).data)
        assert_rfc7946(data)
        return {f["id"] for f in data["features"]}

    assert ids(type="wifi_tracker") == {area.id}
    assert ids(personal="yes") == {point.id}
    assert ids(personal="no") == {area.id, far.id}
    assert ids(gemeente=turfbrug.slug) == {point.id, area.id}
    assert ids(owner=company_member.organisation.slug) == {point.id, area.id, far.id}
    assert ids(bbox="5.0,52.0,5.2,52.15") == {point.id}
    # A box that only overlaps the area's edge finds the area.
    assert ids(bbox="5.305,52.205,5.4,52.3") == {area.id}
    assert ids(status="removed") == set()
    assert ids(q="elders") == {far.id}
    for bad in ({"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "5,53,4,52"},
                {"type": "laser"}, {"status": "x" * 500}, {"bbox": "nan,1,2,3"}):
        assert client.get("/sensoren.geojson", query_string=bad).status_code == 400
        assert client.get("/sensoren", query_string=bad).status_code == 400


def test_csv_export_with_filters_and_no_formulas(db, client, turfbrug, company_member):
    make_sensor(company_member, turfbrug, name="=HYPERLINK(\"http://evil\")")
    make_sensor(company_member, turfbrug, name="Geluidsmeter", sensor_type="sound")
    response = client.get("/sensoren.csv", query_string={"type": "sound"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert [row["name"] for row in rows] == ["Geluidsmeter"]
    assert rows[0]["latitude"] == "52.09" and rows[0]["gemeente"] == "Gemeente Turfbrug"
    rows = list(csv.DictReader(io.StringIO(client.get("/sensoren.csv").data.decode())))
    assert {row["name"] for row in rows} == {"'=HYPERLINK(\"http://evil\")", "Geluidsmeter"}


def test_atom_feed_per_gemeente(db, client, turfbrug, company_member):
    make_sensor(company_member, turfbrug, name="Slimme reclamezuil",
                sensor_type="smart_billboard")
    make_sensor(company_member, turfbrug, name="Nog niet beoordeeld", accepted=False)
    response = client.get(f"/feeds/sensoren/{turfbrug.slug}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text for t in root.findall("a:entry/a:title", ns)]
    assert titles == ["Slimme reclamezuil (Slimme reclamezuil)"] or len(titles) == 1
    assert "Nog niet beoordeeld" not in response.data.decode()
    assert client.get("/feeds/sensoren/bestaat-niet.atom").status_code == 404
    company = company_member.organisation.slug
    assert client.get(f"/feeds/sensoren/{company}.atom").status_code == 404


# -- search ----------------------------------------------------------------------------------

def test_sensors_are_searchable_with_facets_for_type_and_personal_data(app, db, client, turfbrug,
                                                                      company_member):
    from smartsociety.search import service
    from smartsociety.search.query import parse

    make_sensor(company_member, turfbrug, name="Telcamera Havenkade", sensor_type="camera",
                personal_data=True, legal_basis="consent", retention="7 dagen", access="Wij")
    make_sensor(company_member, turfbrug, name="Geluid Havenkade", sensor_type="sound")
    make_sensor(company_member, turfbrug, name="Havenkade verborgen", accepted=False)
    with app.test_request_context():
        found = service.search(parse("havenkade"), {}, "relevance", 1, 20, browse=False)
        assert found.total == 2
        assert dict(found.facets["doc_type"]) == {"sensor": 2}
        assert dict(found.facets["kind"]) == {"camera": 1, "sound": 1}
        assert dict(found.facets["status"]) == {"personal_data_yes": 1, "personal_data_no": 1}
        narrowed = service.search(parse("havenkade"), {"status": ["personal_data_yes"]},
                                  "relevance", 1, 20, browse=True)
        assert [hit.title for hit in narrowed.hits] == ["Telcamera Havenkade"]
    page = client.get("/zoeken", query_string={"q": "havenkade"}).data.decode()
    assert "Verzamelt persoonsgegevens" in page and "Camera" in page


# -- links both ways, organisation pages ---------------------------------------------------------

def test_links_to_cases_and_rules_show_both_ways(db, login, client, turfbrug, company_member):
    dilemma = CaseFactory(title="Wifi-tracking in de binnenstad")
    principle = PrincipleFactory(title="Technologie")
    rule = principle.versions[0].rules[0]
    response = login(company_member).post("/sensoren/nieuw", data={
        **form_data(turfbrug, company_member.organisation, sensor_type="wifi_tracker",
                    name="Wifi-teller Grote Markt"),
        "cases": f"{dilemma.id}", "rules": [str(rule.id)]})
    assert response.status_code == 302, response.data.decode()[:2000]
    sensor = db.session.scalar(db.select(Sensor))
    sensor.review_status = ReviewStatus.ACCEPTED
    db.session.commit()
    page = client.get(f"/sensoren/{sensor.id}").data.decode()
    assert "Wifi-tracking in de binnenstad" in page and rule.text in page
    case_page = client.get(f"/casussen/{dilemma.id}").data.decode()
    assert f'href="/sensoren/{sensor.id}"' in case_page and "Wifi-teller Grote Markt" in case_page
    principle_page = client.get(f"/principes/{principle.slug}").data.decode()
    assert f'href="/sensoren/{sensor.id}"' in principle_page


def test_organisation_pages_show_sensors_and_counts_by_type(db, client, turfbrug,
                                                           company_member):
    make_sensor(company_member, turfbrug, name="Camera 1", sensor_type="camera")
    make_sensor(company_member, turfbrug, name="Camera 2", sensor_type="camera")
    make_sensor(company_member, turfbrug, name="Geluid 1", sensor_type="sound")
    make_sensor(company_member, turfbrug, name="Wacht nog", accepted=False)
    page = client.get(f"/organisaties/{turfbrug.slug}").data.decode()
    section = page.split('class="org-sensors"')[1]
    assert "<td>Camera</td><td>2</td>" in section and "<td>Geluidssensor</td><td>1</td>" in section
    assert "Wacht nog" not in section
    owner_page = client.get(f"/organisaties/{company_member.organisation.slug}").data.decode()
    assert "Camera 1" in owner_page.split('class="org-sensors"')[1]


# -- ask the owner, missing sensors --------------------------------------------------------------

def test_ask_the_owner_goes_to_the_organisation_inbox_rate_limited(db, login, client, turfbrug,
                                                                  company_member, smtp_server):
    sensor = make_sensor(company_member, turfbrug)
    resident = UserFactory(name="Bewoner")
    asker = login(resident)
    data = {"subject": "Wat meet dit ding?", "body": "Hangt bij mijn voordeur."}
    assert client.post(f"/sensoren/{sensor.id}/contact", data=data).status_code == 302
    assert asker.post(f"/sensoren/{sensor.id}/contact", data={"subject": ""}).status_code == 422
    assert asker.post(f"/sensoren/{sensor.id}/contact", data=data).status_code == 302
    message = db.session.scalar(db.select(ContactMessage))
    assert message.sensor_id == sensor.id and message.organisation_id == sensor.owner_id
    assert any(f"/sensoren/{sensor.id}" in m.content.decode() for m in smtp_server.messages)
    inbox = login(company_member).get(
        f"/organisaties/{company_member.organisation.slug}/berichten").data.decode()
    assert "Wat meet dit ding?" in inbox and f'href="/sensoren/{sensor.id}"' in inbox
    # CONTACT_LIMIT is 3 per hour in this module, shared with the marketplace's messages.
    asker.post(f"/sensoren/{sensor.id}/contact", data=data)
    assert asker.post(f"/sensoren/{sensor.id}/contact", data=data).status_code == 429
    # Not about a registration awaiting review.
    pending = make_sensor(company_member, turfbrug, accepted=False)
    other = login(UserFactory())
    assert other.post(f"/sensoren/{pending.id}/contact", data=data).status_code == 404


def test_missing_sensor_reports_reach_the_gemeente(db, login, client, turfbrug, official):
    data = {"gemeente_id": str(turfbrug.id), "latitude": "52,0911", "longitude": "5,1190",
            "description": "Camera aan de lantaarnpaal bij de bakker."}
    assert client.get("/sensoren/ontbrekend").status_code == 200
    assert client.post("/sensoren/ontbrekend", data={**data, "latitude": "40.0"}).status_code == 422
    assert client.post("/sensoren/ontbrekend",
                       data={**data, "gemeente_id": "99999"}).status_code == 422
    assert db.session.scalar(db.select(MissingSensorReport)) is None
    assert client.post("/sensoren/ontbrekend", data=data).status_code == 302
    report = db.session.scalar(db.select(MissingSensorReport))
    assert (report.lat, report.lon, report.reporter_id) == (52.0911, 5.119, None)
    url = f"/organisaties/{turfbrug.slug}/ontbrekende-sensoren"
    assert login(verified_member()).get(url).status_code == 403
    page = login(official).get(url).data.decode()
    assert "lantaarnpaal bij de bakker" in page
    assert login(official).post(f"{url}/{report.id}").status_code == 302
    assert db.session.get(MissingSensorReport, report.id).handled_at is not None
    # Rate limited per address (3 per hour in this module; one was stored, two refused).
    assert client.post("/sensoren/ontbrekend", data=data).status_code == 429


# -- the page ----------------------------------------------------------------------------------

def test_register_page_is_complete_without_javascript(db, client, turfbrug, company_member):
    for n in range(25):
        make_sensor(company_member, turfbrug, name=f"Teller {n:02d}")
    response = client.get("/sensoren")
    page = response.data.decode()
    assert response.status_code == 200
    assert page.count('<tr id="sensor-') == 20 and "25 sensoren" in page
    assert 'href="/sensoren?page=2"' in page
    assert "/sensoren.geojson" in page and "/sensoren.csv" in page
    assert "vendor/leaflet/leaflet.js" in page and "cdn" not in page.lower()
    assert 'id="sensor-map"' in page and "hidden" in page.split('id="sensor-map"')[1][:600]


def test_csp_allows_exactly_the_tile_host(client):
    policy = client.get("/sensoren").headers["Content-Security-Policy"]
    img = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img.split() == ["img-src", "'self'", "data:", "https://service.pdok.nl"]
    assert "service.pdok.nl" not in policy.replace(img, "")


def test_demo_sensors_load_once(app, db, client):
    from smartsociety.demo import data

    data.load("pbkdf2:sha256:1000")
    db.session.commit()
    sensors = db.session.scalars(db.select(Sensor)).all()
    assert 35 <= len(sensors) <= 45
    assert {s.sensor_type for s in sensors} == set(SensorType)
    assert any(s.personal_data for s in sensors) and not all(s.personal_data for s in sensors)
    assert sum(s.review_status is ReviewStatus.PENDING for s in sensors) >= 1
    assert sum(s.late for s in sensors) == 1
    assert sum(s.ends_on < TODAY for s in sensors) == 1
    assert any(s.cases for s in sensors if s.sensor_type is SensorType.WIFI_TRACKER)
    assert_rfc7946(json.loads(client.get("/sensoren.geojson").data))
    assert data.load("pbkdf2:sha256:1000") == 0


def test_hostile_text_is_escaped_everywhere(db, login, client, turfbrug, company_member):
    hostile = '<script>alert(1)</script>"\' onmouseover=alert(2) \u202e'
    response = login(company_member).post("/sensoren/nieuw", data=form_data(
        turfbrug, company_member.organisation, name=hostile, purpose=hostile))
    assert response.status_code == 302
    sensor = db.session.scalar(db.select(Sensor))
    sensor.review_status = ReviewStatus.ACCEPTED
    db.session.commit()
    for path in ["/sensoren", f"/sensoren/{sensor.id}", f"/feeds/sensoren/{turfbrug.slug}.atom"]:
        page = client.get(path).data.decode()
        assert "<script>alert(1)" not in page, path
    feature = json.loads(client.get("/sensoren.geojson").data)["features"][0]
    assert feature["properties"]["name"] == hostile


def test_huge_body_is_refused_and_nothing_stored(db, login, turfbrug, company_member):
    response = login(company_member).post("/sensoren/nieuw", data=form_data(
        turfbrug, company_member.organisation, geometry_kind="area",
        area="52.09, 5.12\n" * 250_000))
    # 3 MB: refused by the field's length rule (the request size limit is 16 MB).
    assert response.status_code == 422
    assert "te veel hoeken" in response.data.decode() or "maximaal" in response.data.decode()
    assert db.session.scalar(db.select(Sensor)) is None


def test_a_new_end_date_in_an_edit_lifts_the_expiry(db, turfbrug, company_member):
    sensor = make_sensor(company_member, turfbrug, placed_on=TODAY - timedelta(days=90),
                         ends_on=TODAY - timedelta(days=40), status="active")
    services.ask_still_there(TODAY)
    services.expire_unanswered(datetime.now(UTC) + timedelta(days=31), 30)
    sensor = db.session.get(Sensor, sensor.id)
    assert sensor.expired_at is not None
    data = services.SensorInput(
        name=sensor.name, sensor_type=sensor.sensor_type.value, geometry=sensor.geometry,
        gemeente_id=turfbrug.id, owner_id=sensor.owner_id, contact=sensor.contact,
        purpose=sensor.purpose, measures=sensor.measures, placed_on=sensor.placed_on,
        ends_on=TODAY + timedelta(days=100), status="active")
    assert services.edit_sensor(sensor, company_member, data)
    sensor = db.session.get(Sensor, sensor.id)
    assert sensor.expired_at is None and sensor.still_there_asked_at is None
