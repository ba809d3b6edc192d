"""The second login step, switching two-factor sign-in on and off, and the rule that staff
use moderation and administration pages only with it switched on."""
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from smartsociety.accounts import lockout
from smartsociety.accounts import services as account_services
from smartsociety.extensions import db, limiter
from smartsociety.models import Role, SignInResult
from smartsociety.redirects import safe_next_url
from smartsociety.signins import services as signins
from smartsociety.twofactor import services
from smartsociety.twofactor.forms import CodeForm, ConfirmForm

bp = Blueprint("twofactor", __name__)

# Moderation and administration pages (reporting and reading warnings are for every member).
STAFF_PATHS = ("/moderatie", "/beheer")
WRONG_CODE = _l("This code is not correct, or was used already. Try the next code of your app.")
TOO_MANY = _l("Too many wrong codes. Wait a few minutes before you try again.")


@bp.before_app_request
def staff_need_two_factor():
    if not current_app.config["TWO_FACTOR_REQUIRED_FOR_STAFF"]:
        return None
    if not request.path.startswith(STAFF_PATHS) or not is_staff(current_user):
        return None
    if current_user.has_two_factor:
        return None
    flash(_("Moderators and administrators must switch on two-factor sign-in before they use "
            "moderation or administration pages."), "info")
    return redirect(url_for("twofactor.settings"))


def is_staff(user) -> bool:
    """Has a moderator or administrator role (whether or not its rights are active yet)."""
    return user.is_authenticated and user.role in (Role.MODERATOR, Role.ADMIN)


def _pending_key() -> str:
    data = session.get(services.PENDING_KEY)
    return f"totp:{data.get('u')}" if isinstance(data, dict) else "totp:none"


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/inloggen/tweede-stap", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TOTP_LIMIT"], key_func=_pending_key, methods=["POST"],
               deduct_when=_failed, scope="totp", error_message=lambda: str(TOO_MANY))
def challenge():
    """Log in, second step: the code from the authenticator app (or a recovery code)."""
    found = services.pending(session)
    if found is None:
        flash(_("Log in again, please: the login took too long or has changed."), "info")
        return redirect(url_for("accounts.login"))
    user, data = found
    form = CodeForm()
    if form.validate_on_submit():
        if services.check_second_factor(user, form.code.data):
            session.pop(services.PENDING_KEY, None)
            # Only now is a session (and a remember-me cookie) issued: a new device always
            # passes both factors.
            login_user(user, remember=data["r"])
            account_services.record_login(user)
            lockout.succeeded(user)  # this browser is now a known device (issue 16)
            return redirect(safe_next_url(data.get("n"), url_for("main.home")))
        # A wrong code stays in the member's sign-in history although the 422 rolls the
        # request back: record it in a transaction of its own.
        db.session.rollback()
        signins.record(user, SignInResult.WRONG_CODE)
        db.session.commit()
        form.code.errors.append(WRONG_CODE)
    status = 422 if form.is_submitted() else 200
    return render_template("twofactor/challenge.html", form=form), status


def _codes_page(codes: list[str]):
    response = make_response(render_template("twofactor/codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


def _relogin(user) -> None:
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)


@bp.route("/account/tweestapsverificatie", methods=["GET", "POST"])
@login_required
def settings():
    """Two-factor sign-in on the account: switch it on with an authenticator app."""
    user = current_user._get_current_object()
    if user.has_two_factor:
        return render_template("twofactor/settings.html", form=ConfirmForm(),
                               left=services.recovery_codes_left(user))
    secret = session.get(services.ENROL_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[services.ENROL_KEY] = services.new_secret()
    form = ConfirmForm()
    if form.validate_on_submit():
        step = services.matching_step(secret, form.code.data)
        if not user.check_password(form.password.data):
            form.password.errors.append(_("Your current password is not correct."))
        elif step is None:
            form.code.errors.append(WRONG_CODE)
        else:
            codes = services.enable(user, secret, step)
            session.pop(services.ENROL_KEY, None)
            _relogin(user)
            flash(_("Two-factor sign-in is on. You have been logged out everywhere else."),
                  "success")
            return _codes_page(codes)
    uri = services.provisioning_uri(user, secret)
    status = 422 if form.is_submitted() else 200
    return render_template("twofactor/enrol.html", form=form, secret=secret,
                           qr=services.qr_svg_data_uri(uri)), status


def _confirmed(form, user) -> bool:
    if not form.validate_on_submit():
        return False
    if not user.check_password(form.password.data):
        form.password.errors.append(_("Your current password is not correct."))
        return False
    if not services.check_second_factor(user, form.code.data):
        form.code.errors.append(WRONG_CODE)  # the 422 keeps nothing of the attempt
        return False
    return True


@bp.post("/account/tweestapsverificatie/herstelcodes")
@login_required
@limiter.limit(lambda: current_app.config["TOTP_LIMIT"], scope="totp-settings",
               key_func=lambda: f"totp-settings:{current_user.id}", deduct_when=_failed)
def recovery_codes():
    """New recovery codes for two-factor sign-in (shown once)."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not user.has_two_factor:
        return redirect(url_for("twofactor.settings"))
    if _confirmed(form, user):
        codes = services.new_recovery_codes(user)
        return _codes_page(codes)
    return render_template("twofactor/settings.html", form=form,
                           left=services.recovery_codes_left(user)), 422


@bp.post("/account/tweestapsverificatie/uitzetten")
@login_required
@limiter.limit(lambda: current_app.config["TOTP_LIMIT"], scope="totp-settings",
               key_func=lambda: f"totp-settings:{current_user.id}", deduct_when=_failed)
def disable():
    """Switch two-factor sign-in off."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not user.has_two_factor:
        return redirect(url_for("twofactor.settings"))
    if is_staff(user):
        flash(_("Moderators and administrators cannot switch two-factor sign-in off."), "error")
        return redirect(url_for("twofactor.settings"))
    if _confirmed(form, user):
        services.disable(user)
        flash(_("Two-factor sign-in is off."), "info")
        return redirect(url_for("twofactor.settings"))
    return render_template("twofactor/settings.html", form=form,
                           left=services.recovery_codes_left(user)), 422
