"""The register's GeoJSON from stored bytes (issue 20): served again while the register is
unchanged, never stale after an acknowledged write, filters still apply, ETag/304 and gzip."""
import gzip
import json

from smartsociety.models import Comment
from smartsociety.sensors import queries
from tests.factories import CaseFactory, UserFactory
from tests.test_sensors import (  # noqa: F401  (fixtures)
    app_config,
    assert_rfc7946,
    company_member,
    form_data,
    make_sensor,
    turfbrug,
)


def _counting(monkeypatch) -> list:
    built = []
    original = queries.geojson

    def counted(filters):
        built.append(filters)
        return original(filters)

    monkeypatch.setattr(queries, "geojson", counted)
    return built


def _names(response) -> set[str]:
    collection = json.loads(response.data)
    assert_rfc7946(collection)
    return {f["properties"]["name"] for f in collection["features"]}


def test_collection_is_built_once_while_the_register_is_unchanged(db, client, login, turfbrug,
                                                                   company_member, monkeypatch):
    make_sensor(company_member, turfbrug, name="Camera A")
    case, member = CaseFactory(), UserFactory()
    built = _counting(monkeypatch)
    first = client.get("/sensoren.geojson")
    second = client.get("/sensoren.geojson")
    assert first.data == second.data and len(built) == 1
    # A member reads the same bytes (the collection is the same for every reader).
    assert login(member).get("/sensoren.geojson").data == first.data and len(built) == 1
    # A comment (its own page-cache scopes: its case and the lists) leaves the collection alone.
    db.session.add(Comment(case=case, author=member, body="Los hiervan",
                           body_html="<p>Los hiervan</p>"))
    db.session.commit()
    client.get("/sensoren.geojson")
    assert len(built) == 1
    # Other filters are other collections.
    client.get("/sensoren.geojson?type=camera")
    assert len(built) == 2


def test_an_acknowledged_write_shows_on_the_next_read(db, client, login, turfbrug,
                                                       company_member):
    sensor = make_sensor(company_member, turfbrug, name="Camera A", sensor_type="camera")
    assert _names(client.get("/sensoren.geojson")) == {"Camera A"}
    assert _names(client.get("/sensoren.geojson?type=camera")) == {"Camera A"}
    owner = login(company_member)
    edited = owner.post(f"/sensoren/{sensor.id}/bewerken", data=form_data(
        turfbrug, company_member.organisation, name="Camera B", sensor_type="sound",
        placed_on=sensor.placed_on.isoformat(), ends_on=sensor.ends_on.isoformat()))
    assert edited.status_code == 302, edited.data.decode()[:2000]
    assert _names(client.get("/sensoren.geojson")) == {"Camera B"}
    # Filters apply to the stored collections too: the old type's collection is empty now.
    assert _names(client.get("/sensoren.geojson?type=camera")) == set()
    assert _names(client.get("/sensoren.geojson?type=sound")) == {"Camera B"}
    # An organisation renamed: its name in the properties follows.
    company_member.organisation.name = "Sensorium Nieuw"
    db.session.commit()
    feature = json.loads(client.get("/sensoren.geojson").data)["features"][0]
    assert feature["properties"]["owner"] == "Sensorium Nieuw"


def test_etag_304_and_gzip(db, client, turfbrug, company_member):
    make_sensor(company_member, turfbrug, name="Camera A")
    plain = client.get("/sensoren.geojson")
    etag = plain.headers["ETag"]
    assert etag.startswith('W/"') and "Accept-Encoding" in plain.headers["Vary"]
    again = client.get("/sensoren.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    packed = client.get("/sensoren.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.mimetype == "application/geo+json"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == etag
    make_sensor(company_member, turfbrug, name="Camera B")
    changed = client.get("/sensoren.geojson", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and _names(changed) == {"Camera A", "Camera B"}


def test_without_a_page_cache_every_read_builds(app, db, client, turfbrug, company_member,
                                                monkeypatch):
    app.extensions.pop("pagecache")
    make_sensor(company_member, turfbrug, name="Camera A")
    built = _counting(monkeypatch)
    client.get("/sensoren.geojson")
    client.get("/sensoren.geojson")
    assert len(built) == 2


def test_names_with_quotes_backslashes_and_accents_stay_valid_json(db, client, turfbrug,
                                                                   company_member):
    name = 'Camera "Noord" \\ café </script> \u2028'
    company_member.organisation.name = 'Sensorium "B.V." \\ één'
    db.session.commit()
    make_sensor(company_member, turfbrug, name=name)
    feature = json.loads(client.get("/sensoren.geojson").data)["features"][0]
    assert feature["properties"]["name"] == name
    assert feature["properties"]["owner"] == 'Sensorium "B.V." \\ één'


def test_gzip_only_when_the_reader_accepts_it(db, client, turfbrug, company_member):
    make_sensor(company_member, turfbrug)
    refused = client.get("/sensoren.geojson", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "Content-Encoding" not in refused.headers
    json.loads(refused.data)
    assert client.get("/sensoren.geojson", headers={"Accept-Encoding": "*"}).headers[
        "Content-Encoding"] == "gzip"


def test_a_write_in_another_process_shows_on_the_next_read(db, another_app, redis_url, turfbrug,
                                                           company_member):
    """Two apps stand for two gunicorn workers: each keeps its own collections, the generation
    in Redis is shared; the writer's commit moves it before the write is acknowledged."""
    from smartsociety.extensions import db as _db
    from smartsociety.models import Sensor

    sensor_id = make_sensor(company_member, turfbrug, name="Camera A").id
    db.session.rollback()  # nothing of this app's session is used inside the other apps
    url, _proc = redis_url
    reader_app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    writer_app = another_app(PAGE_CACHE="redis", REDIS_URL=url)
    reader = reader_app.test_client()
    first = reader.get("/sensoren.geojson")
    assert _names(first) == {"Camera A"}
    assert reader.get("/sensoren.geojson", headers={
        "If-None-Match": first.headers["ETag"]}).status_code == 304
    with writer_app.app_context():
        _db.session.get(Sensor, sensor_id).name = "Camera uit een ander proces"
        _db.session.commit()
    after = reader.get("/sensoren.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and _names(after) == {"Camera uit een ander proces"}
