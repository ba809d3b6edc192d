"""Reports by members, the moderators' queue and their decisions. Sanctions and the audit log
are in sanctions.py and audit_views.py, on the same blueprint (blueprint.py): importing them here
registers their routes with it."""
from collections import defaultdict

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from smartsociety.cases import services as case_services
from smartsociety.extensions import db
from smartsociety.models import Report, ReportReason

# audit_views and sanctions add their routes to bp: importing them here registers them with it.
from smartsociety.moderation import audit_views, registry, sanctions, services  # noqa: F401
from smartsociety.moderation.blueprint import back, bp, item_or_404, visible
from smartsociety.moderation.forms import DecisionForm, DeleteForm, ReportForm
from smartsociety.pagination import paginate
from smartsociety.permissions import can_delete_permanently, can_moderate, can_report, ensure
from smartsociety.ratelimits import reports
from smartsociety.refusals import require

# Reporting


@bp.route("/melden/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
@reports
def report(target_type: str, target_id: int):
    """Report an item (comment, case, solution, ...) to the moderators."""
    kind, item = item_or_404(target_type, target_id)
    if not visible(kind, item):
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


@bp.post("/moderatie/<target_type>/<int:target_id>/<any(dismiss, hide, restore, lock):action>")
@login_required
def decide(target_type: str, target_id: int, action: str):
    """A moderator's decision on a reported item: dismiss, hide, restore or lock."""
    ensure(can_moderate(current_user))
    kind, item = item_or_404(target_type, target_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    if action in ("hide", "lock") and not reason:
        flash(_("Give a reason: the author sees it."), "error")
        return back()
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
    return back()


@bp.route("/moderatie/<target_type>/<int:target_id>/verwijderen", methods=["GET", "POST"])
@login_required
def delete(target_type: str, target_id: int):
    """Delete an item permanently (administrators), after confirmation."""
    ensure(can_delete_permanently(current_user))
    kind, item = item_or_404(target_type, target_id)
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
        return back()
    if action == "hide" and not form.reason.data:
        flash(_("Give a reason: the author sees it."), "error")
        return back()
    result = services.bulk(current_user, action, keys, form.reason.data or "")
    flash(_("%(num)d items handled.", num=result.done), "success")
    return back()
