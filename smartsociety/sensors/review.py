"""The sensor page and what happens on it: review by the gemeente and its question thread,
"still there?", questions to the owner, missing-sensor reports; and the sections that case,
principle and organisation pages show."""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db, limiter
from smartsociety.labels import options
from smartsociety.models import (
    MissingSensorReport,
    Organisation,
    ReviewStatus,
    Sensor,
    SensorMessage,
    User,
)
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import SENSORS
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_ask_sensor_owner,
    can_discuss_sensor_review,
    can_edit_sensor,
    can_handle_missing_sensors,
    can_review_sensor,
    can_see_sensor_review_queue,
    ensure,
    is_moderator,
    verified_organisation,
)
from smartsociety.sensors import queries, services
from smartsociety.sensors.blueprint import bp, load, tile_settings
from smartsociety.sensors.forms import MessageForm, MissingSensorForm, StillThereForm
from smartsociety.solutions.blueprint import account_key, contact_limit
from smartsociety.solutions.forms import ContactForm


def render_detail(sensor: Sensor, status: int = 200, **forms):
    thread = []
    if can_discuss_sensor_review(current_user, sensor):
        thread = list(db.session.scalars(
            sa.select(SensorMessage).where(SensorMessage.sensor_id == sensor.id)
            .options(selectinload(SensorMessage.author).selectinload(User.organisation))
            .order_by(SensorMessage.id)
        ))
    return render_template(
        "sensors/detail.html", sensor=sensor, thread=thread, rules=queries.rules_of(sensor),
        message_form=forms.get("message_form") or MessageForm(),
        still_form=forms.get("still_form") or StillThereForm(),
        contact_form=forms.get("contact_form") or ContactForm(), tiles=tile_settings(),
    ), status


@bp.get("/sensoren/<int:sensor_id>")
@cached_page(scope=SENSORS)
def detail(sensor_id: int):
    """A sensor's page: what it measures, where and why, with its review thread."""
    return render_detail(load(sensor_id))


@bp.post("/sensoren/<int:sensor_id>/accepteren")
@login_required
def accept(sensor_id: int):
    """Accept a sensor registration (the gemeente's reviewer)."""
    sensor = load(sensor_id)
    ensure(can_review_sensor(current_user, sensor))
    if sensor.review_status is not ReviewStatus.ACCEPTED:
        services.accept(sensor, current_user)
    flash(_("The registration is accepted and shown in the public register."), "success")
    return redirect(url_for("sensors.detail", sensor_id=sensor.id))


@bp.post("/sensoren/<int:sensor_id>/vragen")
@login_required
def message(sensor_id: int):
    """Add a message to a sensor's review thread."""
    sensor = load(sensor_id)
    ensure(can_discuss_sensor_review(current_user, sensor))
    form = MessageForm()
    if not form.validate_on_submit():
        return render_detail(sensor, 422, message_form=form)
    services.add_message(sensor, current_user, form.body.data)
    flash(_("Your message has been added to the review thread."), "success")
    return redirect(url_for("sensors.detail", sensor_id=sensor.id, _anchor="review-thread"))


@bp.post("/sensoren/<int:sensor_id>/nog-aanwezig")
@login_required
def still_there(sensor_id: int):
    """The owner answers "still there?": a new end date, or removed."""
    sensor = load(sensor_id)
    ensure(can_edit_sensor(current_user, sensor))
    form = StillThereForm()
    if not form.validate_on_submit():
        return render_detail(sensor, 422, still_form=form)
    try:
        services.answer_still_there(sensor, current_user, form.answer.data == "yes",
                                    form.ends_on.data)
    except services.Refused as refusal:
        form.ends_on.errors = [str(refusal)]
        return render_detail(load(sensor_id), 422, still_form=form)
    flash(_("Thank you: the register is up to date."), "success")
    return redirect(url_for("sensors.detail", sensor_id=sensor.id))


@bp.post("/sensoren/<int:sensor_id>/contact")
@login_required
@limiter.limit(contact_limit, key_func=account_key, scope="contact")
def contact(sensor_id: int):
    """Ask a sensor's owner a question (to the organisation's inbox)."""
    sensor = load(sensor_id)
    ensure(can_ask_sensor_owner(current_user, sensor))
    form = ContactForm()
    if not form.validate_on_submit():
        return render_detail(sensor, 422, contact_form=form)
    services.ask_owner(current_user, sensor, form.subject.data, form.body.data)
    flash(_("Your message has been sent to %(name)s.", name=sensor.owner.name), "success")
    return redirect(url_for("sensors.detail", sensor_id=sensor.id))


@bp.get("/sensoren/beoordelen")
@login_required
def review_queue():
    """Registrations awaiting review in the member's gemeente (all of them, for moderators)."""
    ensure(can_see_sensor_review_queue(current_user))
    own = verified_organisation(current_user)
    select = sa.select(Sensor).where(Sensor.review_status == ReviewStatus.PENDING)
    if not is_moderator(current_user):
        select = select.where(Sensor.gemeente_id == own.id)
    page = paginate(select.options(selectinload(Sensor.owner), selectinload(Sensor.gemeente))
                    .order_by(Sensor.created_at))
    return render_template("sensors/review_queue.html", page=page)


def missing_limit() -> str:
    return current_app.config["SENSOR_REPORT_LIMIT"]


def _address_key() -> str:
    return f"address:{request.remote_addr}"


@bp.route("/sensoren/ontbrekend", methods=["GET", "POST"])
@limiter.limit(missing_limit, key_func=_address_key, methods=["POST"], scope="missing-sensor")
def report_missing():
    """Anyone reports a sensor that is not in the register, with a point on the map."""
    form = MissingSensorForm()
    form.gemeente_id.choices = options([(g.id, g.name) for g in services.gemeenten()])
    if form.validate_on_submit():
        services.report_missing(current_user if current_user.is_authenticated else None,
                                form.gemeente_id.data, form.latitude.data,
                                form.longitude.data, form.description.data)
        flash(_("Thank you. The municipality will look into your report."), "success")
        return redirect(url_for("sensors.index"))
    return render_template("sensors/missing.html", form=form, tiles=tile_settings()), (
        422 if form.is_submitted() else 200)


@bp.get("/organisaties/<slug>/ontbrekende-sensoren")
@login_required
def missing_reports(slug: str):
    """A gemeente's reports of missing sensors."""
    gemeente = db.first_or_404(sa.select(Organisation).where(Organisation.slug == slug))
    ensure(can_handle_missing_sensors(current_user, gemeente))
    page = paginate(sa.select(MissingSensorReport)
                    .where(MissingSensorReport.gemeente_id == gemeente.id)
                    .order_by(MissingSensorReport.handled_at.is_not(None),
                              MissingSensorReport.created_at.desc()))
    return render_template("sensors/missing_reports.html", gemeente=gemeente, page=page)


@bp.post("/organisaties/<slug>/ontbrekende-sensoren/<int:report_id>")
@login_required
def mark_handled(slug: str, report_id: int):
    """Mark a missing-sensor report handled."""
    gemeente = db.first_or_404(sa.select(Organisation).where(Organisation.slug == slug))
    ensure(can_handle_missing_sensors(current_user, gemeente))
    report = db.session.get(MissingSensorReport, report_id)
    if report is None or report.gemeente_id != gemeente.id:
        abort(404)
    services.mark_handled(report, current_user)
    flash(_("The report is marked as handled."), "success")
    return redirect(url_for("sensors.missing_reports", slug=slug))


# What other pages show (called from their templates, so their views need not know sensors)


@bp.app_template_global()
def sensors_for_case(case_id: int):
    return queries.for_case(case_id)


@bp.app_template_global()
def sensors_for_rules(rules):
    return queries.for_rules([rule.id for rule in rules])


@bp.app_template_global()
def sensor_summary(organisation):
    return queries.organisation_summary(organisation)
