"""Outgoing e-mail over SMTP with the MAIL_* settings: the one place the site sends mail from."""
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from smartsociety.inputs import one_line


def site_url(path: str) -> str:
    """An absolute link for mail: SITE_URL plus a path from url_for. Never built from the
    request's Host header, which a client chooses."""
    return current_app.config["SITE_URL"].rstrip("/") + "/" + path.lstrip("/")


def header_value(value: str) -> str:
    """One line, no control characters: the email package refuses (and raises on) header
    values with line breaks it does not fold, such as \x0b, \x0c and U+2028."""
    return one_line(str(value))


def build_message(to: str, subject: str, text: str, html: str | None = None,
                  headers: dict | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = header_value(to)
    message["Subject"] = header_value(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="smartsociety")
    for name, value in (headers or {}).items():
        message[name] = header_value(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None,
              headers: dict | None = None) -> None:
    """Send one message; raises smtplib.SMTPException (or OSError) when delivery fails, so
    callers that retry can tell. With MAIL_SUPPRESS_SEND nothing leaves the process."""
    message = build_message(to, subject, text, html, headers)
    config = current_app.config
    if config.get("MAIL_SUPPRESS_SEND"):
        current_app.extensions.setdefault("mail_outbox", []).append(message)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
