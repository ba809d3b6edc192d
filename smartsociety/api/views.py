"""Pages around the API: its documentation and the member's personal access tokens."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.api import tokens
from smartsociety.api.forms import TokenForm
from smartsociety.extensions import db
from smartsociety.models import ApiToken, TokenScope

bp = Blueprint("api_pages", __name__)


@bp.get("/ontwikkelaars/api")
def docs():
    """The API's documentation page for developers."""
    return render_template("api/docs.html")


def _tokens_page(form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template("api/tokens.html", form=form, tokens=tokens.for_user(current_user),
                           secret=secret), status


@bp.route("/instellingen/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    """A member's personal access tokens: list and create one."""
    form = TokenForm()
    if not form.is_submitted():
        return _tokens_page(form)
    if not form.validate():
        return _tokens_page(form, status=422)
    token, secret = tokens.create(current_user, form.name.data, TokenScope(form.scope.data),
                                  form.days.data)
    # Shown once, in this response only: never stored, never in a flash message (a cookie).
    response = _tokens_page(TokenForm(formdata=None), secret=secret, status=201)
    return response


@bp.post("/instellingen/tokens/<int:token_id>/intrekken")
@login_required
def token_revoke(token_id: int):
    """Revoke a personal access token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke(token)
    flash(_("The token %(name)s has been revoked.", name=token.name), "success")
    return redirect(url_for("api_pages.token_list"))
