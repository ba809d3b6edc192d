"""Demo sensor register: ~40 sensors around Turfbrug of every type, some with personal data,
some awaiting review, one registered late and one past its end date."""
import random
from datetime import date, timedelta

import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import (
    Case,
    LegalBasis,
    Organisation,
    Principle,
    ReviewStatus,
    Sensor,
    SensorRevision,
    SensorStatus,
    SensorType,
    User,
    utcnow,
)
from smartsociety.models.principle import PrincipleVersion
from smartsociety.sensors import geometry

# Turfbrug is fictional; its sensors stand in the Groene Hart, around this point.
CENTRE = (52.0116, 4.7105)
PLACES = ["Markt", "Stationsplein", "Turfkade", "Veenweg", "Kerkbrug", "Havenstraat",
          "Molenpad", "Schoolplein", "Sportpark De Veenen", "Lindelaan", "Dijkstraat",
          "Busstation", "Parkeergarage Centrum", "Raadhuisplein"]
PURPOSE = {
    SensorType.CAMERA: ("Toezicht op de openbare orde bij uitgaansgebied.", "Camerabeelden.",
                        "Beelden, 28 dagen."),
    SensorType.CAMERA_ANALYTICS: ("Drukte meten om looproutes aan te passen.",
                                  "Aantallen personen uit camerabeeld; beelden worden direct "
                                  "na analyse gewist.", "Tellingen per kwartier."),
    SensorType.WIFI_TRACKER: ("Bezoekersstromen in het centrum meten.",
                              "Gehashte MAC-adressen van telefoons in de buurt.",
                              "Gehashte adressen, 24 uur; daarna alleen tellingen."),
    SensorType.SOUND: ("Geluidsoverlast bij evenementen bijhouden.", "Geluidsniveau in dB(A).",
                       "Gemiddelden per minuut."),
    SensorType.AIR_QUALITY: ("Luchtkwaliteit meten voor het gezondheidsbeleid.",
                             "Fijnstof (PM2.5, PM10) en stikstofdioxide.", "Metingen per uur."),
    SensorType.TRAFFIC_COUNTER: ("Verkeersintensiteit meten voor de mobiliteitsvisie.",
                                 "Aantallen fietsers en auto's.", "Tellingen per kwartier."),
    SensorType.SMART_BILLBOARD: ("Reclame tonen afgestemd op het moment van de dag.",
                                 "Aantal voorbijgangers (camera in het scherm).",
                                 "Alleen tellingen."),
    SensorType.OTHER: ("Waterstand in de grachten bewaken.", "Waterstand in centimeters.",
                       "Metingen per tien minuten."),
}
PERSONAL = {SensorType.CAMERA, SensorType.CAMERA_ANALYTICS, SensorType.WIFI_TRACKER}
WIFI_CASE = "Moeten wij een openbaar register van sensoren bijhouden?"


def load() -> int:
    """Create the demo sensors once (skipped when any sensor exists)."""
    if db.session.scalar(sa.select(Sensor.id).limit(1)) is not None:
        return 0
    turfbrug = _org("Gemeente Turfbrug")
    owners = [o for o in (_org("Sensorium B.V."), turfbrug,
                          _org("Lectoraat Slimme Stad, Hogeschool Polder")) if o]
    if turfbrug is None or not owners:
        return 0
    authors = {o.id: db.session.scalar(sa.select(User).where(User.organisation_id == o.id))
               for o in owners}
    reviewer = db.session.scalar(User.by_email("ambtenaar@turfbrug.example"))
    case = db.session.scalar(sa.select(Case).where(Case.title == WIFI_CASE))
    rule = _register_rule()
    rng = random.Random(2026)
    today = date.today()
    types = list(SensorType)
    created = 0
    for n in range(40):
        kind = types[n % len(types)]
        owner = owners[n % len(owners)]
        place = PLACES[n % len(PLACES)]
        lat = CENTRE[0] + rng.uniform(-0.012, 0.012)
        lon = CENTRE[1] + rng.uniform(-0.02, 0.02)
        if kind is SensorType.WIFI_TRACKER and n % 2:
            d = 0.0015
            shape = geometry.area(f"{lat - d}, {lon - d}\n{lat - d}, {lon + d}\n"
                                  f"{lat + d}, {lon + d}\n{lat + d}, {lon - d}")
        else:
            shape = geometry.point(lat, lon)
        purpose, measures, stored = PURPOSE[kind]
        personal = kind in PERSONAL
        placed = today - timedelta(days=rng.randint(30, 700))
        sensor = Sensor(
            name=f"{_type_name(kind)} {place}" + (f" {n // len(PLACES) + 1}" if n >= len(PLACES)
                                                  else ""),
            sensor_type=kind, geometry=shape, gemeente=turfbrug, owner=owner,
            author=authors.get(owner.id), contact=f"sensoren@{owner.slug}.example",
            purpose=purpose, measures=measures, stored=stored, personal_data=personal,
            legal_basis=LegalBasis.PUBLIC_TASK if personal else None, dpia_done=personal,
            retention="28 dagen" if personal else "", access="Afdeling Openbare Ruimte"
            if personal else "", open_data=not personal,
            open_data_url=None if personal else f"https://data.{owner.slug}.example/sensoren/{n}",
            placed_on=placed, ends_on=placed + timedelta(days=rng.randint(800, 1500)),
            status=SensorStatus.ACTIVE, review_status=ReviewStatus.ACCEPTED,
            reviewed_at=utcnow(), reviewer=reviewer, late=False,
        )
        sensor.lon, sensor.lat, bbox = geometry.anchor(shape)
        sensor.min_lon, sensor.min_lat, sensor.max_lon, sensor.max_lat = bbox
        if n in (37, 38, 39):  # awaiting review, planned
            sensor.review_status, sensor.reviewed_at, sensor.reviewer = (
                ReviewStatus.PENDING, None, None)
            sensor.placed_on = today + timedelta(days=20)
            sensor.ends_on = today + timedelta(days=400)
            sensor.status = SensorStatus.PLANNED
        if n == 36:  # registered two days before placement
            sensor.placed_on, sensor.status, sensor.late = today + timedelta(days=2), \
                SensorStatus.PLANNED, True
        if n == 35:  # past its end date: the owner will be asked "still there?"
            sensor.ends_on = today - timedelta(days=3)
        if kind is SensorType.WIFI_TRACKER and case is not None:
            sensor.cases = [case]
        if rule is not None and kind in PERSONAL:
            sensor.rules = [rule]
        db.session.add(sensor)
        db.session.flush()
        sensor.revisions.append(SensorRevision(editor=sensor.author, data=sensor.snapshot()))
        created += 1
    db.session.flush()
    return created


def _org(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(
        Organisation.name_key == Organisation.key_for(name)))


def _register_rule():
    """Rule 3 of the principle "Technologie": every sensor in a public register."""
    version = db.session.scalar(
        sa.select(PrincipleVersion).join(Principle).where(Principle.slug == "technologie")
        .order_by(PrincipleVersion.number.desc())
    )
    if version is None:
        return None
    return next((r for r in version.rules if r.number == 3), None)


def _type_name(kind: SensorType) -> str:
    return {
        SensorType.CAMERA: "Camera", SensorType.CAMERA_ANALYTICS: "Slimme camera",
        SensorType.WIFI_TRACKER: "Wifi-teller", SensorType.SOUND: "Geluidsmeter",
        SensorType.AIR_QUALITY: "Luchtmeter", SensorType.TRAFFIC_COUNTER: "Verkeersteller",
        SensorType.SMART_BILLBOARD: "Reclamezuil", SensorType.OTHER: "Waterstandmeter",
    }[kind]
