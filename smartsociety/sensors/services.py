"""Writes of the sensor register: registrations with revisions, review, "still there?", expiry,
questions to owners and missing-sensor reports."""
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from smartsociety.extensions import db
from smartsociety.mail import send_mail
from smartsociety.models import (
    Case,
    ContactMessage,
    EventKind,
    LegalBasis,
    MissingSensorReport,
    Organisation,
    ReviewStatus,
    Rule,
    Sensor,
    SensorMessage,
    SensorRevision,
    SensorStatus,
    SensorType,
    User,
    utcnow,
)
from smartsociety.models.sensor import NOTICE_DAYS
from smartsociety.notify import services as notify
from smartsociety.permissions import can_review_sensor, is_moderator, is_verified_member
from smartsociety.refusals import Refused
from smartsociety.sensors import geometry as geo
from smartsociety.transaction import after_commit, savepoint


@dataclass
class SensorInput:
    name: str
    sensor_type: str
    geometry: dict
    gemeente_id: int
    owner_id: int
    contact: str
    purpose: str
    measures: str
    stored: str = ""
    personal_data: bool = False
    legal_basis: str | None = None
    dpia_done: bool = False
    retention: str = ""
    access: str = ""
    open_data: bool = False
    open_data_url: str | None = None
    placed_on: date = field(default_factory=date.today)
    ends_on: date = field(default_factory=date.today)
    status: str = SensorStatus.PLANNED.value
    case_ids: list[int] = field(default_factory=list)
    rule_ids: list[int] = field(default_factory=list)


def gemeenten() -> list[Organisation]:
    """Verified gemeenten, by name: where a sensor can be registered."""
    return list(db.session.scalars(
        Organisation.by_name().where(Organisation.kind == "gemeente",
                                     Organisation.verified_at.is_not(None))
    ))


def _apply(sensor: Sensor, data: SensorInput, actor: User) -> None:
    gemeente = db.session.get(Organisation, data.gemeente_id)
    if gemeente is None or not gemeente.is_gemeente or not gemeente.is_verified:
        raise Refused(_("Choose a municipality from the list."))
    owner = db.session.get(Organisation, data.owner_id)
    if owner is None or not (is_verified_member(actor, owner) or _moderates(actor)):
        raise Refused(_("You can only register sensors of your own organisation."))
    sensor.name = data.name
    sensor.sensor_type = SensorType(data.sensor_type)
    sensor.geometry = data.geometry
    sensor.lon, sensor.lat, bbox = geo.anchor(data.geometry)
    sensor.min_lon, sensor.min_lat, sensor.max_lon, sensor.max_lat = bbox
    sensor.gemeente, sensor.owner = gemeente, owner
    sensor.contact, sensor.purpose, sensor.measures = data.contact, data.purpose, data.measures
    sensor.stored = data.stored or ""
    sensor.personal_data = data.personal_data
    personal = data.personal_data
    sensor.legal_basis = LegalBasis(data.legal_basis) if personal and data.legal_basis else None
    sensor.dpia_done = data.dpia_done if personal else False
    sensor.retention = data.retention if personal else ""
    sensor.access = data.access if personal else ""
    sensor.open_data = data.open_data
    sensor.open_data_url = data.open_data_url if data.open_data else None
    sensor.placed_on, sensor.ends_on = data.placed_on, data.ends_on
    sensor.status = SensorStatus(data.status)
    sensor.cases = _cases(data.case_ids)
    sensor.rules = list(db.session.scalars(
        sa.select(Rule).where(Rule.id.in_(data.rule_ids)).order_by(Rule.id)
    )) if data.rule_ids else []


def _moderates(user) -> bool:
    return is_moderator(user)


def _cases(ids: list[int]) -> list[Case]:
    if not ids:
        return []
    found = list(db.session.scalars(
        Case.public().where(Case.id.in_(ids)).order_by(None).order_by(Case.id)
    ))
    missing = sorted(set(ids) - {case.id for case in found})
    if missing:
        raise Refused(_("There is no public case with number %(numbers)s.",
                        numbers=", ".join(str(n) for n in missing)))
    return found


def is_late(placed_on: date, registered: datetime) -> bool:
    return (placed_on - registered.date()).days < NOTICE_DAYS


def create_sensor(user: User, data: SensorInput) -> Sensor:
    """A new registration, awaiting the gemeente's review; nothing is stored when refused."""
    # In a savepoint: a refusal half-way undoes (and forgets) the half-built sensor alone.
    with savepoint():
        sensor = Sensor(author=user, review_status=ReviewStatus.PENDING)
        _apply(sensor, data, user)
    now = utcnow()
    sensor.created_at = sensor.updated_at = now
    sensor.late = is_late(data.placed_on, now)
    db.session.add(sensor)
    db.session.flush()
    sensor.revisions.append(SensorRevision(editor=user, data=sensor.snapshot()))
    db.session.flush()
    return sensor


class _Unchanged(Exception):
    pass


def edit_sensor(sensor: Sensor, user: User, data: SensorInput) -> bool:
    """Save an edit as a revision; a save without changes records none. Returns changed."""
    before = sensor.snapshot()
    try:
        # In a savepoint: a refusal, or a save without changes, undoes the applied input alone.
        with savepoint(), db.session.no_autoflush:
            _apply(sensor, data, user)
            after = sensor.snapshot()
            if after == before:
                raise _Unchanged
    except _Unchanged:
        return False
    sensor.updated_at = utcnow()
    if sensor.ends_on > date.today():  # a new end date answers "still there?"
        sensor.still_there_asked_at = sensor.expired_at = None
    sensor.revisions.append(SensorRevision(editor=user, data=after))
    db.session.flush()
    return True


def _owner_side(sensor: Sensor) -> list[int]:
    """Who answers for the sensor: its registrant and the owner's verified members."""
    ids = {user.id for user in sensor.owner.members if is_verified_member(user, sensor.owner)}
    if sensor.author_id:
        ids.add(sensor.author_id)
    return sorted(ids)


def _subject(sensor: Sensor) -> dict:
    """What notify.emit needs for an item without a column of its own: where it leads."""
    return {"path": f"/sensoren/{sensor.id}", "title": sensor.name}


def accept(sensor: Sensor, reviewer: User) -> None:
    sensor.review_status = ReviewStatus.ACCEPTED
    sensor.reviewed_at = utcnow()
    sensor.reviewer = reviewer
    notify.emit(EventKind.SENSOR_REVIEW, reviewer, recipients=_owner_side(sensor),
                **_subject(sensor))
    db.session.flush()


def add_message(sensor: Sensor, author: User, body: str) -> SensorMessage:
    """A question from the gemeente or an answer from the owner; the other side hears of it."""
    message = SensorMessage(sensor_id=sensor.id, author=author, body=body)
    db.session.add(message)
    if can_review_sensor(author, sensor) and author.organisation_id != sensor.owner_id:
        recipients = _owner_side(sensor)
    else:
        recipients = sorted({m.author_id for m in sensor.messages
                             if m.author_id and m.author_id != author.id}
                            | ({sensor.reviewer_id} if sensor.reviewer_id else set()))
    notify.emit(EventKind.SENSOR_QUESTION, author, recipients=recipients, **_subject(sensor))
    db.session.flush()
    return message


def answer_still_there(sensor: Sensor, user: User, still_there: bool,
                       ends_on: date | None) -> None:
    if still_there:
        if ends_on is None or ends_on <= date.today():
            raise Refused(_("The new end date must be in the future."))
        sensor.ends_on = ends_on
        if sensor.status is SensorStatus.PLANNED and sensor.placed_on <= date.today():
            sensor.status = SensorStatus.ACTIVE
    else:
        sensor.status = SensorStatus.REMOVED
    sensor.still_there_asked_at = None
    sensor.expired_at = None
    sensor.updated_at = utcnow()
    sensor.revisions.append(SensorRevision(editor=user, data=sensor.snapshot()))
    db.session.flush()


def ask_still_there(today: date) -> int:
    """Ask the owners of sensors past their end date (and not removed) whether they are still
    there: a notification, mailed as each member chose. Asked once per end date."""
    sensors = db.session.scalars(
        sa.select(Sensor).where(Sensor.ends_on < today, Sensor.status != SensorStatus.REMOVED,
                                Sensor.still_there_asked_at.is_(None),
                                Sensor.expired_at.is_(None))
    ).all()
    for sensor in sensors:
        sensor.still_there_asked_at = utcnow()
        notify.emit(EventKind.SENSOR_STILL_THERE, None, recipients=_owner_side(sensor),
                    **_subject(sensor))
    db.session.flush()
    return len(sensors)


def expire_unanswered(now: datetime, grace_days: int) -> int:
    """Registrations asked "still there?" more than `grace_days` ago without an answer are
    marked expired: they stay in the register, marked, and are never deleted."""
    sensors = db.session.scalars(
        sa.select(Sensor).where(Sensor.still_there_asked_at < now - timedelta(days=grace_days),
                                Sensor.expired_at.is_(None),
                                Sensor.status != SensorStatus.REMOVED)
    ).all()
    for sensor in sensors:
        sensor.expired_at = now
    db.session.flush()
    return len(sensors)


# Questions to the owner, through the organisation inbox of the marketplace


def ask_owner(sender: User, sensor: Sensor, subject: str, body: str) -> ContactMessage:
    """Stored in the owner's inbox first, then mailed to its members (a failed delivery is
    logged: the message is in the inbox already)."""
    message = ContactMessage(sensor_id=sensor.id, organisation_id=sensor.owner_id,
                             sender=sender, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    owner = sensor.owner
    inbox = url_for("solutions.inbox", slug=owner.slug, _external=True)
    page = url_for("sensors.detail", sensor_id=sensor.id, _external=True)
    sender_org = sender.organisation.name if sender.organisation else _("no organisation")
    text = _(
        "%(name)s (%(organisation)s) asks about your sensor %(sensor)s (%(page)s):\n\n"
        "%(body)s\n\nReply to %(email)s. All messages: %(inbox)s",
        name=sender.name, organisation=sender_org, sensor=sensor.name, page=page, body=body,
        email=sender.email, inbox=inbox,
    )
    mail_subject = _("[Smart Society] %(subject)s", subject=subject)
    addresses = [member.email for member in owner.members]

    def mail_members() -> None:  # once the message is committed to the inbox
        for address in addresses:
            try:
                send_mail(address, mail_subject, text, headers={"Reply-To": sender.email})
            except (smtplib.SMTPException, OSError):
                current_app.logger.exception("sensor question %s not mailed", message_id)

    message_id = message.id
    after_commit(mail_members)
    return message


def report_missing(reporter: User | None, gemeente_id: int, lat: float, lon: float,
                   description: str) -> MissingSensorReport:
    gemeente = db.session.get(Organisation, gemeente_id)
    if gemeente is None or not gemeente.is_gemeente:
        raise Refused(_("Choose a municipality from the list."))
    report = MissingSensorReport(gemeente=gemeente, reporter=reporter, lat=round(lat, 6),
                                 lon=round(lon, 6), description=description)
    db.session.add(report)
    db.session.flush()
    return report


def mark_handled(report: MissingSensorReport, user: User) -> None:
    report.handled_at = utcnow()
    report.handled_by_id = user.id
    db.session.flush()
