"""The moderation audit log: filtered pages and CSV."""
import csv
import io

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.extensions import db
from smartsociety.ids import db_id
from smartsociety.labels import options
from smartsociety.models import AuditEntry
from smartsociety.moderation import auditlog
from smartsociety.moderation.auditlog import AUDIT_ACTIONS
from smartsociety.moderation.blueprint import bp
from smartsociety.moderation.forms import AuditFilterForm
from smartsociety.pagination import paginate
from smartsociety.permissions import can_moderate, ensure

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
