"""Event pages: the list, an event with its programme, registration, calendars, and the
organiser's pages (programme, attendees, report and outcomes)."""
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety import dates
from smartsociety.cases.services import AttachmentRefused
from smartsociety.events import calendar, outcomes, registration, services
from smartsociety.events.forms import (
    CancelForm,
    EventForm,
    OutcomeForm,
    RegisterForm,
    ReportForm,
    SessionForm,
)
from smartsociety.events.inputs import event_data, event_form_data, session_data, session_form_data
from smartsociety.extensions import db
from smartsociety.models import Event, EventFile, EventSession, RegistrationStatus
from smartsociety.permissions import (
    can_manage_event,
    can_propose_event,
    can_publish_event,
    can_register_for_event,
    can_view_event,
    ensure,
    is_moderator,
    verified_organisation,
)

bp = Blueprint("events", __name__, url_prefix="/bijeenkomsten")


@bp.app_template_global("case_sessions")
def case_sessions(case):
    """Upcoming and past sessions that discuss `case`, for the case page."""
    return services.sessions_of_case(case)


@bp.app_template_filter("eventtime")
def eventtime(moment, event: Event, fmt: str = dates.LONG) -> str:
    """A moment in the event's own time zone (not the reader's), as the event is held there;
    `fmt` "time" gives the time of day only."""
    if fmt == "time":
        return dates.format_time(moment, event.timezone)
    return dates.format_datetime(moment, fmt, zone=event.timezone)


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return event


def _managed(event_id: int) -> Event:
    event = _event(event_id)
    ensure(can_manage_event(current_user, event))
    return event


def _session(event: Event, session_id: int) -> EventSession:
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _back(event: Event, anchor: str | None = None):
    return redirect(url_for("events.detail", event_id=event.id, _anchor=anchor))


@bp.get("")
def index():
    """Upcoming and past events; proposals for moderators."""
    return render_template(
        "events/index.html", upcoming=services.upcoming(), past=services.past(),
        proposals=services.proposals() if is_moderator(current_user) else [],
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def propose():
    """Propose an event in one's organisation's name (a moderator publishes it)."""
    ensure(can_propose_event(current_user))
    form = EventForm()
    if form.validate_on_submit():
        event = services.propose(current_user, verified_organisation(current_user),
                                 event_data(form))
        flash(_("Your event has been proposed. A moderator will publish it."), "success")
        return _back(event)
    return render_template("events/form.html", form=form, event=None), \
        422 if form.is_submitted() else 200


@bp.get("/<int:event_id>")
def detail(event_id: int):
    """An event: when and where, its programme, registration and what came out of it."""
    event = _event(event_id)
    place = registration.place_of(event, current_user)
    session_places = {s.id: registration.place_of(event, current_user, s) for s in event.sessions}
    visible = []
    if place is not None and place.status is RegistrationStatus.REGISTERED:
        visible = [r for r in registration.attendees(event) if r.name_visible]
    return render_template(
        "events/detail.html", event=event, state=services.state(event), place=place,
        session_places=session_places, programme=services.programme(event),
        taken=services.registered_count(event), visible_attendees=visible,
        register_form=RegisterForm(formdata=None, data={"name_visible": bool(
            place and place.name_visible)}),
        can_register=can_register_for_event(current_user), local=services.local,
        session_taken={s.id: services.registered_count(event, s.id) for s in event.sessions},
    )


@bp.route("/<int:event_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    """Change an event's details."""
    event = _managed(event_id)
    form = EventForm() if request.method == "POST" else EventForm(
        formdata=None, data=event_form_data(event))
    if form.validate_on_submit():
        services.update(event, event_data(form))
        flash(_("The event has been saved."), "success")
        return _back(event)
    return render_template("events/form.html", form=form, event=event), \
        422 if form.is_submitted() else 200


@bp.post("/<int:event_id>/publiceren")
@login_required
def publish(event_id: int):
    """Publish a proposed event (moderators)."""
    event = _event(event_id)
    ensure(can_publish_event(current_user))
    services.publish(event, current_user)
    flash(_("The event has been published."), "success")
    return _back(event)


@bp.route("/<int:event_id>/annuleren", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    """Cancel an event; everyone registered hears of it."""
    event = _managed(event_id)
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel(event, current_user, form.reason.data)
        flash(_("The event has been cancelled."), "info")
        return _back(event)
    return render_template("events/cancel.html", form=form, event=event), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/sessies/nieuw", methods=["GET", "POST"])
@login_required
def add_session(event_id: int):
    """Add a session to the programme."""
    event = _managed(event_id)
    form = SessionForm() if request.method == "POST" else SessionForm(
        formdata=None, data=session_form_data(event, None))
    if form.validate_on_submit():
        data = session_data(form, event)
        if data is not None:
            session = services.add_session(event, data)
            return _back(event, f"session-{session.id}")
    return render_template("events/session_form.html", form=form, event=event, session=None), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/sessies/<int:session_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_session(event_id: int, session_id: int):
    """Change a session."""
    event = _managed(event_id)
    session = _session(event, session_id)
    form = SessionForm() if request.method == "POST" else SessionForm(
        formdata=None, data=session_form_data(event, session))
    if form.validate_on_submit():
        data = session_data(form, event)
        if data is not None:
            services.update_session(session, data)
            return _back(event, f"session-{session.id}")
    return render_template("events/session_form.html", form=form, event=event,
                           session=session), 422 if form.is_submitted() else 200


@bp.post("/<int:event_id>/aanmelden")
@login_required
def register(event_id: int):
    """Register for the event, or for one of its sessions (a waitlist place when full)."""
    event = _event(event_id)
    ensure(can_register_for_event(current_user))
    form = RegisterForm()
    session = _session(event, int(request.form["session"])) \
        if request.form.get("session", "").isdigit() else None
    row = registration.register(event, current_user, session, bool(form.name_visible.data))
    if row.status is RegistrationStatus.WAITLISTED:
        flash(_("It is full: you are on the waitlist. You will hear from us when a place "
                "comes free."), "info")
    else:
        flash(_("You are registered."), "success")
    return _back(event, f"session-{session.id}" if session else "registration")


@bp.post("/<int:event_id>/afmelden")
@login_required
def unregister(event_id: int):
    """Give up a place (or a waitlist place); the first on the waitlist gets it."""
    event = _event(event_id)
    session = _session(event, int(request.form["session"])) \
        if request.form.get("session", "").isdigit() else None
    registration.cancel(event, current_user, session)
    flash(_("You have cancelled your registration."), "info")
    return _back(event, f"session-{session.id}" if session else "registration")


@bp.post("/<int:event_id>/zichtbaarheid")
@login_required
def visibility(event_id: int):
    """Whether other attendees see one's name."""
    event = _event(event_id)
    registration.set_name_visible(event, current_user,
                                  bool(RegisterForm().name_visible.data))
    flash(_("Your choice has been saved."), "success")
    return _back(event, "registration")


@bp.get("/<int:event_id>/deelnemers")
@login_required
def attendees(event_id: int):
    """The organiser's attendee list, with the waitlist."""
    event = _managed(event_id)
    return render_template(
        "events/attendees.html", event=event,
        registered=registration.attendees(event),
        waitlist=registration.attendees(event, status=RegistrationStatus.WAITLISTED),
        sessions=[(s, registration.attendees(s.event, s.id)) for s in event.sessions],
    )


@bp.get("/<int:event_id>/deelnemers.csv")
@login_required
def attendees_csv(event_id: int):
    """The attendee list as CSV."""
    event = _managed(event_id)
    return Response(registration.attendees_csv(event), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="deelnemers-{event.id}.csv"'})


@bp.get("/<int:event_id>.ics")
def ics(event_id: int):
    """The event as an iCalendar file."""
    event = _event(event_id)
    return Response(calendar.event_ics(event), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="bijeenkomst-{event.id}.ics"'})


@bp.route("/agenda", methods=["GET", "POST"])
@login_required
def my_calendar():
    """The member's personal calendar address (renewable)."""
    token = calendar.feed_token(current_user, renew=request.method == "POST")
    if request.method == "POST":
        flash(_("Your calendar has a new address; the old one no longer works."), "info")
        return redirect(url_for("events.my_calendar"))
    return render_template("events/calendar.html", token=token)


@bp.get("/agenda/<token>.ics")
def calendar_feed(token: str):
    """A member's events as a calendar feed (secret address, no login)."""
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    return Response(calendar.member_ics(user), mimetype="text/calendar")


@bp.route("/<int:event_id>/verslag", methods=["GET", "POST"])
@login_required
def report(event_id: int):
    """After the event: the report, slides and the sessions' outcomes."""
    event = _managed(event_id)
    form = ReportForm() if request.method == "POST" else ReportForm(
        formdata=None, data={"report": event.report})
    if form.validate_on_submit():
        outcomes.save_report(event, form.report.data or "")
        if form.upload.data:
            try:
                outcomes.add_file(event, current_user, form.upload.data)
            except AttachmentRefused:  # the 400 below keeps nothing of the report
                form.upload.errors.append(_("This file type is not accepted or the file is too "
                                            "large: PDF, images, office documents up to 10 MB."))
                return render_template("events/report.html", form=form, event=event,
                                       outcome_forms={}), 400
        flash(_("The report has been saved."), "success")
        return redirect(url_for("events.report", event_id=event.id))
    return render_template("events/report.html", form=form, event=event, outcome_forms={
        s.id: OutcomeForm(prefix=f"o{s.id}", formdata=None, data={"outcome": s.outcome})
        for s in event.sessions
    }), 422 if form.is_submitted() else 200


@bp.post("/<int:event_id>/sessies/<int:session_id>/uitkomst")
@login_required
def outcome(event_id: int, session_id: int):
    """Record a session's outcome; it is posted into the threads of the cases it discussed."""
    event = _managed(event_id)
    session = _session(event, session_id)
    form = OutcomeForm(prefix=f"o{session.id}")
    if not form.validate():
        return render_template("events/report.html", form=ReportForm(formdata=None, data={
            "report": event.report}), event=event, outcome_forms={session.id: form}), 400
    posted = outcomes.record_outcome(session, current_user, form.outcome.data)
    flash(_("The outcome has been saved and posted in %(n)d case threads.", n=posted)
          if posted else _("The outcome has been saved."), "success")
    return redirect(url_for("events.report", event_id=event.id))


@bp.get("/<int:event_id>/bestanden/<int:file_id>")
def download(event_id: int, file_id: int):
    """A file of the event (slides), served as a download."""
    event = _event(event_id)
    stored = db.session.get(EventFile, file_id)
    if stored is None or stored.event_id != event.id:
        abort(404)
    return send_file(outcomes.file_path(stored), mimetype=stored.content_type,
                     as_attachment=True, download_name=stored.filename)
