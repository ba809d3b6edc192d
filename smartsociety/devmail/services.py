"""Caught messages, stored as .eml files in DEV_MAIL_DIR (instance/devmail by default)."""
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from markupsafe import Markup, escape

NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}\.eml$")
URL = re.compile(r"https?://[^\s<>\"]+")
KEEP = 200  # older messages are removed


def mail_dir(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("DEV_MAIL_DIR") or Path(app.instance_path) / "devmail")


@dataclass
class Caught:
    name: str
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def links(self) -> list[str]:
        return URL.findall(self.text)

    def linked_text(self) -> Markup:
        """The plain text with its links clickable (everything else escaped)."""
        out, last = [], 0
        for match in URL.finditer(self.text):
            out.append(escape(self.text[last:match.start()]))
            url = match.group(0)
            out.append(Markup('<a href="%s">%s</a>') % (url, url))
            last = match.end()
        out.append(escape(self.text[last:]))
        return Markup("").join(out)


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def messages(limit: int = 100) -> list[Caught]:
    folder = mail_dir()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)
    return [Caught(name, parse((folder / name).read_bytes())) for name in names[:limit]]


def message(name: str) -> Caught | None:
    if not NAME.match(name):
        return None
    path = mail_dir() / name
    return Caught(name, parse(path.read_bytes())) if path.is_file() else None
