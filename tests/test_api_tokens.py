"""Personal API tokens: the page, and the token logic the API relies on."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations import services, tokens
from revoyure.organisations.models import ApiToken

# What the confirmation page submits; destructive actions need it.
CONFIRM = {"confirm": "yes"}

HOLDERS = ["admin", "delegate", "manager", "staff_rep", "committee", "auditor"]


def _url(org="acme"):
    return reverse("organisations:api_tokens", kwargs={"org": org})


def _revoke_url(token, org="acme"):
    return reverse("organisations:api_token_revoke", kwargs={"org": org, "token_id": token.pk})


def _raw_from(page):
    match = re.search(r'value="(rvy_[A-Za-z0-9_-]+)"', page)
    assert match, "the new token is shown"
    return match.group(1)


# --- the page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", HOLDERS)
def test_members_with_the_right_create_a_token_shown_once(personas, who):
    client = personas.client(who)
    role = {
        "admin": Role.ORG_ADMIN,
        "delegate": Role.DELEGATE,
        "manager": Role.MANAGEMENT,
        "staff_rep": Role.STAFF_REP,
        "committee": Role.COMMITTEE,
        "auditor": Role.AUDITOR,
    }[who]
    response = client.post(_url(), {"name": "nightly export", "role": role})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = _raw_from(response.content.decode())
    token = ApiToken.objects.get(user=getattr(personas, who))
    assert (token.name, token.role, token.organisation) == ("nightly export", role, personas.org)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    assert raw not in client.get(_url()).content.decode()


def test_the_raw_token_is_never_stored(personas):
    response = personas.client("delegate").post(_url(), {"name": "ci", "role": Role.DELEGATE})
    raw = _raw_from(response.content.decode())
    token = ApiToken.objects.get()
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert raw not in str(AuditEntry.objects.filter(action="api_token.created").get().data)


def test_creation_is_audited(personas):
    personas.client("delegate").post(_url(), {"name": "ci", "role": Role.DELEGATE})
    entry = AuditEntry.objects.get(action="api_token.created")
    assert entry.organisation_id == personas.org.pk
    assert entry.data["role"] == Role.DELEGATE


def test_the_list_shows_only_the_person_s_own_tokens(personas):
    tokens.create_token(personas.org, personas.delegate, name="mine", role=Role.DELEGATE)
    tokens.create_token(personas.org, personas.auditor, name="not mine", role=Role.AUDITOR)
    page = personas.client("delegate").get(_url()).content.decode()
    assert "mine" in page
    assert "not mine" not in page


def test_a_role_the_person_does_not_hold_is_refused(personas):
    response = personas.client("staff_rep").post(_url(), {"name": "escalate", "role": Role.ORG_ADMIN})
    assert response.status_code == 400
    assert 'id="id_role_error"' in response.content.decode()
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "role": Role.DELEGATE}, "name"),
        ({"name": "x" * 101, "role": Role.DELEGATE}, "name"),
        ({"name": "ok"}, "role"),
        ({}, "name"),
    ],
)
def test_invalid_token_requests_are_refused(personas, data, field):
    response = personas.client("delegate").post(_url(), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert ApiToken.objects.count() == 0
    assert not AuditEntry.objects.filter(action="api_token.created").exists()


def test_a_person_with_several_roles_chooses_among_them(personas):
    services.set_member_roles(
        personas.org, personas.staff_rep, [Role.STAFF_REP, Role.EMPLOYEE], personas.admin
    )
    response = personas.client("staff_rep").post(_url(), {"name": "limited", "role": Role.EMPLOYEE})
    assert response.status_code == 200
    assert ApiToken.objects.get().role == Role.EMPLOYEE


def test_employee_cannot_manage_tokens(personas):
    assert personas.client("employee").get(_url()).status_code == 403
    assert personas.client("employee").post(_url(), {"name": "x", "role": Role.EMPLOYEE}).status_code == 403
    assert ApiToken.objects.count() == 0


def test_outsider_cannot_manage_tokens_here(personas):
    assert personas.client("outsider").post(_url(), {"name": "x", "role": Role.ORG_ADMIN}).status_code == 404
    assert ApiToken.objects.count() == 0


def test_anonymous_visitor_is_sent_to_login(personas):
    response = Client().get(_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_person_revokes_their_token(personas):
    token, raw = tokens.create_token(personas.org, personas.delegate, name="ci", role=Role.DELEGATE)
    client = personas.client("delegate")
    assert client.get(_revoke_url(token)).status_code == 200
    assert client.post(_revoke_url(token), CONFIRM).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate_token(raw) is None
    assert AuditEntry.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()
    assert "Revoked on" in client.get(_url()).content.decode()


def test_someone_else_s_token_cannot_be_revoked(personas):
    token, _ = tokens.create_token(personas.org, personas.delegate, name="ci", role=Role.DELEGATE)
    assert personas.client("admin").post(_revoke_url(token), CONFIRM).status_code == 404
    assert personas.client("outsider").post(_revoke_url(token), CONFIRM).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_records_once(personas):
    token, _ = tokens.create_token(personas.org, personas.delegate, name="ci", role=Role.DELEGATE)
    tokens.revoke_token(token, personas.delegate)
    tokens.revoke_token(token, personas.delegate)
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


# --- authenticate_token --------------------------------------------------------------------------------


def test_a_valid_token_authenticates_with_its_user_and_organisation(personas):
    token, raw = tokens.create_token(personas.org, personas.auditor, name="ci", role=Role.AUDITOR)
    found = tokens.authenticate_token(raw)
    assert found == token
    assert (found.user, found.organisation, found.role) == (personas.auditor, personas.org, Role.AUDITOR)


@pytest.mark.parametrize("raw", ["", "rvy_", "rvy_unknown", "not-a-token", None, 42, "rvy_" + "a" * 5000])
def test_unknown_or_malformed_tokens_do_not_authenticate(personas, raw):
    tokens.create_token(personas.org, personas.auditor, name="ci", role=Role.AUDITOR)
    assert tokens.authenticate_token(raw) is None


def test_a_revoked_token_does_not_authenticate(personas):
    token, raw = tokens.create_token(personas.org, personas.auditor, name="ci", role=Role.AUDITOR)
    tokens.revoke_token(token, personas.auditor)
    assert tokens.authenticate_token(raw) is None


def test_a_deactivated_account_s_token_does_not_authenticate(personas):
    _token, raw = tokens.create_token(personas.org, personas.auditor, name="ci", role=Role.AUDITOR)
    personas.auditor.is_active = False
    personas.auditor.save()
    assert tokens.authenticate_token(raw) is None


def test_last_use_is_written_at_most_once_a_minute(personas):
    token, raw = tokens.create_token(personas.org, personas.auditor, name="ci", role=Role.AUDITOR)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        tokens.authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        tokens.authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        tokens.authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_tokens_are_random_and_prefixed(personas):
    _a, first = tokens.create_token(personas.org, personas.auditor, name="a", role=Role.AUDITOR)
    _b, second = tokens.create_token(personas.org, personas.auditor, name="b", role=Role.AUDITOR)
    assert first.startswith("rvy_")
    assert second.startswith("rvy_")
    assert first != second
    assert len(first) >= 40


def test_revocation_without_the_confirmation_is_refused(personas):
    token, _ = tokens.create_token(personas.org, personas.delegate, name="ci", role=Role.DELEGATE)
    assert personas.client("delegate").post(_revoke_url(token), {"confirm": "no"}).status_code == 400
    token.refresh_from_db()
    assert token.revoked_at is None
