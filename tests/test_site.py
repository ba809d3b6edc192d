"""Site-wide behaviour: home page, security headers, error pages, language choice, config."""
import pytest

from smartsociety import create_app
from smartsociety.config import ProductionConfig


def test_home_page_in_dutch_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="nl">' in response.data
    assert b"Ga naar de inhoud" in response.data or b"Skip to content" in response.data


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_anonymous_page_view_sets_no_session_cookie(client):
    response = client.get("/")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path, code", [("/bestaat-niet", 404)])
def test_html_error_page(client, path, code):
    response = client.get(path)
    assert response.status_code == code
    assert b"<main" in response.data


def test_json_error_under_api(client):
    response = client.get("/api/bestaat-niet")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_method_not_allowed_page(client):
    response = client.delete("/")
    assert response.status_code == 405


def test_language_switch_remembers_choice(client):
    response = client.post("/taal/en", data={"next": "/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert b'<html lang="en">' in client.get("/").data
    client.post("/taal/nl")
    assert b'<html lang="nl">' in client.get("/").data


def test_language_switch_refuses_foreign_redirect(client):
    response = client.post("/taal/en", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    response = client.post("/taal/en", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_accept_language_english(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert b'<html lang="en">' in response.data


def test_production_refuses_weak_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 64)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
