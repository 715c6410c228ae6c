"""Security headers on every response: strict CSP, no framing, no sniffing, safe cookies."""

from django.test import Client


def test_pages_send_a_strict_content_security_policy(db):
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pages_refuse_framing_and_sniffing(db):
    response = Client().get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only(personas):
    client = Client()
    client.post(
        "/accounts/login/", {"username": personas.delegate.email, "password": "correct-horse-battery-staple"}
    )
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
