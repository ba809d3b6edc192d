"""The development mail catcher (aiosmtpd) and /dev/mail, which exists only in development."""
import pytest
from aiosmtpd.controller import Controller

from smartsociety import create_app
from smartsociety.devmail.commands import Catcher
from smartsociety.extensions import db
from smartsociety.mail import send_mail
from tests.conftest import _free_port, make_config


def test_dev_mail_is_not_found_outside_development(client):
    assert client.get("/dev/mail").status_code == 404
    assert client.get("/dev/mail/20261130T101010-abcdef12.eml").status_code == 404


@pytest.fixture
def dev_app(tmp_path):
    config = make_config(tmp_path, None, CONFIG="development", SECRET_KEY="d" * 40,
                         DEV_MAIL_DIR=str(tmp_path / "devmail"), GC_FREEZE=False)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_caught_mail_is_stored_printed_and_shown_with_clickable_links(dev_app, tmp_path,
                                                                      capsys):
    folder = tmp_path / "devmail"
    folder.mkdir()
    controller = Controller(Catcher(folder), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        dev_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        send_mail("nieuw@example.org", "Bevestig uw e-mailadres",
                  "Open deze link:\n\nhttp://localhost:5000/e-mailadres/bevestigen/abc.def\n"
                  "<script>alert(1)</script>\n")
    finally:
        controller.stop()
    assert "Bevestig uw e-mailadres" in capsys.readouterr().out  # printed to the terminal
    client = dev_app.test_client()
    index = client.get("/dev/mail")
    assert index.status_code == 200 and "Bevestig uw e-mailadres" in index.text
    [name] = [p.name for p in folder.iterdir()]
    detail = client.get(f"/dev/mail/{name}")
    assert detail.status_code == 200
    assert '<a href="http://localhost:5000/e-mailadres/bevestigen/abc.def">' in detail.text
    assert "<script>alert(1)</script>" not in detail.text
    assert client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    assert client.get("/dev/mail/20261130T101010-abcdef12.eml").status_code == 404


def test_development_mail_goes_to_the_catcher_port():
    from smartsociety.config import DevelopmentConfig

    assert (DevelopmentConfig.MAIL_SERVER, DevelopmentConfig.MAIL_PORT) == ("127.0.0.1", 8025)
