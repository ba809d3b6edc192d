"""Verification links, "send again", and changing the e-mail address."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.accounts import mailer
from smartsociety.accounts.tokens import CHANGE_EMAIL, VERIFY_EMAIL, TokenError, read_token
from smartsociety.extensions import limiter
from smartsociety.models import User
from smartsociety.redirects import safe_next_url
from smartsociety.verification import services
from smartsociety.verification.forms import ChangeEmailForm

bp = Blueprint("verification", __name__)


def _per_account() -> str:
    return f"account:{current_user.id}" if current_user.is_authenticated else "anonymous"


def link_problem(reason: str, purpose: str):
    """A clear page for an expired, used, tampered or foreign link, with a way to a new one."""
    status = 410 if reason == "expired" else 400
    return render_template("verification/link_problem.html", reason=reason,
                           purpose=purpose), status


@bp.get("/e-mailadres/bevestigen/<path:token>")
def confirm(token: str):
    """Confirm one's e-mail address through the link in the mail."""
    try:
        user, _extra = read_token(token, VERIFY_EMAIL)
    except TokenError as error:
        return link_problem(error.reason, VERIFY_EMAIL)
    services.mark_verified(user)
    flash(_("Your e-mail address has been confirmed. You can now take part fully."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.home"))
    return redirect(url_for("accounts.login"))


@bp.post("/e-mailadres/opnieuw-versturen")
@login_required
@limiter.limit(lambda: current_app.config["VERIFY_RESEND_LIMIT"], key_func=_per_account,
               scope="verify-resend",
               error_message=lambda: _("You asked for a new link several times. Wait an hour "
                                       "and check your spam folder."))
def resend():
    """Send the confirmation mail again."""
    user = current_user._get_current_object()
    if user.email_verified:
        flash(_("Your e-mail address has already been confirmed."), "info")
    else:
        services.send_verification(user)
        flash(_("We are sending a new link to %(email)s. It can take a few minutes.",
                email=user.email), "info")
    return redirect(safe_next_url(request.form.get("next"), url_for("main.home")))


@bp.route("/e-mailadres/wijzigen", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["CHANGE_EMAIL_LIMIT"], key_func=_per_account,
               methods=["POST"], scope="change-email")
def change():
    """Change one's e-mail address: a link goes to the new address."""
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append(_("Your current password is not correct."))
        elif User.normalise_email(form.email.data) == user.email:
            form.email.errors.append(_("This is already your e-mail address."))
        else:
            services.request_change(user, form.email.data)
            flash(_("We are sending a link to %(email)s. Your address changes when you open it; "
                    "until then we keep using %(old)s.",
                    email=User.normalise_email(form.email.data), old=user.email), "info")
            return redirect(url_for("accounts.profile", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("verification/change_email.html", form=form), status


@bp.get("/e-mailadres/wijzigen/<path:token>")
def change_confirm(token: str):
    """Confirm a new e-mail address through the link in the mail."""
    try:
        user, extra = read_token(token, CHANGE_EMAIL)
        new_email = extra.get("e")
        if not isinstance(new_email, str) or "@" not in new_email or len(new_email) > 254:
            raise TokenError("invalid")
    except TokenError as error:
        return link_problem(error.reason, CHANGE_EMAIL)
    if not services.complete_change(user, new_email):
        return link_problem("taken", CHANGE_EMAIL)
    flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.profile", user_id=user.id))
    return redirect(url_for("accounts.login"))


@bp.app_template_global()
def latest_verification_mail():
    """The banner's honest state of the last verification mail (sent, failing, on its way)."""
    if not current_user.is_authenticated:
        return None
    return mailer.latest(current_user, VERIFY_EMAIL)
