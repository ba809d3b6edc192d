"""Checking addresses: the verification mail, marking an address verified, changing it."""
from flask import url_for

from smartsociety.accounts import mailer
from smartsociety.accounts.tokens import CHANGE_EMAIL, VERIFY_EMAIL, make_token
from smartsociety.extensions import db
from smartsociety.models import User, utcnow
from smartsociety.signals import email_verified

# Outbox purposes other than the token purposes.
NOTICE = "notice"


def queue_verification(user: User):
    """Queue the mail with the verification link (the caller sends it: `mailer.send_soon`)."""
    link = url_for("verification.confirm", token=make_token(user, VERIFY_EMAIL), _external=True)
    return mailer.queue(user, VERIFY_EMAIL, "verify_email", link=link)


def send_verification(user: User) -> None:
    outbox = queue_verification(user)
    db.session.flush()
    mailer.send_soon(outbox.id)


def mark_verified(user: User) -> None:
    user.email_verified_at = utcnow()
    db.session.flush()
    # Receivers (e.g. organisation e-mail domains) grant what a verified address earns.
    email_verified.send(user)


def address_taken(email: str, by_other_than: User | None = None) -> bool:
    owner = db.session.scalar(User.by_email(email))
    return owner is not None and (by_other_than is None or owner.id != by_other_than.id)


def request_change(user: User, new_email: str) -> None:
    """Mail a link to the new address; when it belongs to another account, mail that address a
    notice instead (the page answers the same, so it reveals no accounts)."""
    new_email = User.normalise_email(new_email)
    if address_taken(new_email):
        outbox = mailer.queue(user, NOTICE, "change_email_taken", recipient=new_email)
    else:
        token = make_token(user, CHANGE_EMAIL, e=new_email)
        link = url_for("verification.change_confirm", token=token, _external=True)
        outbox = mailer.queue(user, CHANGE_EMAIL, "change_email", recipient=new_email,
                              link=link, new_email=new_email)
    db.session.flush()
    mailer.send_soon(outbox.id)


def complete_change(user: User, new_email: str) -> bool:
    """Use the proven new address; the old one is told. False if it was taken meanwhile."""
    if address_taken(new_email, by_other_than=user):
        return False
    old_email = user.email
    user.email = User.normalise_email(new_email)
    user.email_verified_at = utcnow()
    outbox = mailer.queue(user, NOTICE, "email_changed", recipient=old_email,
                          old_email=old_email, new_email=user.email)
    db.session.flush()
    mailer.send_soon(outbox.id)
    email_verified.send(user)
    return True
