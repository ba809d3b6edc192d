"""Conversations that start with a contact message to an organisation: the sender and the
organisation's members reply in the site (it was a `mailto:` link that left no record)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import ContactMessage, ContactReply
from smartsociety.permissions import can_take_part_in_conversation, ensure
from smartsociety.solutions import services
from smartsociety.solutions.forms import ReplyForm

bp = Blueprint("contact", __name__)


def _message(message_id: int) -> ContactMessage:
    message = db.session.get(
        ContactMessage, message_id,
        options=[selectinload(ContactMessage.replies).selectinload(ContactReply.author)],
    )
    if message is None:
        abort(404)
    ensure(can_take_part_in_conversation(current_user, message))
    return message


@bp.route("/berichten/<int:message_id>", methods=["GET", "POST"])
@login_required
def conversation(message_id: int):
    """One contact conversation between a member and a provider: read and reply."""
    message = _message(message_id)
    form = ReplyForm()
    if form.validate_on_submit():
        reply = services.reply_to_contact(message, current_user, form.body.data)
        flash(_("Your reply has been added; the other side has been notified."), "success")
        return redirect(url_for(".conversation", message_id=message.id,
                                _anchor=f"reply-{reply.id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("solutions/conversation.html", message=message, form=form), status
