"""/wachtwoord-vergeten and the reset link."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from smartsociety.accounts import mailer
from smartsociety.accounts.tokens import RESET_PASSWORD, TokenError, read_token
from smartsociety.extensions import limiter
from smartsociety.models import User
from smartsociety.passwordreset import services
from smartsociety.passwordreset.forms import ForgotForm, ResetForm
from smartsociety.verification.views import link_problem

bp = Blueprint("passwordreset", __name__)

TOO_MANY = _l("Too many requests for a new password. Wait an hour and check your spam folder.")


def _typed_address() -> str:
    return "reset-email:" + User.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"],
               scope="reset-address", error_message=lambda: str(TOO_MANY))
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_EMAIL"], methods=["POST"],
               key_func=_typed_address, scope="reset-email", error_message=lambda: str(TOO_MANY))
def forgot():
    """Forgotten password: ask for a reset link by e-mail."""
    form = ForgotForm()
    if form.validate_on_submit():
        # All the work (finding the account, the link, the mail) happens after the response.
        mailer.run_soon(services.request_reset, User.normalise_email(form.email.data))
        return render_template("passwordreset/asked.html",
                               email=User.normalise_email(form.email.data))
    status = 422 if form.is_submitted() else 200
    return render_template("passwordreset/forgot.html", form=form), status


@bp.route("/wachtwoord-herstellen/<path:token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through the link in the mail."""
    try:
        user, _extra = read_token(token, RESET_PASSWORD)
    except TokenError as error:
        return link_problem(error.reason, RESET_PASSWORD)
    form = ResetForm(user=user, min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    if form.validate_on_submit():
        services.reset(user, form.password.data)
        flash(_("Your password has been changed and you have been logged out everywhere. "
                "Log in with your new password."), "success")
        if current_user.is_authenticated:
            logout_user()
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("passwordreset/reset.html", form=form, token=token), status
