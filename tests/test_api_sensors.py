"""The sensor register through the API (issue 21 with issue 20): the page's visibility and
filters, cursor pagination, ETags, CORS, bad input, and the GeoJSON variant."""
import json

from smartsociety.api import tokens
from smartsociety.models import TokenScope, utcnow
from smartsociety.sensors import geometry
from tests.factories import CaseFactory, verified_member
from tests.test_sensors import (  # noqa: F401  (fixtures)
    app_config,
    assert_rfc7946,
    company_member,
    make_sensor,
    turfbrug,
)


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {tokens.create(user, 'test', TokenScope.READ, 30)[1]}"}


def test_only_accepted_registrations_and_the_owner_sees_its_pending_one(db, client, turfbrug,
                                                                        company_member):
    shown = make_sensor(company_member, turfbrug, name="Camera Markt", sensor_type="camera",
                        personal_data=True, legal_basis="public_task", retention="28 dagen",
                        access="Politie")
    pending = make_sensor(company_member, turfbrug, name="Nog niet beoordeeld", accepted=False)
    listing = client.get("/api/v1/sensors").get_json()
    assert [s["name"] for s in listing["items"]] == ["Camera Markt"]
    item = listing["items"][0]
    assert item["type"] == "camera" and item["personal_data"] is True
    assert item["geometry"] == {"type": "Point", "coordinates": [5.12, 52.09]}
    assert item["gemeente"]["slug"] == turfbrug.slug and item["status"] == "planned"
    assert item["url"].endswith(f"/sensoren/{shown.id}")
    detail = client.get(f"/api/v1/sensors/{shown.id}").get_json()
    assert detail["legal_basis"] == "public_task" and detail["access"] == "Politie"
    assert detail["accepted"] is True
    assert client.get(f"/api/v1/sensors/{pending.id}").status_code == 404
    assert "Nog niet" not in client.get("/api/v1/sensors.geojson").get_data(as_text=True)
    own = client.get(f"/api/v1/sensors/{pending.id}", headers=bearer(company_member))
    assert own.status_code == 200 and own.get_json()["accepted"] is False
    # Not in the lists even for the owner: the lists are the public register.
    listed = client.get("/api/v1/sensors", headers=bearer(company_member)).get_json()
    assert pending.id not in {s["id"] for s in listed["items"]}
    assert client.get("/api/v1/sensors/999999").status_code == 404


def test_linked_cases_follow_the_case_visibility(db, client, turfbrug, company_member):
    public = CaseFactory(title="Wifi-tracking in de binnenstad")
    hidden = CaseFactory(title="Later verborgen casus")
    sensor = make_sensor(company_member, turfbrug, case_ids=[public.id, hidden.id])
    hidden.hidden_at = utcnow()  # hidden by a moderator after the link was made
    db.session.commit()
    detail = client.get(f"/api/v1/sensors/{sensor.id}").get_json()
    assert [c["title"] for c in detail["cases"]] == ["Wifi-tracking in de binnenstad"]


def test_the_page_filters_as_query_parameters(db, client, turfbrug, company_member):
    camera = make_sensor(company_member, turfbrug, name="Camera A", sensor_type="camera",
                         personal_data=True, legal_basis="public_task")
    area = make_sensor(company_member, turfbrug, name="Wifi-gebied", sensor_type="wifi_tracker",
                       geometry=geometry.area("52.20, 5.30\n52.21, 5.30\n52.21, 5.31"))
    other = verified_member(name="Elders")
    far = make_sensor(company_member, other.organisation, name="Teller Elders",
                      sensor_type="traffic_counter", geometry=geometry.point(53.2, 6.5))
    removed = make_sensor(company_member, turfbrug, name="Weg", status="removed")

    def ids(**args):
        listed = client.get("/api/v1/sensors", query_string=args)
        assert listed.status_code == 200, listed.get_json()
        collection = json.loads(client.get("/api/v1/sensors.geojson", query_string=args).data)
        assert_rfc7946(collection)
        found = {s["id"] for s in listed.get_json()["items"]}
        assert found == {f["id"] for f in collection["features"]}  # the same register
        return found

    assert ids() == {camera.id, area.id, far.id}
    assert ids(type="wifi_tracker") == {area.id}
    assert ids(personal="yes") == {camera.id}
    assert ids(gemeente=turfbrug.slug) == {camera.id, area.id}
    assert ids(owner=company_member.organisation.slug) == {camera.id, area.id, far.id}
    assert ids(bbox="5.0,52.0,5.2,52.15") == {camera.id}
    assert ids(status="removed") == {removed.id}
    assert ids(status="all") == {camera.id, area.id, far.id, removed.id}
    assert ids(q="elders") == {far.id}
    for bad in ({"bbox": "1,2,3"}, {"bbox": "5,53,4,52"}, {"type": "laser"},
                {"status": "gone"}, {"personal": "maybe"}, {"bbox": "nan,1,2,3"}):
        for url in ("/api/v1/sensors", "/api/v1/sensors.geojson"):
            response = client.get(url, query_string=bad)
            assert response.status_code == 422, (url, bad)
            assert set(response.get_json()["error"]) >= {"code", "message", "fields"}


def test_cursor_pagination_etag_and_cors(db, client, turfbrug, company_member):
    made = {make_sensor(company_member, turfbrug, name=f"Sensor {i}").id for i in range(5)}
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/sensors", query_string={"limit": 2, **(
            {"cursor": cursor} if cursor else {})}).get_json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)
    assert client.get("/api/v1/sensors?cursor=rubbish").status_code == 400
    first = client.get("/api/v1/sensors", headers={"Origin": "https://elders.example"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/sensors", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    geo = client.get("/api/v1/sensors.geojson", headers={"Origin": "https://elders.example"})
    assert geo.mimetype == "application/geo+json"
    assert geo.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/sensors.geojson",
                      headers={"If-None-Match": geo.headers["ETag"]}).status_code == 304
    detail = client.get(f"/api/v1/sensors/{min(made)}")
    assert client.get(f"/api/v1/sensors/{min(made)}", headers={
        "If-None-Match": detail.headers["ETag"]}).status_code == 304


def test_sensor_reads_are_rate_limited_per_address(app, db, client, turfbrug, company_member):
    app.config["API_LIMIT_PER_ADDRESS"] = "3 per minute"
    codes = [client.get("/api/v1/sensors").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    codes = [client.get("/api/v1/sensors.geojson").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
