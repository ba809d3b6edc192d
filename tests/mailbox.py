"""Reading mail caught by the test SMTP server (aiosmtpd): recipients, subjects and links."""
import re
from email import message_from_bytes, policy
from urllib.parse import urlsplit

URL = re.compile(r"https?://[^\s<>\"]+")


def messages_to(smtp_server, address: str) -> list:
    found = []
    for envelope in smtp_server.messages:
        if address.lower() in [r.lower() for r in envelope.rcpt_tos]:
            found.append(message_from_bytes(envelope.content, policy=policy.default))
    return found


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, fragment: str) -> str:
    """The path (with query) of the first link in `message` that contains `fragment`."""
    for url in URL.findall(text_of(message)):
        if fragment in url:
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link with {fragment!r} in:\n{text_of(message)}")
