"""The sensor register's blueprint, shared by its two route modules (views.py: the register,
registering and editing; review.py: the sensor page and what happens on it)."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import Sensor, User
from smartsociety.permissions import can_view_sensor

bp = Blueprint("sensors", __name__)


def tile_settings() -> dict:
    return {"url": current_app.config["SENSOR_TILE_URL"],
            "attribution": current_app.config["SENSOR_TILE_ATTRIBUTION"]}


def load(sensor_id: int) -> Sensor:
    sensor = db.session.scalar(
        sa.select(Sensor).where(Sensor.id == sensor_id)
        .options(selectinload(Sensor.gemeente), selectinload(Sensor.owner),
                 selectinload(Sensor.cases), selectinload(Sensor.rules),
                 selectinload(Sensor.author).selectinload(User.organisation))
    )
    if sensor is None or not can_view_sensor(current_user, sensor):
        abort(404, _("This sensor is not in the register."))
    return sensor
