"""Accounts: e-mail login, password reset by e-mail, password hashing, login rate limit."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from revoyure import settings as project_settings
from tests.factories import PASSWORD

NEW_PASSWORD = "another-long-passphrase-7"


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_login_page_asks_for_an_email_address(db):
    page = Client().get(reverse("accounts:login")).content.decode()
    assert 'type="email"' in page
    assert 'autocomplete="current-password"' in page


def test_a_person_logs_in_with_email_and_password(personas):
    client = Client()
    response = _login(client, "delegate@acme.example", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("organisations:settings", kwargs={"org": "acme"})).status_code == 200


def test_the_email_is_not_case_sensitive_at_login(personas):
    assert _login(Client(), "Delegate@ACME.example", PASSWORD).status_code == 302


def test_a_wrong_password_is_refused_with_400(personas):
    client = Client()
    response = _login(client, "delegate@acme.example", "wrong password")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_malformed_login_is_refused_with_400(db):
    assert Client().post(reverse("accounts:login"), {"username": "not an email"}).status_code == 400


def test_an_inactive_account_cannot_log_in(personas):
    get_user_model().objects.filter(pk=personas.delegate.pk).update(is_active=False)
    assert _login(Client(), "delegate@acme.example", PASSWORD).status_code == 400


def test_password_reset_by_email_end_to_end(personas, smtp_server):
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": "delegate@acme.example"})
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "delegate@acme.example"
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.get_content()).group(0)
    # Django swaps the token in the address for one kept in the session, then shows the form.
    form_page = client.get(urlsplit(link).path, follow=True)
    assert form_page.status_code == 200
    assert "new_password1" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert _login(Client(), "delegate@acme.example", PASSWORD).status_code == 400
    assert _login(Client(), "delegate@acme.example", NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db, smtp_server):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert smtp_server.messages == []


def test_password_reset_refuses_a_malformed_address(db):
    assert Client().post(reverse("accounts:password_reset"), {"email": "nope"}).status_code == 400


def test_a_weak_new_password_is_refused(personas, smtp_server):
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "delegate@acme.example"})
    link = re.search(r"https?://\S+/accounts/reset/\S+/", smtp_server.messages[0].get_content()).group(0)
    set_url = client.get(urlsplit(link).path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 400
    personas.delegate.refresh_from_db()
    assert personas.delegate.check_password(PASSWORD)


def test_a_forged_reset_link_is_not_valid(personas):
    response = Client().get("/accounts/reset/MQ/forged-token/", follow=True)
    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()


def test_argon2_is_the_configured_password_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_produces_argon2_hashes_that_verify():
    hasher = Argon2PasswordHasher()
    encoded = make_password("a passphrase", hasher=hasher)
    assert encoded.startswith("argon2$")
    assert hasher.verify("a passphrase", encoded)
    assert not hasher.verify("another passphrase", encoded)


def test_the_11th_login_attempt_within_a_minute_is_refused_with_429(personas, settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    client = Client()
    with time_machine.travel("2026-01-05 10:00:00 +0000", tick=False):
        statuses = [_login(client, "delegate@acme.example", "wrong password").status_code for _ in range(10)]
        assert statuses == [400] * 10
        # Even the right password is refused now: the attempts are counted, not the failures.
        assert _login(client, "delegate@acme.example", PASSWORD).status_code == 429
    with time_machine.travel("2026-01-05 10:02:00 +0000", tick=False):
        assert _login(client, "delegate@acme.example", PASSWORD).status_code == 302
    cache.clear()


def test_the_rate_limit_counts_attempts_per_account_across_addresses(personas, settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    with time_machine.travel("2026-01-05 11:00:00 +0000", tick=False):
        for number in range(10):
            Client(REMOTE_ADDR=f"10.0.0.{number}").post(
                reverse("accounts:login"), {"username": "delegate@acme.example", "password": "guess"}
            )
        response = Client(REMOTE_ADDR="10.0.1.1").post(
            reverse("accounts:login"), {"username": "delegate@acme.example", "password": PASSWORD}
        )
    assert response.status_code == 429
    cache.clear()
