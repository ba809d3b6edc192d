"""The sensor register: who measures what, where and why in the public space."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow

# Owners notify the gemeente at least this many days before placement (Amsterdam APV 2.25a).
NOTICE_DAYS = 5


class SensorType(str, enum.Enum):
    CAMERA = "camera"
    CAMERA_ANALYTICS = "camera_analytics"
    WIFI_TRACKER = "wifi_tracker"
    SOUND = "sound"
    AIR_QUALITY = "air_quality"
    TRAFFIC_COUNTER = "traffic_counter"
    SMART_BILLBOARD = "smart_billboard"
    OTHER = "other_sensor"


class SensorStatus(str, enum.Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    REMOVED = "removed"


class ReviewStatus(str, enum.Enum):
    PENDING = "review_pending"
    ACCEPTED = "review_accepted"


class LegalBasis(str, enum.Enum):
    """The grounds of article 6(1) AVG (GDPR)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class PersonalData(str, enum.Enum):
    """The search facet value for "collects personal data"."""

    YES = "personal_data_yes"
    NO = "personal_data_no"


sensor_case = sa.Table(
    "sensor_case",
    Base.metadata,
    sa.Column("sensor_id", sa.ForeignKey("sensor.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("case_id", sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)

sensor_rule = sa.Table(
    "sensor_rule",
    Base.metadata,
    sa.Column("sensor_id", sa.ForeignKey("sensor.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rule_id", sa.ForeignKey("principle_rule.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class Sensor(Base):
    """One registration: a fixed sensor (a point) or mobile sensors in an area (a polygon).

    The geometry is kept as GeoJSON (WGS84); its bounding box and a representative point are
    kept in columns, so bounding-box queries and the map's markers need no geometry parsing."""

    __tablename__ = "sensor"
    __table_args__ = (sa.Index("ix_sensor_bbox", "min_lon", "max_lon", "min_lat", "max_lat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    sensor_type: Mapped[SensorType] = mapped_column(str_enum(SensorType, 20), index=True)
    geometry: Mapped[dict] = mapped_column(sa.JSON)
    lon: Mapped[float]
    lat: Mapped[float]
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]
    gemeente_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    contact: Mapped[str] = mapped_column(sa.String(300))
    purpose: Mapped[str] = mapped_column(sa.String(2000))
    measures: Mapped[str] = mapped_column(sa.String(2000))
    stored: Mapped[str] = mapped_column(sa.String(2000), default="")
    personal_data: Mapped[bool] = mapped_column(default=False, index=True)
    legal_basis: Mapped[LegalBasis | None] = mapped_column(str_enum(LegalBasis, 30))
    dpia_done: Mapped[bool] = mapped_column(default=False)
    retention: Mapped[str] = mapped_column(sa.String(200), default="")
    access: Mapped[str] = mapped_column(sa.String(500), default="")
    open_data: Mapped[bool] = mapped_column(default=False)
    open_data_url: Mapped[str | None] = mapped_column(sa.String(300))
    placed_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[SensorStatus] = mapped_column(str_enum(SensorStatus, 20), index=True)
    # Registered less than NOTICE_DAYS before placement; fixed when the registration is made.
    late: Mapped[bool] = mapped_column(default=False)
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, 20), default=ReviewStatus.PENDING, index=True
    )
    reviewed_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # "Still there?" asked after the end date; unanswered long enough, the registration expires.
    still_there_asked_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    gemeente: Mapped["Organisation"] = relationship(foreign_keys=[gemeente_id])  # noqa: F821
    owner: Mapped["Organisation"] = relationship(foreign_keys=[owner_id])  # noqa: F821
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    reviewer: Mapped["User | None"] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
    cases: Mapped[list["Case"]] = relationship(  # noqa: F821
        secondary=sensor_case, order_by="Case.id"
    )
    rules: Mapped[list["Rule"]] = relationship(  # noqa: F821
        secondary=sensor_rule, order_by="Rule.id"
    )
    revisions: Mapped[list["SensorRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="SensorRevision.id"
    )
    messages: Mapped[list["SensorMessage"]] = relationship(
        cascade="all, delete-orphan", order_by="SensorMessage.id"
    )

    @property
    def is_public(self) -> bool:
        return self.review_status is ReviewStatus.ACCEPTED

    @property
    def is_expired(self) -> bool:
        return self.expired_at is not None

    @property
    def is_area(self) -> bool:
        return self.geometry.get("type") == "Polygon"

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        return cls.review_status == ReviewStatus.ACCEPTED

    def snapshot(self) -> dict:
        return {
            "name": self.name,
            "sensor_type": self.sensor_type.value,
            "geometry": geometry_text(self.geometry),
            "gemeente": self.gemeente.name if self.gemeente else "",
            "owner": self.owner.name if self.owner else "",
            "contact": self.contact,
            "purpose": self.purpose,
            "measures": self.measures,
            "stored": self.stored,
            "personal_data": self.personal_data,
            "legal_basis": self.legal_basis.value if self.legal_basis else "",
            "dpia_done": self.dpia_done,
            "retention": self.retention,
            "access": self.access,
            "open_data": self.open_data,
            "open_data_url": self.open_data_url or "",
            "placed_on": self.placed_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "status": self.status.value,
            "cases": ", ".join(str(case.id) for case in self.cases),
            "rules": ", ".join(str(rule.id) for rule in self.rules),
        }

    def __repr__(self) -> str:
        return f"<Sensor {self.id} {self.name!r}>"


def geometry_text(geometry: dict) -> str:
    """Coordinates as people type them: "lat, lon", one point a line (the closing point of a
    polygon left out)."""
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"]
        return f"{lat:.6f}, {lon:.6f}"
    ring = geometry["coordinates"][0][:-1]
    return "\n".join(f"{lat:.6f}, {lon:.6f}" for lon, lat in ring)


class SensorRevision(Base):
    """The registration's content after one save (the first is the registration as made)."""

    __tablename__ = "sensor_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sensor.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    editor: Mapped["User | None"] = relationship()  # noqa: F821


class SensorMessage(Base):
    """The review thread: the gemeente's questions and the owner's answers."""

    __tablename__ = "sensor_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sensor.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped["User | None"] = relationship()  # noqa: F821


class MissingSensorReport(Base):
    """Someone saw a sensor that is not in the register; the gemeente follows it up."""

    __tablename__ = "missing_sensor_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    lon: Mapped[float]
    lat: Mapped[float]
    description: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    gemeente: Mapped["Organisation"] = relationship()  # noqa: F821
    reporter: Mapped["User | None"] = relationship(foreign_keys=[reporter_id])  # noqa: F821
