"""Invitations by e-mail: sending, listing, withdrawing and accepting them."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations import services
from revoyure.organisations.models import Invitation, Membership
from tests.factories import PASSWORD, UserFactory

# What the confirmation page submits; destructive actions need it.
CONFIRM = {"confirm": "yes"}

NOT_ADMINS = ["delegate", "manager", "staff_rep", "committee", "employee", "auditor"]
NEW_PASSWORD = "plenty-of-entropy-42"


def _url(name, org="acme", **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org": org, **kwargs})


def _accept_url(token):
    return reverse("organisations:accept_invitation", args=[token])


def _invite(personas, email="new.person@acme.example", roles=(Role.EMPLOYEE, Role.STAFF_REP), department=""):
    return services.invite_member(personas.org, personas.admin, email, list(roles), department=department)


def _link_from(message):
    match = re.search(r"https?://\S+/invitation/\S+/", message.get_content())
    assert match, message.get_content()
    return match.group(0)


# --- sending -------------------------------------------------------------------------------------------


def test_admin_invites_someone_by_email(personas, django_capture_on_commit_callbacks, mailoutbox):
    assert personas.client("admin").get(_url("invite")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("admin").post(
            _url("invite"),
            {
                "email": "New.Person@Acme.example",
                "roles": [Role.EMPLOYEE, Role.STAFF_REP],
                "department": "Atelier",
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, sorted(invitation.roles), invitation.department) == (
        "new.person@acme.example",
        [Role.EMPLOYEE, Role.STAFF_REP],
        "Atelier",
    )
    assert mailoutbox[0].to == ["new.person@acme.example"]
    assert AuditEntry.objects.filter(action="invitation.created").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not an address", "roles": [Role.EMPLOYEE]}, "email"),
        ({"email": "a@b.example", "roles": []}, "roles"),
        ({"email": "a@b.example", "roles": ["emperor"]}, "roles"),
        ({"email": "", "roles": [Role.EMPLOYEE]}, "email"),
    ],
)
def test_invalid_invitations_are_refused_and_nothing_is_sent(
    personas, data, field, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("admin").post(_url("invite"), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_members_without_the_right_cannot_invite(personas, who):
    response = personas.client(who).post(_url("invite"), {"email": "x@y.example", "roles": [Role.ORG_ADMIN]})
    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_outsider_cannot_invite(personas):
    response = personas.client("outsider").post(
        _url("invite"), {"email": "x@y.example", "roles": [Role.ORG_ADMIN]}
    )
    assert response.status_code == 404
    assert Invitation.objects.count() == 0


def test_anonymous_visitor_cannot_invite(personas):
    response = Client().post(_url("invite"), {"email": "x@y.example", "roles": [Role.ORG_ADMIN]})
    assert response.status_code == 302
    assert Invitation.objects.count() == 0


# --- listing and withdrawing ---------------------------------------------------------------------------


def test_pending_invitations_are_listed_for_the_admin(personas):
    _invite(personas, email="pending@acme.example")
    accepted, _ = _invite(personas, email="done@acme.example")
    accepted.accepted_at = timezone.now()
    accepted.save()
    page = personas.client("admin").get(_url("members")).content.decode()
    assert "pending@acme.example" in page
    assert "done@acme.example" not in page


def test_admin_withdraws_an_invitation_and_its_link_stops_working(personas):
    invitation, token = _invite(personas)
    url = _url("invitation_revoke", invitation_id=invitation.pk)
    assert personas.client("admin").get(url).status_code == 200
    assert personas.client("admin").post(url, CONFIRM).status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()
    assert Client().get(_accept_url(token)).status_code == 404


def test_delegate_cannot_withdraw_an_invitation(personas):
    invitation, _ = _invite(personas)
    assert (
        personas.client("delegate")
        .post(_url("invitation_revoke", invitation_id=invitation.pk), CONFIRM)
        .status_code
        == 403
    )
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_outsider_cannot_withdraw_an_invitation(personas):
    invitation, _ = _invite(personas)
    assert (
        personas.client("outsider")
        .post(_url("invitation_revoke", invitation_id=invitation.pk), CONFIRM)
        .status_code
        == 404
    )
    url = _url("invitation_revoke", org="other", invitation_id=invitation.pk)
    assert personas.client("outsider").post(url, CONFIRM).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


# --- accepting -----------------------------------------------------------------------------------------


def test_anonymous_invitee_creates_an_account_and_joins(personas):
    _invitation, token = _invite(personas, department="Atelier")
    client = Client()
    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    response = client.post(
        _accept_url(token),
        {"full_name": "Nouvelle Personne", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.person@acme.example")
    assert user.full_name == "Nouvelle Personne"
    assert user.check_password(NEW_PASSWORD)
    assert set(
        Membership.objects.filter(user=user, organisation=personas.org).values_list("role", flat=True)
    ) == {Role.EMPLOYEE, Role.STAFF_REP}
    assert Membership.objects.filter(user=user, department="Atelier").count() == 2
    # Logged in straight away.
    assert client.get(reverse("organisations:settings", kwargs={"org": "acme"})).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"}, "password2"),
        ({"full_name": "X", "password1": "short", "password2": "short"}, "password1"),
        ({"full_name": "X", "password1": "123456789012345", "password2": "123456789012345"}, "password1"),
        ({"full_name": "X", "password1": "new.person.acme", "password2": "new.person.acme"}, "password1"),
        ({"full_name": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "full_name"),
        ({}, "full_name"),
    ],
)
def test_invalid_account_details_are_refused_and_nothing_is_created(personas, data, field):
    invitation, token = _invite(personas)
    response = Client().post(_accept_url(token), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not get_user_model().objects.filter(email="new.person@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_logged_in_member_accepts_with_their_account(personas):
    _invitation, token = _invite(personas, email="employee@acme.example", roles=[Role.STAFF_REP])
    client = personas.client("employee")
    assert "Accept the invitation" in client.get(_accept_url(token)).content.decode()
    assert client.post(_accept_url(token)).status_code == 302
    roles = set(
        Membership.objects.filter(user=personas.employee, organisation=personas.org).values_list(
            "role", flat=True
        )
    )
    assert roles == {Role.EMPLOYEE, Role.STAFF_REP}
    assert AuditEntry.objects.filter(action="invitation.accepted").exists()


def test_someone_with_an_account_must_log_in_first(personas):
    _invitation, token = _invite(personas, email="employee@acme.example", roles=[Role.STAFF_REP])
    response = Client().get(_accept_url(token))
    assert response.status_code == 200
    assert reverse("accounts:login") in response.content.decode()
    # Posting account details does not take over the existing account.
    Client().post(
        _accept_url(token), {"full_name": "Thief", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    personas.employee.refresh_from_db()
    assert personas.employee.check_password(PASSWORD)
    assert not Membership.objects.filter(user=personas.employee, role=Role.STAFF_REP).exists()


@pytest.mark.parametrize("token", ["nope", "x" * 500, "%00", "' OR 1=1 --"])
def test_an_unknown_invitation_link_gives_a_clear_404(personas, token):
    response = Client().get(_accept_url(token))
    assert response.status_code == 404
    assert "Invitation not valid" in response.content.decode()


def test_a_used_invitation_link_gives_a_404(personas):
    invitation, token = _invite(personas)
    services.accept_invitation(invitation, full_name="A", password=NEW_PASSWORD)
    assert Client().get(_accept_url(token)).status_code == 404
    assert personas.client("delegate").post(_accept_url(token)).status_code == 404
    assert not Membership.objects.filter(user=personas.delegate, role=Role.EMPLOYEE).exists()


def test_an_expired_invitation_link_gives_a_404(personas):
    _invitation, token = _invite(personas)
    with time_machine.travel(timezone.now() + services.INVITATION_VALIDITY + dt.timedelta(minutes=1)):
        response = Client().post(
            _accept_url(token), {"full_name": "Late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert response.status_code == 404
    assert not get_user_model().objects.filter(email="new.person@acme.example").exists()


# --- end to end through a real SMTP server ---------------------------------------------------------------


def test_the_invitation_email_carries_a_working_link(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("admin").post(
            _url("invite"), {"email": "recruit@acme.example", "roles": [Role.COMMITTEE]}
        )
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "recruit@acme.example"
    assert "Acme" in message["Subject"]
    path = urlsplit(_link_from(message)).path
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"full_name": "Recrue", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="recruit@acme.example")
    assert Membership.objects.filter(user=user, organisation=personas.org, role=Role.COMMITTEE).exists()
    login = Client().post(
        reverse("accounts:login"), {"username": "recruit@acme.example", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_an_invitation_to_someone_already_member_elsewhere_adds_the_organisation(personas):
    _invitation, token = _invite(personas, email="outsider@other.example", roles=[Role.AUDITOR])
    client = personas.client("outsider")
    assert client.post(_accept_url(token)).status_code == 302
    assert Membership.objects.filter(
        user=personas.outsider, organisation=personas.org, role=Role.AUDITOR
    ).exists()
    assert Membership.objects.filter(user=personas.outsider, organisation=personas.other_org).exists()


def test_a_different_logged_in_account_is_told_which_account_gets_the_roles(personas):
    UserFactory(email="someone@else.example")
    _invitation, token = _invite(personas, email="someone@else.example")
    page = personas.client("delegate").get(_accept_url(token)).content.decode()
    assert "delegate@acme.example" in page
