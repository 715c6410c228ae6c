"""API authentication and authorisation: personal tokens (one organisation, one role), the session with
CSRF, and the organisation endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revoyure.organisations.models import Agreement, ApiToken, Membership, StaffBody, StaffBodyMember
from revoyure.registry.models import Tool
from tests.api_support import (
    READERS,
    ApiClient,
    World,
    assert_problem,
    build_world,
    counts,
    make_token,
    token_client,
    use_media_dir,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Any, tool: Any, settings: Any, tmp_path: Any) -> World:
    use_media_dir(settings, tmp_path)
    return build_world(personas, tool)


def _call(client: ApiClient, method: str, path: str) -> object:
    return client.get(path) if method == "get" else getattr(client, method)(path, {})


# Anonymous callers and bad tokens ------------------------------------------------------------------------


def test_anonymous_gets_401_with_bearer_challenge_on_every_operation(world: World) -> None:
    anonymous = ApiClient()
    before = counts()
    for method, path in [("get", "/"), ("get", "/organisations"), *world.operations()]:
        response = _call(anonymous, method, path)
        body = assert_problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer"), path
        assert "token" in body["detail"]
    assert counts() == before


def test_unknown_token_gets_401() -> None:
    response = ApiClient("rvy_" + "x" * 43).get("/organisations")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer not-a-token", "bearer rvy_", "Bearer " + "a" * 5000]
)
def test_malformed_bearer_header_gets_401(header: str, personas) -> None:
    response = Client().get("/api/v1/organisations", headers={"Authorization": header})
    assert_problem(response, 401)


def test_revoked_token_gets_401(personas) -> None:
    raw = make_token(personas.delegate, personas.org, "delegate")
    ApiToken.objects.update(revoked_at=timezone.now())
    assert_problem(ApiClient(raw).get("/organisations/acme/tools"), 401)


def test_token_of_a_deactivated_account_gets_401(personas) -> None:
    raw = make_token(personas.delegate, personas.org, "delegate")
    personas.delegate.is_active = False
    personas.delegate.save(update_fields=["is_active"])
    assert_problem(ApiClient(raw).get("/organisations/acme/tools"), 401)


def test_token_stops_working_when_its_role_is_withdrawn(personas) -> None:
    raw = make_token(personas.delegate, personas.org, "delegate")
    assert ApiClient(raw).get("/organisations/acme/tools").status_code == 200
    Membership.objects.filter(user=personas.delegate, organisation=personas.org).update(role="employee")
    assert_problem(ApiClient(raw).get("/organisations/acme/tools"), 401)


def test_invalid_token_does_not_fall_back_to_the_session(personas) -> None:
    client = personas.client("delegate")
    response = client.get("/api/v1/organisations/acme/tools", headers={"Authorization": "Bearer rvy_wrong"})
    assert_problem(response, 401)


def test_using_a_token_records_when_it_was_last_used(personas) -> None:
    raw = make_token(personas.delegate, personas.org, "delegate")
    ApiToken.objects.update(last_used_at=None)
    ApiClient(raw).get("/organisations")
    assert ApiToken.objects.get().last_used_at is not None


# Scope of a token ----------------------------------------------------------------------------------------


def test_token_of_another_organisation_gets_404_even_for_a_member_of_both(personas, tool) -> None:
    Membership.objects.create(user=personas.delegate, organisation=personas.other_org, role="delegate")
    raw = make_token(personas.delegate, personas.other_org, "delegate")
    client = ApiClient(raw)
    assert_problem(client.get("/organisations/acme/tools"), 404)
    assert_problem(client.get(f"/organisations/acme/tools/{tool.pk}"), 404)
    assert_problem(client.get("/organisations/acme"), 404)
    assert client.get("/organisations/other/tools").status_code == 200


def test_token_of_another_organisation_cannot_write_there(personas, tool) -> None:
    Membership.objects.create(user=personas.delegate, organisation=personas.other_org, role="delegate")
    client = ApiClient(make_token(personas.delegate, personas.other_org, "delegate"))
    before = counts()
    assert_problem(client.post("/organisations/acme/tools", {"name": "Sneaky"}), 404)
    assert_problem(client.patch(f"/organisations/acme/tools/{tool.pk}", {"purpose": "x", "reason": "r"}), 404)
    assert counts() == before


def test_token_acts_with_its_role_only(personas, tool) -> None:
    # The delegate also holds the employee role; a token made for that role cannot read the register.
    Membership.objects.create(user=personas.delegate, organisation=personas.org, role="employee")
    client = ApiClient(make_token(personas.delegate, personas.org, "employee"))
    assert_problem(client.get("/organisations/acme/tools"), 403)
    before = counts()
    assert_problem(client.post("/organisations/acme/tools", {"name": "Refused"}), 403)
    assert counts() == before


def test_read_only_token_of_a_writer_cannot_write(personas) -> None:
    Membership.objects.create(user=personas.delegate, organisation=personas.org, role="auditor")
    client = ApiClient(make_token(personas.delegate, personas.org, "auditor"))
    assert client.get("/organisations/acme/tools").status_code == 200
    before = counts()
    assert_problem(client.post("/organisations/acme/tools", {"name": "Refused"}), 403)
    assert counts() == before


def test_employee_token_gets_403_on_every_organisation_operation(world: World) -> None:
    client = token_client(world.personas, "employee")
    before = counts()
    for method, path in world.operations():
        body = assert_problem(_call(client, method, path), 403)
        assert body["detail"]
    assert counts() == before


def test_outsider_gets_404_on_every_organisation_operation(world: World) -> None:
    for client in (
        token_client(world.personas, "outsider"),
        ApiClient(client=world.personas.client("outsider")),
    ):
        before = counts()
        for method, path in world.operations():
            assert_problem(_call(client, method, path), 404)
        assert counts() == before


def test_outsider_gets_404_for_a_method_the_address_does_not_accept(world: World) -> None:
    client = ApiClient(client=world.personas.client("outsider"))
    assert_problem(client.post(f"/organisations/acme/tools/{world.tool.pk}/history", {}), 404)
    assert_problem(client.patch("/organisations/acme", {}), 404)


def test_member_gets_405_problem_for_a_method_the_address_does_not_accept(personas, tool) -> None:
    client = token_client(personas, "delegate")
    response = client.post(f"/organisations/acme/tools/{tool.pk}/history", {})
    assert_problem(response, 405)
    assert response["Allow"] == "GET"


def test_anonymous_gets_401_for_a_method_the_address_does_not_accept(personas) -> None:
    assert_problem(ApiClient().post("/organisations/acme", {}), 401)


def test_unknown_organisation_gets_404(personas) -> None:
    assert_problem(token_client(personas, "delegate").get("/organisations/nowhere/tools"), 404)


@pytest.mark.parametrize("slug", ["ac%00me", "a" * 200, "%C3%A9t%C3%A9"])
def test_malformed_organisation_in_the_path_gets_404(personas, slug: str) -> None:
    assert_problem(ApiClient(client=personas.client("delegate")).get(f"/organisations/{slug}/tools"), 404)


# The session --------------------------------------------------------------------------------------------


def test_session_reads_the_register(personas, tool) -> None:
    response = personas.client("staff_rep").get("/api/v1/organisations/acme/tools")
    assert response.status_code == 200
    assert response.json()["items"][0]["name"] == tool.name


def test_session_write_without_csrf_token_is_refused(personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.delegate)
    before = counts()
    response = client.post(
        "/api/v1/organisations/acme/tools", {"name": "No CSRF"}, content_type="application/json"
    )
    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert counts() == before


def test_session_write_with_csrf_token_is_accepted(personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.delegate)
    token = "k" * 32  # a CSRF secret, as the cookie a page sets would hold
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/organisations/acme/tools",
        {"name": "With CSRF"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content
    assert Tool.objects.filter(name="With CSRF").exists()


def test_token_write_needs_no_csrf_token(personas) -> None:
    raw = make_token(personas.delegate, personas.org, "delegate")
    client = ApiClient(raw, client=Client(enforce_csrf_checks=True))
    assert client.post("/organisations/acme/tools", {"name": "By token"}).status_code == 201


# Organisations ------------------------------------------------------------------------------------------


def test_index_points_to_the_organisations_and_the_openapi_document(personas) -> None:
    body = token_client(personas, "employee").get("/").json()
    assert body["organisations"].endswith("/api/v1/organisations")
    assert body["openapi"].endswith("/api/v1/openapi.json")


def test_session_lists_every_organisation_of_the_caller_with_roles(personas) -> None:
    Membership.objects.create(user=personas.delegate, organisation=personas.other_org, role="auditor")
    Membership.objects.create(user=personas.delegate, organisation=personas.org, role="staff_rep")
    body = personas.client("delegate").get("/api/v1/organisations").json()
    assert body == [
        {"slug": "acme", "name": "Acme", "roles": ["delegate", "staff_rep"]},
        {"slug": "other", "name": "Other", "roles": ["auditor"]},
    ]


def test_token_lists_only_its_organisation_and_role(personas) -> None:
    Membership.objects.create(user=personas.delegate, organisation=personas.other_org, role="auditor")
    body = token_client(personas, "delegate").get("/organisations").json()
    assert body == [{"slug": "acme", "name": "Acme", "roles": ["delegate"]}]


@pytest.mark.parametrize("who", READERS)
def test_readers_see_the_organisation_facts_staff_bodies_and_agreements(personas, who: str) -> None:
    body = StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE Acme")
    StaffBodyMember.objects.create(staff_body=body, full_name="Camille Martin", mandate="secretary")
    Agreement.objects.create(
        organisation=personas.org, title="Accord IA", kind="collective", signed_on=dt.date(2025, 3, 1)
    )
    data = token_client(personas, who).get("/organisations/acme").json()
    assert data["name"] == "Acme"
    assert data["headcount"] == 120
    assert data["reached_50_for_12_months"] is True
    assert data["staff_bodies"] == [
        {
            "id": body.pk,
            "kind": "cse",
            "name": "CSE Acme",
            "establishment": "",
            "members": [{"full_name": "Camille Martin", "mandate": "secretary"}],
        }
    ]
    assert data["agreements"][0]["title"] == "Accord IA"
    assert data["agreements"][0]["signed_on"] == "2025-03-01"


def test_organisation_detail_query_count_does_not_grow_with_staff_bodies(
    personas, django_assert_num_queries
) -> None:
    client = token_client(personas, "delegate")

    def add_bodies(n: int) -> None:
        for i in range(n):
            body = StaffBody.objects.create(organisation=personas.org, kind="cse", name=f"CSE {i}")
            StaffBodyMember.objects.create(staff_body=body, full_name=f"Member {i}")

    add_bodies(2)
    client.get("/organisations/acme")
    with CaptureQueriesContext(connection) as few:
        client.get("/organisations/acme")
    add_bodies(20)
    with django_assert_num_queries(len(few)):
        client.get("/organisations/acme")
