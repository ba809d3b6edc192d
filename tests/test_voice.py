"""One voice: the Dutch text addresses the reader as "u", never "je/jij/jouw/jullie"."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie|jezelf)\b", re.IGNORECASE)


def test_the_dutch_catalog_says_u():
    with open(ROOT / "smartsociety/translations/nl/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    informal = []
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        informal += [text for text in texts if text and INFORMAL.search(text)]
    assert informal == []


def test_templates_say_u():
    """Templates hold English msgids; any Dutch written into them directly must say u too."""
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            assert not INFORMAL.search(path.read_text()), path


def test_a_notification_speaks_in_one_voice(app):
    from flask_babel import gettext

    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert gettext("A moderation decision about your content") == \
            "Een moderatiebesluit over uw bijdrage"
        assert gettext("You follow this now.") == "U volgt dit nu."
