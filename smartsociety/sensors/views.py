"""The sensor register at /sensoren: map and list, open data, registering and editing."""
import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety import diffs
from smartsociety.extensions import db
from smartsociety.feeds.views import FEED_SIZE, _feed
from smartsociety.labels import label, options
from smartsociety.models import Organisation, Sensor, SensorRevision, User
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import SENSORS
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_edit_sensor,
    can_register_sensor,
    ensure,
    is_moderator,
    verified_organisation,
)

# The sensor page and its actions are routes on the same `bp`, in review.py.
from smartsociety.sensors import geocache, queries, review, services  # noqa: F401 (review)
from smartsociety.sensors.blueprint import bp, load, tile_settings
from smartsociety.sensors.forms import FilterForm, SensorForm

REVISION_LABELS = {
    "name": _l("Name"), "sensor_type": _l("Type of sensor"), "geometry": _l("Location"),
    "gemeente": _l("Municipality"), "owner": _l("Owner"), "contact": _l("Public contact route"),
    "purpose": _l("Purpose"), "measures": _l("What is measured"), "stored": _l("What is stored"),
    "personal_data": _l("The sensor collects personal data"),
    "legal_basis": _l("Legal basis under the AVG (GDPR)"), "dpia_done": _l("A DPIA has been done"),
    "retention": _l("Retention period"), "access": _l("Who gets access to the data"),
    "open_data": _l("The data is open data"), "open_data_url": _l("Link to the open data"),
    "placed_on": _l("Placement date"), "ends_on": _l("Planned end date"), "status": _l("Status"),
    "cases": _l("Related cases"), "rules": _l("Principle rules this sensor concerns"),
}


def _filters() -> tuple[FilterForm, queries.SensorFilter | None]:
    form = FilterForm(request.args)
    if not form.validate():
        return form, None
    return form, queries.SensorFilter.from_form(form)


@bp.get("/sensoren")
@cached_page(scope=SENSORS)
def index():
    """The sensor register: a map with a list, filtered."""
    form, filters = _filters()
    page = paginate(queries.register(filters or queries.SensorFilter(status="none")))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "sensors/index.html", form=form, page=page, gemeenten=services.gemeenten(), args=args,
        tiles=tile_settings(),
        geojson_url=url_for("sensors.geojson", **args), csv_url=url_for("sensors.csv", **args),
    ), (200 if filters else 400)


@bp.get("/sensoren.geojson")
def geojson():
    """The public sensor register as GeoJSON (stored bytes while it is unchanged, ETag, gzip)."""
    _form, filters = _filters()
    if filters is None:
        abort(400, _("These filters are not valid."))
    return geocache.response(filters)


@bp.get("/sensoren.csv")
def csv():
    """The public sensor register as CSV."""
    _form, filters = _filters()
    if filters is None:
        abort(400, _("These filters are not valid."))
    return Response(queries.csv_text(filters), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sensoren.csv"'})


@bp.get("/feeds/sensoren/<slug>.atom")
def feed(slug: str):
    """New accepted registrations in one gemeente (Atom, RFC 4287)."""
    gemeente = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if gemeente is None or not gemeente.is_gemeente:
        abort(404)
    sensors = db.session.scalars(
        sa.select(Sensor).where(Sensor.gemeente_id == gemeente.id, Sensor.public_clause())
        .options(selectinload(Sensor.owner))
        .order_by(Sensor.created_at.desc(), Sensor.id.desc()).limit(FEED_SIZE)
    ).all()
    entries = [{
        "id": url_for("sensors.detail", sensor_id=s.id, _external=True),
        "url": url_for("sensors.detail", sensor_id=s.id, _external=True),
        "title": f"{s.name} ({label(s.sensor_type)})",
        "updated": s.created_at,
        "author": s.owner.name,
        "summary": s.purpose,
    } for s in sensors]
    return _feed(url_for("sensors.feed", slug=slug, _external=True),
                 _("Smart Society: sensors in %(name)s", name=gemeente.name),
                 url_for("sensors.index", gemeente=slug, _external=True), entries)


def sensor_form(sensor: Sensor | None, data=None) -> SensorForm:
    """Built from the sensor (editing) or from explicit defaults (a new one), never both."""
    if sensor is not None and not request.form:
        data = {**sensor.snapshot(), "gemeente_id": sensor.gemeente_id,
                "owner_id": sensor.owner_id, "legal_basis": sensor.legal_basis.value
                if sensor.legal_basis else "", "placed_on": sensor.placed_on,
                "ends_on": sensor.ends_on, "rules": [r.id for r in sensor.rules],
                "geometry_kind": "area" if sensor.is_area else "point",
                "latitude": None if sensor.is_area else sensor.lat,
                "longitude": None if sensor.is_area else sensor.lon,
                "area": sensor.snapshot()["geometry"] if sensor.is_area else ""}
    form = SensorForm(data=data or {})
    form.gemeente_id.choices = options([(g.id, g.name) for g in services.gemeenten()])
    if is_moderator(current_user):
        owners = db.session.scalars(Organisation.by_name().where(
            Organisation.verified_at.is_not(None))).all()
    else:
        own = verified_organisation(current_user)
        owners = [own] if own else []
    if sensor is not None and sensor.owner not in owners:
        owners = [sensor.owner, *owners]
    form.owner_id.choices = options([(o.id, o.name) for o in owners])
    form.rules.choices = options(queries.rule_choices())
    return form


def _input(form: SensorForm) -> services.SensorInput:
    return services.SensorInput(
        name=form.name.data, sensor_type=form.sensor_type.data, geometry=form.geometry,
        gemeente_id=form.gemeente_id.data, owner_id=form.owner_id.data,
        contact=form.contact.data, purpose=form.purpose.data, measures=form.measures.data,
        stored=form.stored.data or "", personal_data=form.personal_data.data,
        legal_basis=form.legal_basis.data or None, dpia_done=form.dpia_done.data,
        retention=form.retention.data or "", access=form.access.data or "",
        open_data=form.open_data.data, open_data_url=form.open_data_url.data or None,
        placed_on=form.placed_on.data, ends_on=form.ends_on.data, status=form.status.data,
        case_ids=form.case_ids(), rule_ids=form.rules.data or [],
    )


def _save(form: SensorForm, sensor: Sensor | None):
    """(result, refusal message): the form's input rules passed; the services may refuse."""
    try:
        if sensor is None:
            return services.create_sensor(current_user, _input(form)), None
        return services.edit_sensor(sensor, current_user, _input(form)), None
    except services.Refused as refusal:
        return None, str(refusal)


def _render_form(form: SensorForm, sensor: Sensor | None, status: int, problem=None):
    return render_template("sensors/form.html", form=form, sensor=sensor, problem=problem,
                           tiles=tile_settings()), status


@bp.route("/sensoren/nieuw", methods=["GET", "POST"])
@login_required
def new():
    """Register a sensor."""
    if not can_register_sensor(current_user):
        return render_template("sensors/not_verified.html"), 403
    own = verified_organisation(current_user)
    form = sensor_form(None, {"owner_id": own.id if own else None,
                              "gemeente_id": own.id if own and own.is_gemeente else None})
    if form.validate_on_submit():
        sensor, problem = _save(form, None)
        if sensor is not None:
            flash(_("Your sensor has been registered. The municipality reviews it before it "
                    "appears in the public register."), "success")
            return redirect(url_for("sensors.detail", sensor_id=sensor.id))
        return _render_form(form, None, 422, problem)
    return _render_form(form, None, 422 if form.is_submitted() else 200)


@bp.route("/sensoren/<int:sensor_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(sensor_id: int):
    """Edit a sensor registration."""
    sensor = load(sensor_id)
    ensure(can_edit_sensor(current_user, sensor))
    form = sensor_form(sensor)
    if form.validate_on_submit():
        changed, problem = _save(form, sensor)
        if problem is None:
            flash(_("Your changes have been saved.") if changed
                  else _("Nothing was changed."), "success" if changed else "info")
            return redirect(url_for("sensors.detail", sensor_id=sensor.id))
        return _render_form(form, load(sensor_id), 422, problem)
    return _render_form(form, sensor, 422 if form.is_submitted() else 200)


@bp.get("/sensoren/<int:sensor_id>/geschiedenis")
def history(sensor_id: int):
    """A sensor registration's revisions."""
    sensor = load(sensor_id)
    revisions = list(db.session.scalars(
        sa.select(SensorRevision).where(SensorRevision.sensor_id == sensor.id)
        .options(selectinload(SensorRevision.editor).selectinload(User.organisation))
        .order_by(SensorRevision.id.desc())
    ))
    labels = {key: str(text) for key, text in REVISION_LABELS.items()}

    def readable(data: dict) -> dict:
        shown = dict(data)
        for key in ("personal_data", "dpia_done", "open_data"):
            if key in shown:
                shown[key] = _("Yes") if shown[key] else _("No")
        for key in ("sensor_type", "status", "legal_basis"):
            if shown.get(key):
                shown[key] = label(shown[key])
        return shown

    entries = diffs.history(revisions, labels, readable)
    return render_template("sensors/history.html", sensor=sensor, entries=entries)

