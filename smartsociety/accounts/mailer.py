"""Account mail (address checks, password resets, notices): queued in the mail outbox with the
rest of the site's mail, then sent right after the request, or by `flask notify sender` with
retries when that first attempt fails.

ACCOUNT_MAIL_DELIVERY: "background" (a worker thread sends after the response, so a request
takes as long whether or not it queued mail), "inline" (during the request; tests), or
"outbox" (only the sender loop sends)."""
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from smartsociety.extensions import db
from smartsociety.models import Delivery, MailOutbox, User
from smartsociety.transaction import after_commit, committed

_executor: ThreadPoolExecutor | None = None


def queue(user: User, purpose: str, template: str, recipient: str | None = None,
          **context) -> MailOutbox:
    """Add one message rendered from templates/accounts/mail/<template>.txt (its first line is
    the subject) in the member's language; then `send_soon` sends it after the commit."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rendered = render_template(f"accounts/mail/{template}.txt", user=user, **context)
    subject, _, body = rendered.strip().partition("\n")
    outbox = MailOutbox(user_id=user.id, delivery=Delivery.IMMEDIATE, purpose=purpose,
                        recipient=recipient, subject=subject.strip()[:300],
                        body_text=body.strip() + "\n")
    db.session.add(outbox)
    db.session.flush()
    return outbox


def run_soon(job, *args) -> Future | None:
    """Run `job(*args)` in an app context after this request (see the module docstring)."""
    mode = current_app.config.get("ACCOUNT_MAIL_DELIVERY", "background")
    if mode == "inline":
        job(*args)
        return None
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="account-mail")
    app = current_app._get_current_object()
    return _executor.submit(_in_context, app, job, *args)


def _in_context(app, job, *args) -> None:
    # Links in mail need a base URL: SITE_URL, as for the sender loop.
    with app.app_context(), app.test_request_context(base_url=app.config["SITE_URL"]):
        try:
            with committed():  # a job is one transaction, as a request is
                job(*args)
        except Exception:  # noqa: BLE001 - logged; queued mail is retried by the sender
            app.logger.exception("account mail job failed")
        finally:
            db.session.remove()


def send_soon(*outbox_ids: int) -> None:
    """Send these outbox messages once the transaction that queued them is committed (the
    request's one commit): before it, no other connection could see them."""
    if current_app.config.get("ACCOUNT_MAIL_DELIVERY", "background") == "outbox":
        return
    after_commit(lambda: run_soon(_send, list(outbox_ids)))


def _send(outbox_ids: list[int]) -> None:
    from smartsociety.notify.outbox import send_outbox_message

    for outbox_id in outbox_ids:
        send_outbox_message(outbox_id)


def latest(user: User, purpose: str) -> MailOutbox | None:
    """The member's most recent account mail for `purpose` (to say honestly whether it went)."""
    return db.session.scalar(
        sa.select(MailOutbox)
        .where(MailOutbox.user_id == user.id, MailOutbox.purpose == purpose)
        .order_by(MailOutbox.id.desc())
        .limit(1)
    )
