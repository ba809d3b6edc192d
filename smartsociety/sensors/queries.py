"""Reads of the sensor register: the filtered register, its open data (GeoJSON, CSV), and the
sections other pages show (cases, principle rules, organisations)."""
import csv
import functools
import io
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import aliased, selectinload

from smartsociety.extensions import db
from smartsociety.labels import label
from smartsociety.models import (
    Organisation,
    Principle,
    PrincipleVersion,
    Rule,
    Sensor,
    SensorStatus,
    SensorType,
)
from smartsociety.models.principle import PUBLIC_STATUSES
from smartsociety.models.sensor import sensor_case, sensor_rule
from smartsociety.sensors import geometry as geo


@dataclass
class SensorFilter:
    q: str = ""
    type: str = ""
    personal: str = ""
    gemeente: str = ""
    owner: str = ""
    status: str = ""
    bbox: tuple[float, float, float, float] | None = None

    @classmethod
    def from_form(cls, form) -> "SensorFilter":
        return cls(q=form.q.data or "", type=form.type.data or "",
                   personal=form.personal.data or "", gemeente=form.gemeente.data or "",
                   owner=form.owner.data or "", status=form.status.data or "",
                   bbox=geo.parse_bbox(form.bbox.data) if form.bbox.data else None)


def _where(select: sa.Select, f: SensorFilter) -> sa.Select:
    select = select.where(Sensor.public_clause())
    if f.type:
        select = select.where(Sensor.sensor_type == SensorType(f.type))
    if f.personal in ("yes", "no"):
        select = select.where(Sensor.personal_data.is_(f.personal == "yes"))
    if f.gemeente:
        select = select.where(Sensor.gemeente_id == sa.select(Organisation.id).where(
            Organisation.slug == f.gemeente).scalar_subquery())
    if f.owner:
        select = select.where(Sensor.owner_id == sa.select(Organisation.id).where(
            Organisation.slug == f.owner).scalar_subquery())
    if f.status == "expired":
        select = select.where(Sensor.expired_at.is_not(None))
    elif f.status in {s.value for s in SensorStatus}:
        select = select.where(Sensor.status == SensorStatus(f.status), Sensor.expired_at.is_(None))
    elif f.status != "all":
        select = select.where(Sensor.status != SensorStatus.REMOVED, Sensor.expired_at.is_(None))
    if f.bbox:
        west, south, east, north = f.bbox
        # Overlap of two boxes: the sensor's box starts before this one ends, and vice versa.
        select = select.where(Sensor.min_lon <= east, Sensor.max_lon >= west,
                              Sensor.min_lat <= north, Sensor.max_lat >= south)
    if f.q:
        select = select.where(sa.or_(*(column.icontains(f.q, autoescape=True) for column in (
            Sensor.name, Sensor.purpose, Sensor.measures))))
    return select


def register(f: SensorFilter) -> sa.Select:
    """Accepted registrations matching the filters, newest first, for the list."""
    return _where(sa.select(Sensor), f).options(
        selectinload(Sensor.gemeente), selectinload(Sensor.owner)
    ).order_by(Sensor.created_at.desc(), Sensor.id.desc())


def _rows(f: SensorFilter):
    """Flat rows for the CSV: enums as their values, the geometry as its stored JSON text."""
    gemeente, owner = aliased(Organisation), aliased(Organisation)
    select = _where(sa.select(
        Sensor.id, Sensor.name, sa.type_coerce(Sensor.sensor_type, sa.String).label("kind"),
        sa.cast(Sensor.geometry, sa.Text).label("shape"), Sensor.lon, Sensor.lat,
        sa.type_coerce(Sensor.status, sa.String).label("status"), Sensor.personal_data,
        Sensor.placed_on, Sensor.ends_on, Sensor.expired_at.is_not(None).label("expired"),
        Sensor.late, Sensor.contact, Sensor.purpose, Sensor.measures,
        gemeente.name.label("gemeente"), owner.name.label("owner"),
    ).join(gemeente, gemeente.id == Sensor.gemeente_id).join(owner, owner.id == Sensor.owner_id),
        f).order_by(Sensor.id)
    return db.session.execute(select)


def geojson(f: SensorFilter) -> str:
    """An RFC 7946 FeatureCollection (WGS84 lon/lat, polygons counterclockwise). Each feature's
    properties carry what the map's popup shows; `url` leads to the sensor's page.

    Built for 10,000+ sensors: the database writes each feature's JSON around the stored
    geometry, which Python never parses; the type labels are translated once and passed in.
    SQLite builds it with json_object; PostgreSQL by concatenating text, with to_json()
    escaping the strings (json_build_object took a third longer there, bench/sensors.py). The
    register's pages serve the result from stored bytes while it is unchanged (geocache.py)."""
    base = url_for("sensors.detail", sensor_id=0)[:-1]
    postgres = db.session.get_bind().dialect.name == "postgresql"
    gemeente, owner = aliased(Organisation), aliased(Organisation)
    kind = sa.type_coerce(Sensor.sensor_type, sa.String)
    feature = _feature_text(base, gemeente, owner, kind) if postgres else \
        _feature_object(base, gemeente, owner, kind)
    select = _where(
        sa.select(feature)
        .join(gemeente, gemeente.id == Sensor.gemeente_id)
        .join(owner, owner.id == Sensor.owner_id), f,
    ).select_from(Sensor).order_by(Sensor.id)
    features = db.session.scalars(select).all()
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _status():
    return sa.case((Sensor.expired_at.is_not(None), "expired"),
                   else_=sa.type_coerce(Sensor.status, sa.String))


def _feature_object(base, gemeente, owner, kind):
    """SQLite: json_object; json() keeps the geometry and the booleans JSON (an object;
    true/false), not a string or 1/0."""
    type_label = sa.case({k.value: label(k) for k in SensorType}, value=kind)
    personal = sa.case((Sensor.personal_data, sa.func.json("true")), else_=sa.func.json("false"))
    build = sa.func.json_object
    return sa.cast(build(
        "type", "Feature", "id", Sensor.id, "geometry", sa.func.json(Sensor.geometry),
        "properties", build(
            "name", Sensor.name, "type", kind, "type_label", type_label, "status", _status(),
            "personal_data", personal, "gemeente", gemeente.name, "owner", owner.name,
            "ends_on", sa.cast(Sensor.ends_on, sa.String),
            "url", sa.literal(base) + sa.cast(Sensor.id, sa.String),
        ),
    ), sa.Text)


def _feature_text(base, gemeente, owner, kind):
    """PostgreSQL: the same feature as text pieces; strings through to_json() (JSON-escaped),
    the enum values and dates are plain ASCII."""
    def text(value):
        return sa.cast(sa.func.to_json(value), sa.Text)

    type_label = sa.case({k.value: json.dumps(str(label(k)), ensure_ascii=False)
                          for k in SensorType}, value=kind)
    parts = [
        '{"type":"Feature","id":', sa.cast(Sensor.id, sa.Text),
        ',"geometry":', sa.cast(Sensor.geometry, sa.Text),
        ',"properties":{"name":', text(Sensor.name), ',"type":"', kind,
        '","type_label":', type_label, ',"status":"', _status(),
        '","personal_data":', sa.case((Sensor.personal_data, "true"), else_="false"),
        ',"gemeente":', text(gemeente.name), ',"owner":', text(owner.name),
        ',"ends_on":"', sa.cast(Sensor.ends_on, sa.Text),
        '","url":', text(sa.literal(base, sa.Text) + sa.cast(Sensor.id, sa.Text)), "}}",
    ]
    expression = sa.literal(parts[0], sa.Text)
    for part in parts[1:]:
        expression = expression.concat(sa.literal(part, sa.Text) if isinstance(part, str)
                                       else part)
    return expression


CSV_COLUMNS = ("id", "name", "type", "latitude", "longitude", "area", "gemeente", "owner",
               "contact", "purpose", "measures", "personal_data", "status", "placed_on",
               "ends_on", "late")


def csv_text(f: SensorFilter) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(f):
        area = geo_text(json.loads(row.shape)) if '"Polygon"' in row.shape[:30] else ""
        writer.writerow([
            row.id, _safe(row.name), row.kind, row.lat, row.lon, area,
            _safe(row.gemeente), _safe(row.owner), _safe(row.contact), _safe(row.purpose),
            _safe(row.measures), "yes" if row.personal_data else "no",
            "expired" if row.expired else row.status, row.placed_on.isoformat(),
            row.ends_on.isoformat(), "yes" if row.late else "no",
        ])
    return out.getvalue()


def geo_text(geometry: dict) -> str:
    """WKT-like "lon lat" pairs of a polygon's ring, for a spreadsheet cell."""
    return "; ".join(f"{lon} {lat}" for lon, lat in geometry["coordinates"][0])


def _safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas (CSV injection)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# Sections of other pages


def for_case(case_id: int) -> list[sa.Row]:
    """The public sensors linked to a case, as rows of what its section shows (id, name, type,
    owner's and gemeente's names): one query, no ORM objects, on every view of the case."""
    return list(db.session.execute(_for_case(), {"case_id": case_id}))


@functools.cache
def _for_case() -> sa.Select:
    # Built once per process, the case as a parameter.
    owner, gemeente = aliased(Organisation), aliased(Organisation)
    return (sa.select(Sensor.id, Sensor.name, Sensor.sensor_type,
                      owner.name.label("owner_name"), gemeente.name.label("gemeente_name"))
            .join(sensor_case, sensor_case.c.sensor_id == Sensor.id)
            .join(owner, owner.id == Sensor.owner_id)
            .join(gemeente, gemeente.id == Sensor.gemeente_id)
            .where(sensor_case.c.case_id == sa.bindparam("case_id"), Sensor.public_clause())
            .order_by(Sensor.name))


def for_rules(rule_ids: list[int]) -> dict[int, list[Sensor]]:
    """Sensors linked to each of the given rules (a principle version's)."""
    if not rule_ids:
        return {}
    rows = db.session.execute(
        sa.select(sensor_rule.c.rule_id, Sensor)
        .join(Sensor, Sensor.id == sensor_rule.c.sensor_id)
        .where(sensor_rule.c.rule_id.in_(rule_ids), Sensor.public_clause())
        .order_by(Sensor.name)
    ).all()
    found: dict[int, list[Sensor]] = {}
    for rule_id, sensor in rows:
        found.setdefault(rule_id, []).append(sensor)
    return found


def organisation_summary(organisation: Organisation) -> dict:
    """A gemeente's sensors (those standing in it) or an owner's, with the count by type."""
    column = Sensor.gemeente_id if organisation.is_gemeente else Sensor.owner_id
    clause = sa.and_(column == organisation.id, Sensor.public_clause())
    counts = db.session.execute(
        sa.select(Sensor.sensor_type, sa.func.count(Sensor.id)).where(clause)
        .group_by(Sensor.sensor_type)
    ).all()
    sensors = list(db.session.scalars(
        sa.select(Sensor).where(clause).order_by(Sensor.created_at.desc()).limit(20)
    ))
    by_type = sorted(((label(kind), count) for kind, count in counts),
                     key=lambda pair: (-pair[1], pair[0]))
    return {"sensors": sensors, "by_type": by_type, "total": sum(n for _k, n in counts),
            "filter": "gemeente" if organisation.is_gemeente else "owner"}


def rule_choices() -> list[tuple[int, str]]:
    """The rules of each principle's current public version, for the registration form."""
    versions = db.session.scalars(
        sa.select(PrincipleVersion).join(Principle)
        .where(PrincipleVersion.status.in_(PUBLIC_STATUSES))
        .options(selectinload(PrincipleVersion.rules))
        .order_by(Principle.number, PrincipleVersion.number.desc())
    ).all()
    seen, result = set(), []
    for version in versions:
        if version.principle_id in seen:
            continue
        seen.add(version.principle_id)
        for rule in sorted(version.rules, key=lambda r: r.number):
            result.append((rule.id, f"{version.title} – {rule.number}. {rule.text}"[:200]))
    return result


def rules_of(sensor: Sensor) -> list[Rule]:
    return list(db.session.scalars(
        sa.select(Rule).where(Rule.id.in_([r.id for r in sensor.rules]))
        .options(selectinload(Rule.version).selectinload(PrincipleVersion.principle))
    )) if sensor.rules else []
