"""Reports by members; the moderators' queue, decisions, sanctions and audit log."""
import csv
import io
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from smartsociety.cases import services as case_services
from smartsociety.dates import format_datetime
from smartsociety.extensions import db
from smartsociety.ids import db_id
from smartsociety.labels import options
from smartsociety.models import (
    AuditEntry,
    Report,
    ReportReason,
    Sanction,
    SanctionKind,
    User,
    utcnow,
)
from smartsociety.moderation import auditlog, registry, services
from smartsociety.moderation.forms import (
    AuditFilterForm,
    DecisionForm,
    DeleteForm,
    ReportForm,
    SuspendForm,
    WarnForm,
)
from smartsociety.pagination import paginate
from smartsociety.permissions import (
    can_delete_permanently,
    can_moderate,
    can_report,
    can_sanction,
    can_view_case,
    can_view_hidden,
    ensure,
)
from smartsociety.ratelimits import reports
from smartsociety.redirects import safe_next_url
from smartsociety.refusals import require

bp = Blueprint("moderation", __name__)

# Write requests a suspended member may still make: leaving, and reading the warning.
SUSPENSION_ALLOWED = {"accounts.logout", "accounts.logout_everywhere", "moderation.acknowledge",
                      "main.set_language", "static"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DECISIONS = ("dismiss", "hide", "restore", "lock")
# Every action the audit log records, with its display name.
AUDIT_ACTIONS = {
    "auto_hide": _l("Hidden automatically after reports"),
    "dismiss": _l("Reports dismissed"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "delete": _l("Deleted permanently"),
    "lock": _l("Discussion locked"),
    "unlock": _l("Discussion unlocked"),
    "comment_delete": _l("Comment removed by a moderator"),
    "case_edit": _l("Case edited by a moderator"),
    "warn": _l("Warned"),
    "suspend": _l("Suspended"),
    "lift_sanction": _l("Sanction lifted"),
    "organisation_verify": _l("Organisation verified"),
    "organisation_unverify": _l("Organisation verification withdrawn"),
    "organisation_edit": _l("Organisation edited"),
    "role_change": _l("Role changed"),
    "principle_new_version": _l("New principle version started"),
    "principle_open_consultation": _l("Consultation opened"),
    "principle_adopt": _l("Principle version adopted"),
    "amendment_accept": _l("Amendment accepted"),
    "answer_accept": _l("Answer accepted by a moderator"),
    "answer_withdraw": _l("Accepted answer withdrawn by a moderator"),
    "principle_create": _l("Principle created"),
    "principle_draft_edit": _l("Principle draft edited"),
    "principle_draft_delete": _l("Principle draft deleted"),
    "solution_edit": _l("Solution edited by a moderator"),
    "solution_withdraw": _l("Solution withdrawn by a moderator"),
    "solution_reinstate": _l("Solution reinstated by a moderator"),
    "standard_add": _l("Open standard added"),
    "category_add": _l("Solution category added"),
    "certification_add": _l("Certification added"),
}


@bp.before_app_request
def refuse_writes_while_suspended():
    """The one suspension check: every write route, present and future, passes through here."""
    if request.method not in WRITE_METHODS or request.endpoint in SUSPENSION_ALLOWED:
        return None
    if not current_user.is_authenticated:
        return None
    suspension = db.session.scalar(Sanction.active_suspension(current_user.id))
    if suspension is not None:
        abort(403, _(
            "Your account is suspended until %(end)s, so you cannot post or change anything. "
            "Reason: %(reason)s",
            end=format_datetime(suspension.ends_at), reason=suspension.reason,
        ))
    return None


# Predicates that only let a member read stay as they are while the member is suspended.
_READING_PREDICATES = ("can_view", "can_read", "can_take_part_in_conversation")


def _refused(*_args, **_kwargs) -> bool:
    return False


@bp.app_context_processor
def moderation_banner():
    """Warnings the member must still acknowledge are shown on every page; a suspension is
    shown too, and the pages offer no form the member cannot use (every write predicate is
    False in templates), instead of a form whose text a 403 would throw away."""
    if not current_user.is_authenticated:
        return {"pending_warnings": [], "active_suspension": None}
    if "pending_warnings" not in g:
        # One query for both: the warnings to acknowledge and a suspension still running.
        warnings = Sanction.unacknowledged_warnings(current_user.id).whereclause
        suspension = Sanction.active_suspension(current_user.id).whereclause
        sanctions = list(db.session.scalars(
            sa.select(Sanction).where(sa.or_(warnings, suspension)).order_by(Sanction.created_at)
        ))
        g.pending_warnings = [s for s in sanctions if s.kind is SanctionKind.WARNING]
        g.active_suspension = max(
            (s for s in sanctions if s.kind is SanctionKind.SUSPENSION),
            key=lambda s: s.ends_at, default=None,
        )
    context = {"pending_warnings": g.pending_warnings, "active_suspension": g.active_suspension}
    if g.active_suspension is not None:
        from smartsociety.permissions import PREDICATES

        context.update({
            name: _refused for name in PREDICATES
            if name.startswith("can_") and not name.startswith(_READING_PREDICATES)
        })
    return context


def _item(target_type: str, target_id: int):
    kind = registry.get(target_type)
    item = kind.load(target_id) if kind else None
    if item is None:
        abort(404, _("This item does not exist or has been removed."))
    return kind, item


def _visible(kind, item) -> bool:
    if not can_view_hidden(current_user, item):
        return False
    if kind.name == "case":
        return can_view_case(current_user, item)
    if kind.name == "comment":
        return item.deleted_at is None and can_view_case(current_user, item.case)
    return True


# Reporting


@bp.route("/melden/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
@reports
def report(target_type: str, target_id: int):
    """Report an item (comment, case, solution, ...) to the moderators."""
    kind, item = _item(target_type, target_id)
    if not _visible(kind, item):
        abort(404, _("This item does not exist or has been removed."))
    ensure(can_report(current_user, item))
    mine = Report.open_for(kind.name, item.id).where(Report.reporter_id == current_user.id)
    if db.session.scalar(mine) is not None:
        flash(_("You have already reported this. A moderator will look at it."), "info")
        return redirect(kind.url(item))
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report(current_user, item, ReportReason(form.reason.data), form.text.data)
        except services.AlreadyReported:
            pass
        flash(_("Thank you. Your report has been received and a moderator will look at it."),
              "success")
        return redirect(kind.url(item))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "moderation/report.html", form=form, kind=kind, item=item,
        title=kind.title(item), url=kind.url(item),
    ), status


# The queue


@bp.get("/moderatie")
@login_required
def queue():
    """The moderators' queue of reported items."""
    ensure(can_moderate(current_user))
    target_type = request.args.get("type") if request.args.get("type") in registry.TYPES else None
    sort = "count" if request.args.get("sort") == "count" else "age"
    page = paginate(Report.queue(target_type, sort))
    keys = [(first.target_type, first.target_id) for first in page.items]
    reports = defaultdict(list)
    if keys:
        wanted = sa.tuple_(Report.target_type, Report.target_id).in_(keys)
        for entry in db.session.scalars(
            sa.select(Report).where(wanted, Report.status == "open")
            .options(sa.orm.selectinload(Report.reporter)).order_by(Report.created_at)
        ):
            reports[(entry.target_type, entry.target_id)].append(entry)
    items = {}
    for type_name in {key[0] for key in keys}:
        kind = registry.get(type_name)
        ids = [item_id for name, item_id in keys if name == type_name]
        for item_id, item in (kind.load_many(ids) if kind else {}).items():
            items[(type_name, item_id)] = item
    rows = [
        {
            "key": key,
            "kind": registry.get(key[0]),
            "item": items.get(key),
            "reports": reports[key],
        }
        for key in keys
    ]
    return render_template(
        "moderation/queue.html", page=page, rows=rows, types=registry.TYPES,
        target_type=target_type, sort=sort, form=DecisionForm(),
    )


def _back(fallback: str | None = None):
    fallback = fallback or url_for("moderation.queue")
    return redirect(safe_next_url(request.form.get("next"), fallback))


@bp.post("/moderatie/<target_type>/<int:target_id>/<any(dismiss, hide, restore, lock):action>")
@login_required
def decide(target_type: str, target_id: int, action: str):
    """A moderator's decision on a reported item: dismiss, hide, restore or lock."""
    ensure(can_moderate(current_user))
    kind, item = _item(target_type, target_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    if action in ("hide", "lock") and not reason:
        flash(_("Give a reason: the author sees it."), "error")
        return _back()
    if action == "dismiss":
        services.dismiss(current_user, item, reason)
        flash(_("The reports have been dismissed."), "success")
    elif action == "hide":
        services.hide(current_user, item, reason)
        flash(_("The item is hidden."), "success")
    elif action == "restore":
        services.restore(current_user, item, reason)
        flash(_("The item is visible again."), "success")
    else:
        require(kind.lockable, _l("Only a case's discussion can be locked."))
        case_services.lock_thread(item, current_user, reason)
        flash(_("The discussion has been locked."), "success")
    return _back()


@bp.route("/moderatie/<target_type>/<int:target_id>/verwijderen", methods=["GET", "POST"])
@login_required
def delete(target_type: str, target_id: int):
    """Delete an item permanently (administrators), after confirmation."""
    ensure(can_delete_permanently(current_user))
    kind, item = _item(target_type, target_id)
    form = DeleteForm()
    if form.validate_on_submit():
        services.delete_permanently(current_user, item, form.reason.data)
        flash(_("The item has been deleted permanently."), "success")
        return redirect(url_for("moderation.queue"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "moderation/delete.html", form=form, kind=kind, item=item, title=kind.title(item),
        url=kind.url(item),
    ), status


@bp.post("/moderatie/bulk")
@login_required
def bulk():
    """Dismiss or hide several reported items at once (all or nothing)."""
    ensure(can_moderate(current_user))
    form = DecisionForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("dismiss", "hide"):
        abort(400)
    keys = []
    for value in request.form.getlist("items"):
        type_name, _sep, item_id = value.partition(":")
        if type_name in registry.TYPES and item_id.isdigit():
            keys.append((type_name, int(item_id)))
    if not keys:
        flash(_("Select at least one item."), "error")
        return _back()
    if action == "hide" and not form.reason.data:
        flash(_("Give a reason: the author sees it."), "error")
        return _back()
    result = services.bulk(current_user, action, keys, form.reason.data or "")
    flash(_("%(num)d items handled.", num=result.done), "success")
    return _back()


# Sanctions


@bp.get("/moderatie/leden/<int:user_id>")
@login_required
def member(user_id: int):
    """A member's sanctions, with the forms to warn or suspend them."""
    ensure(can_moderate(current_user))
    user = db.get_or_404(User, user_id)
    return _member_page(user)


def _member_page(user, warn_form=None, suspend_form=None, status=200):
    sanctions = db.session.scalars(
        sa.select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.created_at.desc())
    ).all()
    return render_template(
        "moderation/member.html", user=user, sanctions=sanctions,
        warn_form=warn_form or WarnForm(formdata=None),
        suspend_form=suspend_form or SuspendForm(formdata=None),
    ), status


@bp.post("/moderatie/leden/<int:user_id>/waarschuwen")
@login_required
def warn(user_id: int):
    """Warn a member."""
    user = db.get_or_404(User, user_id)
    ensure(can_sanction(current_user, user))
    form = WarnForm()
    if not form.validate_on_submit():
        return _member_page(user, warn_form=form, status=422)
    services.warn(current_user, user, form.reason.data)
    flash(_("%(name)s has been warned.", name=user.name), "success")
    return redirect(url_for("moderation.member", user_id=user.id))


@bp.post("/moderatie/leden/<int:user_id>/schorsen")
@login_required
def suspend(user_id: int):
    """Suspend a member for a number of days."""
    user = db.get_or_404(User, user_id)
    ensure(can_sanction(current_user, user))
    form = SuspendForm()
    if not form.validate_on_submit():
        return _member_page(user, suspend_form=form, status=422)
    services.suspend(current_user, user, utcnow() + timedelta(days=form.days.data),
                     form.reason.data)
    flash(_("%(name)s has been suspended.", name=user.name), "success")
    return redirect(url_for("moderation.member", user_id=user.id))


@bp.post("/moderatie/sancties/<int:sanction_id>/opheffen")
@login_required
def lift(sanction_id: int):
    """Lift a warning or suspension."""
    sanction = db.get_or_404(Sanction, sanction_id)
    ensure(can_sanction(current_user, sanction.user))
    services.lift(current_user, sanction, request.form.get("reason", "")[:500])
    flash(_("The sanction has been lifted."), "success")
    return redirect(url_for("moderation.member", user_id=sanction.user_id))


@bp.post("/waarschuwingen/<int:sanction_id>/gelezen")
@login_required
def acknowledge(sanction_id: int):
    """The member confirms having read a warning."""
    sanction = db.get_or_404(Sanction, sanction_id)
    if sanction.user_id != current_user.id:
        abort(404)
    services.acknowledge(sanction)
    flash(_("Thank you for reading the warning."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("main.home")))


# Audit log


def _audit_select():
    form = AuditFilterForm(request.args)
    form.action.choices = options(
        [("", _("All actions"))] + [(key, str(text)) for key, text in AUDIT_ACTIONS.items()]
    )
    form.target_type.choices = options(
        [("", _("All types"))]
        + [(name, str(label)) for name, label in auditlog.target_types().items()]
    )
    valid = form.validate()
    select = AuditEntry.filtered(
        action=form.action.data if valid else "",
        target_type=form.target_type.data if valid else "",
        actor_id=request.args.get("actor", type=db_id),
    )
    return form, select


@bp.get("/moderatie/logboek")
@login_required
def log():
    """The moderation audit log, filtered."""
    ensure(can_moderate(current_user))
    form, select = _audit_select()
    page = paginate(select)
    return render_template(
        "moderation/log.html", form=form, page=page, action_labels=AUDIT_ACTIONS,
        type_labels=auditlog.target_types(), target_urls=auditlog.target_urls(page.items),
    )


@bp.get("/moderatie/logboek.csv")
@login_required
def log_csv():
    """The moderation audit log as CSV."""
    ensure(can_moderate(current_user))
    _form, select = _audit_select()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "created_at", "actor_id", "actor", "action", "target_type",
                     "target_id", "target", "reason"])
    for entry in db.session.scalars(select.limit(50_000)):
        writer.writerow([
            entry.id, entry.created_at.isoformat(), entry.actor_id or "",
            entry.actor.name if entry.actor else "", entry.action, entry.target_type,
            entry.target_id or "", _csv_safe(entry.target_label), _csv_safe(entry.reason),
        ])
    return Response(
        out.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=moderatie-logboek.csv"},
    )


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with these as formulas; a quote keeps them text."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value
