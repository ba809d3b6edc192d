"""My data (download), delete my account, and the terms and privacy statement."""
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from smartsociety import memberpage
from smartsociety.extensions import db, limiter
from smartsociety.models import DataExport, PolicyKind, User
from smartsociety.permissions import can_erase_account, can_manage_policies, ensure
from smartsociety.privacy import erase as erasing
from smartsociety.privacy import export as exports
from smartsociety.privacy import policies
from smartsociety.privacy.forms import DeleteAccountForm, EraseMemberForm, PublishPolicyForm
from smartsociety.redirects import safe_next_url
from smartsociety.twofactor import services as twofactor

bp = Blueprint("privacy", __name__)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes a member may make before accepting changed terms: leaving, reading, accepting.
ALLOWED_BEFORE_ACCEPTING = {
    "accounts.logout", "main.set_language", "privacy.accept", "privacy.delete_account",
    "privacy.request_export", "privacy.publish", "api_pages.token_revoke",
    "moderation.acknowledge",
}
POLICY_ENDPOINTS = {PolicyKind.TERMS: "privacy.terms", PolicyKind.PRIVACY: "privacy.statement"}


@bp.before_app_request
def require_current_terms():
    """After a new version is published, a member accepts it before posting anything."""
    if request.method not in WRITE_METHODS or request.endpoint in ALLOWED_BEFORE_ACCEPTING:
        return None
    if not current_user.is_authenticated or not policies.pending(current_user):
        return None
    if request.path.startswith("/api/"):
        abort(403, _("The terms or privacy statement have changed. Accept them on the site "
                     "before writing through the API."))
    # The page carries what was sent (files excepted) and, once accepted, sends it on: the
    # member's text is not lost.
    carried = [(key, value) for key, values in request.form.lists() for value in values
               if key not in ("next", "resume")]
    return render_template("privacy/accept.html", pending=policies.pending(current_user),
                           carried=carried, resume=request.full_path.rstrip("?"),
                           had_files=bool(request.files),
                           next_url=request.referrer or url_for("main.home")), 403


@bp.app_context_processor
def policy_banner():
    if not current_user.is_authenticated or request.path.startswith("/api/"):
        return {"pending_policies": []}
    if "pending_policies" not in g:
        # Asked with the member's other rows first: usually nothing is pending.
        g.pending_policies = (policies.pending(current_user) if memberpage.state()["policies"]
                              else [])
    return {"pending_policies": g.pending_policies}


@bp.post("/voorwaarden/accepteren")
@login_required
def accept():
    """Accept the current terms and privacy statement."""
    policies.accept_current(current_user)
    flash(_("Thank you. You accepted the current terms and privacy statement."), "success")
    resume = request.form.get("resume")
    if resume and safe_next_url(resume, "") == resume:
        # 307 keeps the method and body: the refused form is sent again, now accepted.
        return redirect(resume, code=307)
    return redirect(safe_next_url(request.form.get("next"), url_for("main.home")))


def _policy_page(kind: PolicyKind):
    return render_template("privacy/policy.html", kind=kind, versions=policies.versions(kind))


@bp.get("/voorwaarden")
def terms():
    """The terms of use."""
    return _policy_page(PolicyKind.TERMS)


@bp.get("/privacyverklaring")
def statement():
    """The privacy statement."""
    return _policy_page(PolicyKind.PRIVACY)


@bp.route("/voorwaarden/publiceren", methods=["GET", "POST"])
@login_required
def publish():
    """Publish a new version of the terms or privacy statement (administrators)."""
    ensure(can_manage_policies(current_user))
    form = PublishPolicyForm()
    if form.validate_on_submit():
        kind = PolicyKind(form.kind.data)
        version = policies.publish(kind, form.summary.data, form.body.data, current_user)
        flash(_("Version %(n)d has been published. Members accept it before they post again.",
                n=version.version), "success")
        return redirect(url_for(POLICY_ENDPOINTS[kind]))
    return render_template("privacy/publish.html", form=form), 422 if form.is_submitted() else 200


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    """One's personal data: request an export, or delete the account."""
    return render_template("privacy/my_data.html", export=exports.latest(current_user),
                           delete_form=DeleteAccountForm(formdata=None))


@bp.post("/mijn-gegevens/aanvragen")
@login_required
def request_export():
    """Request an export of one's personal data."""
    export = exports.request_export(current_user)
    if export.is_ready:
        flash(_("Your data is ready to download."), "success")
    else:
        flash(_("We are preparing your data. You will get an e-mail with a download link."),
              "info")
    return redirect(url_for("privacy.my_data"))


@bp.get("/mijn-gegevens/download/<int:export_id>")
@login_required
def download(export_id: int):
    """Download one's prepared personal-data export."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.user_id != current_user.id or not export.is_ready:
        abort(404, _("This download does not exist or has expired. Request a new one."))
    return send_file(exports.path_of(export), mimetype="application/json", as_attachment=True,
                     download_name=f"smartsociety-mijn-gegevens-{export.ready_at:%Y-%m-%d}.json")


def _failed(response) -> bool:
    return response.status_code != 302


@bp.post("/account-verwijderen")
@login_required
@limiter.limit(lambda: current_app.config["TOTP_LIMIT"], scope="delete-account",
               key_func=lambda: f"delete-account:{getattr(current_user, 'id', None)}",
               deduct_when=_failed)
def delete_account():
    """Delete one's own account (personal data erased, contributions kept)."""
    form = DeleteAccountForm()
    if form.validate_on_submit() and not current_user.check_password(form.password.data):
        form.password.errors.append(_("This password is not correct."))
    elif not form.errors and current_user.has_two_factor:
        # As for switching two-factor sign-in off: a stolen password alone erases nothing.
        if not (form.code.data or "").strip():
            form.code.errors.append(_("Enter a code from your authenticator app, or a "
                                      "recovery code."))
        elif not twofactor.check_second_factor(current_user, form.code.data):
            db.session.rollback()
            form.code.errors.append(_("This code is not correct, or was used already. Try the "
                                      "next code of your app."))
    if form.errors or not form.is_submitted():
        return render_template("privacy/my_data.html", export=exports.latest(current_user),
                               delete_form=form), 422
    user = current_user._get_current_object()
    logout_user()
    erasing.erase(user)
    flash(_("Your account has been deleted and your personal data erased."), "success")
    return redirect(url_for("main.home"))


@bp.route("/beheer/leden/<int:user_id>/wissen", methods=["GET", "POST"])
@login_required
def erase_member(user_id: int):
    """Erase a member's account (administrators)."""
    member = db.session.get(User, user_id)
    if member is None or member.erased_at is not None:
        abort(404)
    ensure(can_erase_account(current_user, member))
    form = EraseMemberForm()
    if form.validate_on_submit():
        erasing.erase(member, by=current_user, reason=form.reason.data)
        flash(_("The account has been erased."), "success")
        return redirect(url_for("admin.users"))
    return render_template("privacy/erase_member.html", form=form, member=member), \
        422 if form.is_submitted() else 200
