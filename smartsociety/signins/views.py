"""/account/aanmeldingen: the member's recent sign-ins, to spot one that was not theirs."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from smartsociety.signins import services

bp = Blueprint("signins", __name__)


@bp.get("/account/aanmeldingen")
@login_required
def recent():
    """The member's recent sign-ins: when, which browser family, from which network."""
    return render_template("signins/recent.html", sign_ins=services.recent(current_user),
                           days=services.retention_days())
