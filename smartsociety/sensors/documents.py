"""Sensors in the search index: type "sensor"; the sensor type in the "kind" facet and whether it
collects personal data in the "status" facet (the engine's facets, unchanged)."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.models import Organisation, PersonalData, Sensor
from smartsociety.search.registry import MAX_BODY, REGISTRY, DocumentType


def load_sensors(session: Session, ids: list[int]) -> dict[int, dict]:
    sensors = session.scalars(
        sa.select(Sensor).where(Sensor.id.in_(ids), Sensor.public_clause())
        .options(selectinload(Sensor.owner), selectinload(Sensor.gemeente))
    )
    return {
        s.id: {
            "title": s.name,
            "body": "\n".join(part for part in [
                s.purpose, s.measures, s.stored, s.gemeente.name, s.owner.name,
            ] if part)[:MAX_BODY],
            "language": "nl",
            "kind": s.sensor_type.value,
            "status": (PersonalData.YES if s.personal_data else PersonalData.NO).value,
            "date": s.created_at,
            "organisation": s.owner.name,
            "org_kind": s.owner.kind.value,
        }
        for s in sensors
    }


def _url(doc_id: int, _stored: dict) -> str | None:
    return url_for("sensors.detail", sensor_id=doc_id)


def _dependents_of_organisations(session: Session, ids: list[int]):
    """An organisation's name is in its sensors' documents."""
    return [("sensor", i) for i in session.scalars(
        sa.select(Sensor.id).where(sa.or_(Sensor.owner_id.in_(ids), Sensor.gemeente_id.in_(ids)))
    )]


def register() -> None:
    REGISTRY.register(DocumentType(
        name="sensor",
        model=Sensor,
        label=_l("Sensor"),
        load=load_sensors,
        public_ids=lambda: sa.select(Sensor.id).where(Sensor.public_clause()),
        url=_url,
    ))
    REGISTRY.watch(Organisation, "sensor_owner", lambda org: org.id,
                   expand=_dependents_of_organisations)
