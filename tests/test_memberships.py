"""Members of an organisation and their roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations import services, tokens
from revoyure.organisations.models import Membership

# What the confirmation page submits; destructive actions need it.
CONFIRM = {"confirm": "yes"}

NOT_ADMINS = ["delegate", "manager", "staff_rep", "committee", "employee", "auditor"]


def _url(name, org="acme", **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org": org, **kwargs})


def _roles(personas, who):
    return set(
        Membership.objects.filter(organisation=personas.org, user=getattr(personas, who)).values_list(
            "role", flat=True
        )
    )


def test_admin_sees_every_member_with_roles_and_department(personas):
    Membership.objects.filter(user=personas.manager).update(department="Ressources humaines")
    response = personas.client("admin").get(_url("members"))
    page = response.content.decode()
    assert response.status_code == 200
    for who in ("admin", "delegate", "manager", "staff_rep", "committee", "employee", "auditor"):
        assert f"{who}@acme.example" in page
    assert "Ressources humaines" in page
    assert "AI delegate" in page
    assert "outsider@other.example" not in page


def test_a_person_with_several_roles_is_listed_once_with_all_of_them(personas):
    services.set_member_roles(
        personas.org, personas.staff_rep, [Role.STAFF_REP, Role.EMPLOYEE], personas.admin
    )
    page = personas.client("admin").get(_url("members")).content.decode()
    assert page.count("staff_rep@acme.example") == 1
    assert (
        "Staff representative, Employee / agent" in page or "Employee / agent, Staff representative" in page
    )


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_members_without_the_right_cannot_see_the_member_list(personas, who):
    assert personas.client(who).get(_url("members")).status_code == 403


def test_outsider_cannot_see_the_member_list(personas):
    assert personas.client("outsider").get(_url("members")).status_code == 404


def test_anonymous_visitor_is_sent_to_login_from_the_member_list(personas):
    response = Client().get(_url("members"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_admin_gives_a_person_several_roles(personas):
    url = _url("member_edit", user_id=personas.employee.pk)
    assert personas.client("admin").get(url).status_code == 200
    response = personas.client("admin").post(
        url, {"roles": [Role.EMPLOYEE, Role.STAFF_REP], "department": "Atelier"}
    )
    assert response.status_code == 302
    assert _roles(personas, "employee") == {Role.EMPLOYEE, Role.STAFF_REP}
    assert set(Membership.objects.filter(user=personas.employee).values_list("department", flat=True)) == {
        "Atelier"
    }
    entry = AuditEntry.objects.filter(action="membership.changed").last()
    assert entry.data["to"] == [Role.EMPLOYEE, Role.STAFF_REP]


def test_changing_only_the_department_is_recorded(personas):
    response = personas.client("admin").post(
        _url("member_edit", user_id=personas.manager.pk), {"roles": [Role.MANAGEMENT], "department": "Achats"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=personas.manager).department == "Achats"
    assert AuditEntry.objects.filter(action="membership.department_changed").exists()


@pytest.mark.parametrize(
    "data", [{"roles": []}, {"roles": ["emperor"]}, {"roles": [Role.EMPLOYEE], "department": "x" * 101}]
)
def test_invalid_roles_are_refused_and_nothing_changes(personas, data):
    before = AuditEntry.objects.count()
    response = personas.client("admin").post(_url("member_edit", user_id=personas.employee.pk), data)
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert _roles(personas, "employee") == {Role.EMPLOYEE}
    assert AuditEntry.objects.count() == before


def test_the_last_administrator_cannot_lose_the_role(personas):
    response = personas.client("admin").post(
        _url("member_edit", user_id=personas.admin.pk), {"roles": [Role.EMPLOYEE]}
    )
    assert response.status_code == 400
    assert "at least one administrator" in response.content.decode()
    assert _roles(personas, "admin") == {Role.ORG_ADMIN}


def test_the_last_administrator_cannot_be_removed(personas):
    response = personas.client("admin").post(_url("member_remove", user_id=personas.admin.pk), CONFIRM)
    assert response.status_code == 400
    assert "at least one administrator" in response.content.decode()
    assert _roles(personas, "admin") == {Role.ORG_ADMIN}


def test_an_administrator_can_leave_when_another_one_remains(personas):
    services.set_member_roles(
        personas.org, personas.delegate, [Role.DELEGATE, Role.ORG_ADMIN], personas.admin
    )
    response = personas.client("delegate").post(_url("member_remove", user_id=personas.admin.pk), CONFIRM)
    assert response.status_code == 302
    assert _roles(personas, "admin") == set()


def test_admin_removes_a_member_after_confirmation(personas):
    url = _url("member_remove", user_id=personas.employee.pk)
    assert personas.client("admin").get(url).status_code == 200
    assert _roles(personas, "employee") == {Role.EMPLOYEE}
    assert personas.client("admin").post(url, CONFIRM).status_code == 302
    assert _roles(personas, "employee") == set()
    # The former member now gets 404, like anyone outside the organisation.
    assert (
        personas.client("employee").get(reverse("registry:tool_list", kwargs={"org": "acme"})).status_code
        == 404
    )


def test_removing_a_member_revokes_their_tokens_here(personas):
    token, raw = tokens.create_token(personas.org, personas.auditor, name="export", role=Role.AUDITOR)
    personas.client("admin").post(_url("member_remove", user_id=personas.auditor.pk), CONFIRM)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate_token(raw) is None


def test_losing_a_role_revokes_the_tokens_of_that_role_only(personas):
    services.set_member_roles(
        personas.org, personas.staff_rep, [Role.STAFF_REP, Role.COMMITTEE], personas.admin
    )
    staff_token, _ = tokens.create_token(personas.org, personas.staff_rep, name="a", role=Role.STAFF_REP)
    committee_token, _ = tokens.create_token(personas.org, personas.staff_rep, name="b", role=Role.COMMITTEE)
    services.set_member_roles(personas.org, personas.staff_rep, [Role.STAFF_REP], personas.admin)
    staff_token.refresh_from_db()
    committee_token.refresh_from_db()
    assert staff_token.revoked_at is None
    assert committee_token.revoked_at is not None


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_members_without_the_right_cannot_change_roles(personas, who):
    client = personas.client(who)
    response = client.post(_url("member_edit", user_id=personas.employee.pk), {"roles": [Role.ORG_ADMIN]})
    assert response.status_code == 403
    assert client.post(_url("member_remove", user_id=personas.employee.pk), CONFIRM).status_code == 403
    assert _roles(personas, "employee") == {Role.EMPLOYEE}


def test_outsider_cannot_change_roles(personas):
    client = personas.client("outsider")
    assert (
        client.post(
            _url("member_edit", user_id=personas.employee.pk), {"roles": [Role.ORG_ADMIN]}
        ).status_code
        == 404
    )
    assert client.post(_url("member_remove", user_id=personas.employee.pk), CONFIRM).status_code == 404
    assert _roles(personas, "employee") == {Role.EMPLOYEE}


def test_a_person_of_another_organisation_is_not_found(personas):
    url = _url("member_edit", user_id=personas.outsider.pk)
    assert personas.client("admin").post(url, {"roles": [Role.EMPLOYEE]}).status_code == 404
    assert not Membership.objects.filter(organisation=personas.org, user=personas.outsider).exists()


def test_the_outsider_cannot_manage_their_own_organisation_s_members_through_ours(personas):
    # A member id from acme used with the address of "other": not a member there, so 404.
    url = _url("member_remove", org="other", user_id=personas.employee.pk)
    assert personas.client("outsider").post(url, CONFIRM).status_code == 404
    assert _roles(personas, "employee") == {Role.EMPLOYEE}


def test_anonymous_visitor_cannot_change_roles(personas):
    response = Client().post(_url("member_edit", user_id=personas.employee.pk), {"roles": [Role.ORG_ADMIN]})
    assert response.status_code == 302
    assert _roles(personas, "employee") == {Role.EMPLOYEE}


def test_service_refuses_unknown_roles(personas):
    with pytest.raises(ValidationError) as exc:
        services.set_member_roles(personas.org, personas.employee, ["emperor"], personas.admin)
    assert "roles" in exc.value.error_dict


def test_removal_without_the_confirmation_is_refused(personas):
    response = personas.client("admin").post(_url("member_remove", user_id=personas.employee.pk), {"x": "1"})
    assert response.status_code == 400
    assert _roles(personas, "employee") == {Role.EMPLOYEE}


def test_the_member_list_is_read_only(personas):
    assert personas.client("admin").post(_url("members"), {"roles": "x"}).status_code == 405
