"""Register, log in and out, change password, edit and show profiles."""
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from smartsociety.accounts import lockout, mailer, services
from smartsociety.accounts import session as login_sessions
from smartsociety.accounts.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from smartsociety.extensions import db, limiter
from smartsociety.i18n import LANGUAGE_COOKIE
from smartsociety.models import ModerationNotice, Organisation, User
from smartsociety.organisations import services as organisation_services
from smartsociety.pagecache import cached_page
from smartsociety.permissions import can_edit_profile, ensure
from smartsociety.privacy.policies import accept_current as accept_current_terms
from smartsociety.redirects import safe_next_url
from smartsociety.transaction import savepoint
from smartsociety.twofactor import services as twofactor_services
from smartsociety.verification import services as verification_services

bp = Blueprint("accounts", __name__)

LOGIN_FAILED = _l("The e-mail address or password is not correct.")
TOO_MANY_REGISTRATIONS = _l(
    "Too many accounts were registered from your network. Try again in an hour."
)
TOO_MANY_LOGINS = _l(
    "Too many login attempts. Wait a few minutes before you try again."
)


def _failed(response) -> bool:
    # Only failed attempts count, so members who log in often are never locked out.
    return response.status_code != 302


def _registered(response) -> bool:
    return response.status_code == 302


@bp.route("/registreren", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTER_LIMIT"],
    methods=["POST"],
    deduct_when=_registered,
    error_message=lambda: str(TOO_MANY_REGISTRATIONS),
    scope="register-address",
)
def register():
    """Register an account (with an organisation, or a new one proposed)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name_key)
    ).all()
    form = RegisterForm(
        organisation_choices=[(str(org_id), name) for org_id, name in organisations],
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    if form.validate_on_submit():
        organisation = None
        if form.proposes_organisation:
            problems = organisation_services.conflicts(
                form.new_organisation_name.data, form.new_organisation_cbs_code.data
            )
            for field, message in problems.items():
                getattr(form, f"new_organisation_{field}").errors.append(message)
        else:
            organisation = db.session.get(Organisation, int(form.organisation.data))
        if not form.errors:
            # The answer is the same whether or not the address has an account (no account
            # enumeration): a new account gets a verification link, an existing owner a notice.
            session["registered_email"] = User.normalise_email(form.email.data)
            owner = db.session.scalar(User.by_email(form.email.data))
            if owner is not None:
                services.tell_owner_of_registration(owner, form.password.data)
                return redirect(url_for("accounts.registered"))
            try:
                # A savepoint: when someone registered the same address a moment ago, the
                # unique index refuses this account (and its proposed organisation) alone.
                with savepoint():
                    if form.proposes_organisation:
                        organisation = organisation_services.propose(
                            form.new_organisation_name.data,
                            form.new_organisation_kind.data,
                            form.new_organisation_website.data,
                            form.new_organisation_cbs_code.data,
                        )
                    user = services.register(
                        form.name.data, form.email.data, form.password.data, organisation
                    )
                    user.locale = (session.get(LANGUAGE_COOKIE)
                                   or request.cookies.get(LANGUAGE_COOKIE))
                    if user.locale not in current_app.config["LANGUAGES"]:
                        user.locale = None
                    accept_current_terms(user)  # registering accepts the terms on the form
            except IntegrityError:
                # Answer as for any owner.
                return redirect(url_for("accounts.registered"))
            outbox = verification_services.queue_verification(user)
            mailer.send_soon(outbox.id)
            return redirect(url_for("accounts.registered"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.get("/registreren/controleer-uw-mail")
def registered():
    """After registering: check your mail."""
    return render_template("accounts/registered.html", email=session.get("registered_email"))


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=lambda: str(TOO_MANY_LOGINS),
    scope="login-address",
)
def login():
    """Log in (the first step, when two-factor sign-in is on)."""
    fallback = url_for("main.home")
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next"), fallback))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")[:2000]
    if form.validate_on_submit():
        # Per account and address, and per account unless this is a known device (lockout.py).
        if lockout.refused(form.email.data):
            abort(429, TOO_MANY_LOGINS)
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.has_two_factor:
            # Second step first (issue 15); no session or remember cookie until it is passed.
            twofactor_services.begin(session, user, form.remember.data, form.next.data or "")
            return redirect(url_for("twofactor.challenge"))
        if user is not None:
            login_user(user, remember=form.remember.data)
            services.record_login(user)
            lockout.succeeded(user)
            return redirect(safe_next_url(form.next.data, fallback))
        lockout.failed(form.email.data)
        services.record_failed_login(form.email.data)
        form.password.errors.append(LOGIN_FAILED)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/uitloggen")
def logout():
    """Log out of this session."""
    if current_user.is_authenticated:
        # Server-side: a copy of this session's cookies opens nothing any more.
        login_sessions.end(current_user._get_current_object())
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.home"))


@bp.post("/uitloggen/overal")
@login_required
def logout_everywhere():
    """Log out on every device."""
    login_sessions.end_all(current_user._get_current_object())
    logout_user()
    flash(_("You have been logged out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(
        email=user.email, name=user.name, min_length=current_app.config["PASSWORD_MIN_LENGTH"]
    )
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("Your current password is not correct."))
        else:
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            services.change_password(user, form.password.data)
            db.session.flush()
            # The old token is gone; carry this session (and its remember cookie) to the new one.
            login_user(user, remember=remember_cookie in request.cookies)
            flash(
                _("Your password has been changed. You have been logged out everywhere else."),
                "success",
            )
            return redirect(url_for("accounts.profile", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.get("/leden/<int:user_id>")
@cached_page
def profile(user_id: int):
    """A member's public profile (with their moderation notices, for themselves)."""
    user = db.get_or_404(User, user_id)
    own = current_user.is_authenticated and current_user.id == user.id
    notices = db.session.scalars(ModerationNotice.for_user(user.id)).all() if own else []
    return render_template("accounts/profile.html", user=user, notices=notices)


@bp.route("/leden/<int:user_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_profile(user_id: int):
    """Edit one's profile."""
    user = db.get_or_404(User, user_id)
    ensure(can_edit_profile(current_user, user))
    form = ProfileForm(obj=user)
    if request.method == "GET" and user.locale is None:
        form.locale.data = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if form.validate_on_submit():
        form.populate_obj(user)
        flash(_("The profile has been saved."), "success")
        return redirect(url_for("accounts.profile", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/edit_profile.html", form=form, user=user), status
