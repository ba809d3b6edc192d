"""The sensor register through the API: the register's list with the page's filters, one
registration, and the register as GeoJSON. The same visibility as /sensoren: lists show only
accepted registrations; a registration awaiting review is read only by its owner side and the
gemeente's reviewers (with their token), as on its page."""
import sqlalchemy as sa
from flask import abort, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from smartsociety.api import schemas as s
from smartsociety.api.core import PREFIX, PageArgs, api_user, keyset_page, page_schema
from smartsociety.extensions import db
from smartsociety.models import PrincipleVersion, Rule, Sensor
from smartsociety.permissions import can_view_case, can_view_principle_version, can_view_sensor
from smartsociety.sensors import geocache, geometry, queries

blp = Blueprint("api-sensors", __name__, url_prefix=PREFIX,
                description="The sensor register: who measures what, where and why")


def _filters(args: dict) -> queries.SensorFilter:
    return queries.SensorFilter(
        q=args.get("q", ""), type=args.get("type", ""), personal=args.get("personal", ""),
        gemeente=args.get("gemeente", ""), owner=args.get("owner", ""),
        status=args.get("status", ""),
        bbox=geometry.parse_bbox(args["bbox"]) if args.get("bbox") else None)


@blp.route("/sensors")
class Sensors(MethodView):
    @blp.arguments(type("SensorListArgs", (s.SensorFilterArgs, PageArgs), {}), location="query")
    @blp.response(200, page_schema(s.SensorSummarySchema, "SensorPage"))
    def get(self, args):
        """Registered sensors, with the filters of the register's page

        Only accepted registrations, newest first: the same as /sensoren shows."""
        select = queries.register(_filters(args))
        items, cursor = keyset_page(select, [(Sensor.created_at, True), (Sensor.id, True)],
                                    args, "sensors")
        return {"items": items, "next_cursor": cursor}


@blp.route("/sensors.geojson")
class SensorsGeoJSON(MethodView):
    @blp.arguments(s.SensorFilterArgs, location="query")
    @blp.response(200, s.FeatureCollectionSchema, content_type=geocache.MEDIA_TYPE)
    def get(self, args):
        """The register as GeoJSON (RFC 7946), with the same filters

        The whole collection in one answer (no pagination), as /sensoren.geojson: WGS84, one
        Feature per accepted registration, its number as `id`. Served with gzip when asked and
        an ETag; the collection is kept until the register changes."""
        return geocache.response(_filters(args))


def _links(sensor: Sensor) -> None:
    user = api_user()
    sensor.api_cases = [
        {"id": case.id, "title": case.title,
         "url": url_for("cases.detail", case_id=case.id, _external=True)}
        for case in sensor.cases if can_view_case(user, case)]
    rules = db.session.scalars(
        sa.select(Rule).where(Rule.id.in_([r.id for r in sensor.rules]))
        .options(selectinload(Rule.version).selectinload(PrincipleVersion.principle))
        .order_by(Rule.id)) if sensor.rules else []
    sensor.api_rules = [
        {"id": rule.id, "title": f"{rule.version.title} – {rule.number}. {rule.text}",
         "url": url_for("principles.detail", slug=rule.version.principle.slug, _external=True)}
        for rule in rules if can_view_principle_version(user, rule.version)]


@blp.route("/sensors/<int(max=2147483647):sensor_id>")
class SensorDetail(MethodView):
    @blp.response(200, s.SensorSchema)
    def get(self, sensor_id):
        """One registration: what it measures and stores, why, its legal basis, links"""
        sensor = db.session.scalar(
            sa.select(Sensor).where(Sensor.id == sensor_id)
            .options(selectinload(Sensor.gemeente), selectinload(Sensor.owner),
                     selectinload(Sensor.cases), selectinload(Sensor.rules)))
        if sensor is None or not can_view_sensor(api_user(), sensor):
            abort(404, _("This sensor is not in the register."))
        _links(sensor)
        return sensor
