"""The sensor register in Chromium: markers from the GeoJSON on a map without tiles, clustering,
popups, picking a point by clicking the map, and axe on the register's pages."""
import re
from pathlib import Path

import pytest

from smartsociety.extensions import db
from smartsociety.models import OrganisationKind, ReviewStatus, Sensor
from smartsociety.sensors import geometry
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_cases import log_in
from tests.factories import verified_member
from tests.test_sensors import make_sensor

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet" / "leaflet.js"
TILE_HOST = re.compile(r"^https://service\.pdok\.nl/")
CITIES = {"Amsterdam": (52.3728, 4.8936), "Groningen": (53.2194, 6.5665),
          "Maastricht": (50.8514, 5.6910)}


@pytest.fixture(autouse=True)
def vendor_built():
    if not VENDOR.exists():  # a set-up problem, said plainly
        pytest.fail("static/vendor is missing: run `make assets` (make test does)", pytrace=False)


@pytest.fixture
def offline(page):
    """Tests run offline: tile requests are blocked and counted (the page must not need them)."""
    blocked = []

    def block(route):
        blocked.append(route.request.url)
        route.abort()

    page.route(TILE_HOST, block)
    page.blocked_tiles = blocked
    return page


@pytest.fixture
def register(app):
    gemeente = verified_member(name="Ambtenaar").organisation
    owner = verified_member(OrganisationKind.BEDRIJF, name="Eigenaar Sensorium")
    return gemeente, owner


def test_map_shows_the_markers_of_the_geojson_and_a_popup_opens(live_server, offline, register):
    page = offline
    gemeente, owner = register
    sensors = {name: make_sensor(owner, gemeente, name=f"Luchtmeter {name}",
                                 geometry=geometry.point(*where))
               for name, where in CITIES.items()}
    page.goto(f"{live_server.url}/sensoren")
    page.wait_for_selector('#sensor-map[data-loaded="3"]')
    markers = page.locator("#sensor-map .leaflet-marker-icon:not(.marker-cluster)")
    assert markers.count() == 3
    assert sorted(markers.evaluate_all("els => els.map(e => e.title)")) == sorted(
        f"Luchtmeter {name}" for name in CITIES)
    page.locator('#sensor-map .leaflet-marker-icon[title="Luchtmeter Groningen"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Luchtmeter Groningen" in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/sensoren/{sensors['Groningen'].id}"
    # The table is the accessible alternative: the same sensors, also without the map.
    assert page.locator(".sensor-table tbody tr").count() == 3
    assert page.blocked_tiles, "the map asked for tiles (and did without them)"
    assert page.js_errors == []
    # Leaflet fades a popup in: axe measures contrast only once it is fully opaque.
    # (Polled through evaluate: the site's CSP rightly refuses wait_for_function's eval.)
    for _attempt in range(50):
        opacity = page.evaluate(
            "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity")
        if opacity == "1":
            break
        page.wait_for_timeout(100)
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_many_close_markers_are_clustered(live_server, offline, register):
    page = offline
    gemeente, owner = register
    for n in range(30):
        make_sensor(owner, gemeente, name=f"Teller {n}",
                    geometry=geometry.point(52.0 + n * 0.0001, 5.1 + n * 0.0001))
    make_sensor(owner, gemeente, name="Ver weg", geometry=geometry.point(53.2, 6.5))
    page.goto(f"{live_server.url}/sensoren")
    page.wait_for_selector('#sensor-map[data-loaded="31"]')
    clusters = page.locator("#sensor-map .marker-cluster")
    assert clusters.count() == 1
    assert clusters.first.inner_text().strip() == "30"


def test_a_point_picked_on_the_map_is_saved(live_server, offline, app, register):
    page = offline
    gemeente, owner = register
    log_in(page, live_server, app, owner)
    page.goto(f"{live_server.url}/sensoren/nieuw")
    page.wait_for_selector('#sensor-picker[data-ready="1"]')
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    page.fill("#name", "Camera Grote Markt")
    page.select_option("#sensor_type", "camera")
    page.select_option("#gemeente_id", str(gemeente.id))
    page.locator("#sensor-picker").click(position={"x": 300, "y": 200})
    latitude = float(page.input_value("#latitude"))
    longitude = float(page.input_value("#longitude"))
    assert geometry.inside_netherlands(longitude, latitude)
    assert page.locator("#sensor-picker .leaflet-marker-icon").count() == 1
    page.fill("#contact", "privacy@example.org")
    page.fill("#purpose", "Toezicht op de markt.")
    page.fill("#measures", "Beelden.")
    page.fill("#placed_on", "2030-01-10")
    page.fill("#ends_on", "2031-01-10")
    page.click('input[name="submit"]')
    page.wait_for_url(re.compile(r".*/sensoren/\d+$"))
    sensor = db.session.scalar(db.select(Sensor))
    assert sensor.name == "Camera Grote Markt"
    assert sensor.geometry["coordinates"] == [round(longitude, 6), round(latitude, 6)]
    assert page.js_errors == []


def test_an_area_drawn_on_the_map_is_saved(live_server, offline, app, register):
    page = offline
    gemeente, owner = register
    log_in(page, live_server, app, owner)
    page.goto(f"{live_server.url}/sensoren/nieuw")
    page.wait_for_selector('#sensor-picker[data-ready="1"]')
    page.check('input[name="geometry_kind"][value="area"]')
    for _ in range(4):  # from the whole country to a town: an area of a few km²
        page.click("#sensor-picker .leaflet-control-zoom-in")
        page.wait_for_timeout(400)
    for x, y in [(300, 150), (360, 150), (360, 210), (300, 210)]:
        page.locator("#sensor-picker").click(position={"x": x, "y": y})
    assert len(page.input_value("#area").strip().splitlines()) == 4
    page.fill("#name", "Wifi-tellers centrum")
    page.select_option("#sensor_type", "wifi_tracker")
    page.select_option("#gemeente_id", str(gemeente.id))
    page.fill("#contact", "privacy@example.org")
    page.fill("#purpose", "Bezoekersstromen.")
    page.fill("#measures", "Gehashte MAC-adressen.")
    page.fill("#placed_on", "2030-01-10")
    page.fill("#ends_on", "2031-01-10")
    page.click('input[name="submit"]')
    page.wait_for_url(re.compile(r".*/sensoren/\d+$"))
    sensor = db.session.scalar(db.select(Sensor))
    assert sensor.geometry["type"] == "Polygon" and len(sensor.geometry["coordinates"][0]) == 5


def test_register_pages_pass_axe(live_server, offline, app, register):
    page = offline
    gemeente, owner = register
    sensor = make_sensor(owner, gemeente, name="Geluidsmeter Plein", personal_data=True,
                         legal_basis="public_task", retention="7 dagen", access="Gemeente")
    area = make_sensor(owner, gemeente, name="Wifi-gebied", sensor_type="wifi_tracker",
                       geometry=geometry.area("52.20, 5.30\n52.21, 5.30\n52.21, 5.31"))
    pending = make_sensor(owner, gemeente, name="Wacht op beoordeling", accepted=False)
    for path in ["/sensoren", "/sensoren?type=camera&personal=yes", f"/sensoren/{sensor.id}",
                 f"/sensoren/{area.id}", "/sensoren/ontbrekend",
                 f"/sensoren/{sensor.id}/geschiedenis"]:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        assert violations == [], (path, format_violations(violations))
    log_in(page, live_server, app, owner)
    for path in [f"/sensoren/{pending.id}", f"/sensoren/{sensor.id}/bewerken"]:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        assert violations == [], (path, format_violations(violations))
    assert page.js_errors == []
    assert db.session.get(Sensor, pending.id).review_status is ReviewStatus.PENDING


def test_register_is_complete_without_javascript(live_server, chromium, register):
    gemeente, owner = register
    make_sensor(owner, gemeente, name="Luchtmeter Zonder Script")
    context = chromium.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/sensoren")
        assert page.locator("#sensor-map").is_hidden()
        assert "Luchtmeter Zonder Script" in page.locator(".sensor-table").inner_text()
        page.goto(f"{live_server.url}/sensoren/ontbrekend")
        assert page.locator("#latitude").is_visible()
    finally:
        context.close()
