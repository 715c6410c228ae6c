"""The qualification API: a tool's classification and obligations, the organisation's obligations with
filters and pages, an obligation's status through the service, and the evaluation of posted facts."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from revoyure.core.models import AuditEntry
from revoyure.qualification import services
from revoyure.qualification.models import Obligation, ObligationState, ToolQualification
from tests.api_support import ApiClient, assert_problem, token_client
from tests.factories import make_tool

PRO_1 = {
    "sys.infers_outputs": True,
    "sys.infers_emotions": True,
    "sys.uses_biometric_data": True,
    "sys.used_at_workplace": True,
    "sys.purpose_medical_or_safety": False,
}


def applying(classification: dict[str, Any]) -> list[dict[str, Any]]:
    """The prohibitions that apply (others may be listed as "to clarify" while facts are unknown)."""
    return [p for p in classification["prohibited"] if p["state"] == "applies"]


@pytest.fixture
def prohibited(personas: Any) -> Any:
    tool = make_tool(personas.org, personas.delegate, name="Mood camera")
    return services.record_answers(tool, personas.delegate, PRO_1)


def _obligation(tool: Any, rule_id: str) -> Obligation:
    return Obligation.objects.get(tool=tool, rule_id=rule_id)


def _session(personas: Any, who: str) -> ApiClient:
    return ApiClient(client=personas.client(who))


# A tool's qualification -----------------------------------------------------------------------------------


def test_tool_qualification_shows_classification_and_obligations_with_reasons(
    personas: Any, prohibited: Any
) -> None:
    response = _session(personas, "staff_rep").get(f"/organisations/acme/tools/{prohibited.pk}/qualification")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tool"] == {"id": prohibited.pk, "name": "Mood camera"}
    assert body["evaluated_at"] is not None
    assert body["classification"]["ai_system"] == "yes"
    assert applying(body["classification"]) == [{"rule": "PRO-1", "point": "5(1)(f)", "state": "applies"}]
    by_rule = {o["rule"]: o for o in body["obligations"]}
    pro = by_rule["PRO-1"]
    assert pro["article"] == "Art. 5(1)(f)"
    assert pro["state"] == "applies"
    assert pro["status"] == "to_do"
    assert pro["date"] == "2025-02-02"
    assert pro["responsible"] == "deployer"
    assert pro["triggering_facts"]["sys.infers_emotions"] is True
    assert pro["triggering_facts"]["sys.purpose_medical_or_safety"] is False
    assert pro["missing_facts"] == []
    assert pro["id"] == _obligation(prohibited, "PRO-1").pk
    undecided = [o for o in body["obligations"] if o["state"] == "to_clarify"]
    assert undecided and all(o["missing_facts"] for o in undecided)


def test_tool_qualification_of_a_tool_never_evaluated_is_computed_without_storing(
    personas: Any, tool: Any
) -> None:
    ToolQualification.objects.filter(tool=tool).delete()
    Obligation.objects.filter(tool=tool).delete()
    response = _session(personas, "delegate").get(f"/organisations/acme/tools/{tool.pk}/qualification")
    assert response.status_code == 200
    body = response.json()
    assert body["evaluated_at"] is None
    assert body["classification"]["ai_system"] == "unclear"
    assert body["obligations"] == []
    assert not ToolQualification.objects.filter(tool=tool).exists()


def test_tool_qualification_obeys_roles_tokens_and_organisation(personas: Any, tool: Any) -> None:
    path = f"/organisations/acme/tools/{tool.pk}/qualification"
    assert_problem(_session(personas, "employee").get(path), 403)
    assert_problem(_session(personas, "outsider").get(path), 404)
    assert_problem(ApiClient().get(path), 401)
    assert token_client(personas, "auditor").get(path).status_code == 200
    assert_problem(token_client(personas, "employee").get(path), 403)
    other_tool = make_tool(personas.other_org, None, name="Elsewhere")
    assert_problem(
        _session(personas, "admin").get(f"/organisations/acme/tools/{other_tool.pk}/qualification"), 404
    )


def test_tool_qualification_reads_a_fixed_number_of_queries(
    personas: Any, prohibited: Any, django_assert_max_num_queries: Any
) -> None:
    client = token_client(personas, "delegate")
    path = f"/organisations/acme/tools/{prohibited.pk}/qualification"
    client.get(path)
    with django_assert_max_num_queries(8):
        assert client.get(path).status_code == 200


# The organisation's obligations ---------------------------------------------------------------------------


def test_list_filters_by_state_status_family_and_date(personas: Any, prohibited: Any, tool: Any) -> None:
    client = _session(personas, "committee")
    everything = client.get("/organisations/acme/obligations").json()
    assert everything["count"] == Obligation.objects.exclude(state="lapsed").count() > 1
    tools = {item["tool"]["id"] for item in everything["items"] if item["tool"]}
    assert {tool.pk, prohibited.pk} <= tools

    applies = client.get("/organisations/acme/obligations", {"state": "applies"}).json()
    assert {i["rule"] for i in applies["items"]} >= {"PRO-1"}
    assert all(i["state"] == "applies" for i in applies["items"])

    ai_act = client.get("/organisations/acme/obligations", {"family": "ai_act"}).json()
    assert ai_act["count"] > 0 and all(i["family"] == "ai_act" for i in ai_act["items"])

    due = client.get("/organisations/acme/obligations", {"due_before": "2025-02-03"}).json()
    assert due["count"] >= 1 and all(i["date"] and i["date"] < "2025-02-03" for i in due["items"])

    services.set_obligation_status(
        _obligation(prohibited, "PRO-1"), personas.delegate, "done", evidence="Removed"
    )
    done = client.get("/organisations/acme/obligations", {"status": "done"}).json()
    assert [i["rule"] for i in done["items"]] == ["PRO-1"]
    assert done["items"][0]["evidence"] == "Removed"


def test_list_hides_lapsed_obligations_unless_asked(personas: Any, prohibited: Any) -> None:
    services.record_answers(prohibited, personas.delegate, {"sys.purpose_medical_or_safety": True})
    assert _obligation(prohibited, "PRO-1").state == ObligationState.LAPSED
    client = _session(personas, "delegate")
    rules = [i["rule"] for i in client.get("/organisations/acme/obligations").json()["items"]]
    assert "PRO-1" not in rules
    lapsed = client.get("/organisations/acme/obligations", {"state": "lapsed"}).json()
    assert [i["rule"] for i in lapsed["items"]] == ["PRO-1"]


def test_list_is_paginated(personas: Any, prohibited: Any) -> None:
    client = _session(personas, "delegate")
    total = client.get("/organisations/acme/obligations").json()["count"]
    first = client.get("/organisations/acme/obligations", {"limit": 1}).json()
    assert first["count"] == total and len(first["items"]) == 1
    assert first["previous"] is None and "offset=1" in first["next"]
    second = client.get("/organisations/acme/obligations", {"limit": 1, "offset": 1}).json()
    assert second["items"][0]["id"] != first["items"][0]["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"status": "maybe"}, "status"),
        ({"family": "tax_law"}, "family"),
        ({"due_before": "31/12/2026"}, "due_before"),
        ({"limit": 0}, "limit"),
    ],
)
def test_list_refuses_bad_filters_naming_them(personas: Any, params: dict[str, Any], field: str) -> None:
    assert_problem(_session(personas, "delegate").get("/organisations/acme/obligations", params), 422, field)


def test_list_reads_a_fixed_number_of_queries(
    personas: Any, prohibited: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        make_tool(personas.org, personas.delegate, name=f"Extra {n}", used_at_workplace="yes")
    client = token_client(personas, "delegate")
    client.get("/organisations/acme/obligations")
    with django_assert_max_num_queries(6):
        body = client.get("/organisations/acme/obligations").json()
    assert body["count"] > 5


def test_list_obeys_roles(personas: Any) -> None:
    assert_problem(_session(personas, "employee").get("/organisations/acme/obligations"), 403)
    assert_problem(_session(personas, "outsider").get("/organisations/acme/obligations"), 404)
    assert_problem(token_client(personas, "employee").get("/organisations/acme/obligations"), 403)


# Status ---------------------------------------------------------------------------------------------------


def test_status_done_with_evidence_goes_through_the_service(personas: Any, prohibited: Any) -> None:
    obligation = _obligation(prohibited, "PRO-1")
    response = token_client(personas, "delegate").post(
        f"/organisations/acme/obligations/{obligation.pk}/status",
        {"status": "done", "evidence": "  Tool withdrawn, decision of 3 March  "},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done" and body["evidence"] == "Tool withdrawn, decision of 3 March"
    assert body["tool"] == {"id": prohibited.pk, "name": "Mood camera"}
    obligation.refresh_from_db()
    assert obligation.status == "done" and obligation.status_changed_by == personas.delegate
    assert AuditEntry.objects.filter(action="obligation.status_changed").count() == 1
    latest = obligation.history.latest()
    assert latest.status == "done" and latest.history_user == personas.delegate


def test_status_not_applicable_keeps_the_reason(personas: Any, prohibited: Any) -> None:
    obligation = _obligation(prohibited, "PRO-1")
    response = _session(personas, "manager").post(
        f"/organisations/acme/obligations/{obligation.pk}/status",
        {"status": "not_applicable", "reason": "Used only for driver safety"},
    )
    assert response.status_code == 200
    assert response.json()["status_reason"] == "Used only for driver safety"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "evidence"),
        ({"status": "not_applicable", "reason": "   "}, "reason"),
        ({"status": "finished"}, "status"),
        ({}, "status"),
        ({"status": "done", "evidence": "x" * 5001}, "evidence"),
        ({"status": "done", "evidence": "ok", "colour": "blue"}, "colour"),
    ],
)
def test_status_refuses_bad_bodies_naming_the_field_and_writes_nothing(
    personas: Any, prohibited: Any, body: dict[str, Any], field: str
) -> None:
    obligation = _obligation(prohibited, "PRO-1")
    audit = AuditEntry.objects.count()
    response = token_client(personas, "delegate").post(
        f"/organisations/acme/obligations/{obligation.pk}/status", body
    )
    assert_problem(response, 422, field)
    obligation.refresh_from_db()
    assert obligation.status == "to_do"
    assert AuditEntry.objects.count() == audit


def test_status_obeys_roles_tokens_and_organisation(personas: Any, prohibited: Any) -> None:
    obligation = _obligation(prohibited, "PRO-1")
    path = f"/organisations/acme/obligations/{obligation.pk}/status"
    body = {"status": "done", "evidence": "x"}
    assert_problem(_session(personas, "staff_rep").post(path, body), 403)
    assert_problem(token_client(personas, "auditor").post(path, body), 403)
    assert_problem(_session(personas, "outsider").post(path, body), 404)
    assert_problem(
        _session(personas, "admin").post("/organisations/acme/obligations/999999/status", body), 404
    )
    other = make_tool(personas.other_org, None, name="Other tool")
    services.record_answers(other, None, PRO_1)
    foreign = _obligation(other, "PRO-1")
    assert_problem(
        _session(personas, "admin").post(f"/organisations/acme/obligations/{foreign.pk}/status", body), 404
    )
    obligation.refresh_from_db()
    foreign.refresh_from_db()
    assert obligation.status == foreign.status == "to_do"


# Evaluation of posted facts -------------------------------------------------------------------------------


def test_evaluate_gives_the_same_document_as_the_command(personas: Any, tmp_path: Any) -> None:
    facts = {**PRO_1, "org.headcount": 120}
    response = _session(personas, "employee").post(
        "/qualification/evaluate", {"facts": facts, "at": "2026-03-01"}
    )
    assert response.status_code == 200, response.content
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = io.StringIO()
    call_command("qualify", "--facts", str(path), "--at", "2026-03-01", "--lang", "en", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    body = response.json()
    assert body["at"] == "2026-03-01"
    assert [p["rule"] for p in applying(body["classification"])] == ["PRO-1"]
    assert all(o["state"] != "not_applicable" for o in body["obligations"])


def test_evaluate_uses_today_by_default_and_can_list_every_rule(personas: Any) -> None:
    client = token_client(personas, "employee")
    with time_machine.travel(dt.datetime(2028, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        body = client.post("/qualification/evaluate", {"facts": {}, "include_not_applicable": True}).json()
    assert body["at"] == "2028-01-10"
    assert "PRO-1" in {o["rule"] for o in body["obligations"]}
    empty = client.post("/qualification/evaluate", {"facts": {"sys.infers_outputs": False}}).json()
    assert "PRO-1" not in {o["rule"] for o in empty["obligations"]}


def test_evaluate_dates_decide_between_upcoming_and_applies(personas: Any) -> None:
    """Prohibitions apply from 2 February 2025 (art. 113(a)): the day before, PRO-1 is only upcoming."""
    client = token_client(personas, "delegate")
    before = client.post("/qualification/evaluate", {"facts": PRO_1, "at": "2025-02-01"}).json()
    after = client.post("/qualification/evaluate", {"facts": PRO_1, "at": "2025-02-02"}).json()
    assert {o["rule"]: o["state"] for o in before["obligations"]}["PRO-1"] == "upcoming"
    assert {o["rule"]: o["state"] for o in after["obligations"]}["PRO-1"] == "applies"


def test_evaluate_refuses_bad_facts_naming_each(personas: Any) -> None:
    response = _session(personas, "employee").post(
        "/qualification/evaluate",
        {"facts": {"sys.infers_emotion": True, "sys.infers_outputs": "perhaps", "org.headcount": -3}},
    )
    body = assert_problem(
        response, 422, "facts.sys.infers_emotion", "facts.sys.infers_outputs", "facts.org.headcount"
    )
    assert "unknown fact" in {e["message"] for e in body["errors"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "facts"),
        ({"facts": []}, "facts"),
        ({"facts": {}, "at": "tomorrow"}, "at"),
        ({"facts": {}, "extra": 1}, "extra"),
    ],
)
def test_evaluate_refuses_malformed_bodies(personas: Any, body: dict[str, Any], field: str) -> None:
    assert_problem(token_client(personas, "employee").post("/qualification/evaluate", body), 422, field)


def test_evaluate_refuses_non_json_and_anonymous_callers(personas: Any) -> None:
    client = token_client(personas, "employee")
    assert (
        client.post("/qualification/evaluate", "{not json", content_type="application/json").status_code
        == 400
    )
    assert client.post("/qualification/evaluate", "facts=1", content_type="text/plain").status_code == 415
    assert_problem(ApiClient().post("/qualification/evaluate", {"facts": {}}), 401)


def test_evaluate_answers_in_the_language_of_the_request(personas: Any) -> None:
    client = Client()
    client.force_login(personas.employee)
    body = json.dumps({"facts": PRO_1})
    french = client.post(
        "/api/v1/qualification/evaluate",
        body,
        content_type="application/json",
        headers={"Accept-Language": "fr"},
    ).json()
    english = client.post(
        "/api/v1/qualification/evaluate",
        body,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    ).json()
    pro_fr = next(o for o in french["obligations"] if o["rule"] == "PRO-1")
    pro_en = next(o for o in english["obligations"] if o["rule"] == "PRO-1")
    assert pro_fr["obligation"].startswith("Pratique interdite")
    assert pro_en["obligation"].startswith("Prohibited practice")


def test_operations_appear_in_the_openapi_document(db: Any) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/organisations/{slug}/tools/{tool_id}/qualification"]) == {"get"}
    assert set(paths["/api/v1/organisations/{slug}/obligations"]) == {"get"}
    assert set(paths["/api/v1/organisations/{slug}/obligations/{obligation_id}/status"]) == {"post"}
    assert set(paths["/api/v1/qualification/evaluate"]) == {"post"}
    schemas = document["components"]["schemas"]
    assert {"ToolQualificationOut", "ObligationOut", "ObligationPage", "EvaluationOut", "EvaluateIn"} <= set(
        schemas
    )
    assert schemas["ObligationStatusIn"]["additionalProperties"] is False
    filters = {p["name"] for p in paths["/api/v1/organisations/{slug}/obligations"]["get"]["parameters"]}
    assert {"state", "status", "family", "due_before", "limit", "offset"} <= filters
