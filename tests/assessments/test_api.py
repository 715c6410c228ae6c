"""The questionnaire API: responses (list, one, saving answers, submission) and definitions.

The router is mounted here on a NinjaAPI of its own (the same factory and authentication as /api/v1/),
ahead of the project's URLs, so these tests pass whether or not revoyure/api.py registers it yet."""

import json

import pytest
from django.test import Client
from django.urls import include, path

import revoyure.urls
from revoyure.assessments import api as assessments_api
from revoyure.assessments import services
from revoyure.assessments.loading import parse_definition
from revoyure.assessments.models import Answer, QuestionnaireDefinition, ResponseStatus
from revoyure.core.api import build_api
from revoyure.organisations.api import api_auth
from revoyure.organisations.tokens import create_token
from tests.assessments.helpers import small_definition

_api = build_api(auth=api_auth())
_api.urls_namespace = "assessments_test_api"
_api.add_router("/", assessments_api.router)
urlpatterns = [path("api/v1/", _api.urls), path("", include(revoyure.urls.urlpatterns))]

pytestmark = pytest.mark.urls("tests.assessments.test_api")

BASE = "/api/v1/organisations/acme/questionnaires"


@pytest.fixture
def v1(db):
    services.sync_definitions([parse_definition(small_definition(), "small")])
    return QuestionnaireDefinition.objects.get(slug="small", version=1)


@pytest.fixture
def response(personas, v1, tool):
    return services.create_response(personas.org, personas.manager, v1, "Planner study", tool=tool)


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


def answers(response):
    return dict(Answer.objects.filter(response=response).values_list("question_id", "value"))


def test_list_responses(personas, response, v1):
    services.create_response(personas.other_org, personas.outsider, v1, "Elsewhere")
    services.create_response(personas.org, personas.manager, v1, "No tool")
    result = personas.client("staff_rep").get(BASE)
    assert result.status_code == 200
    body = result.json()
    assert body["count"] == 2
    assert {item["title"] for item in body["items"]} == {"Planner study", "No tool"}
    item = next(i for i in body["items"] if i["title"] == "Planner study")
    assert item["definition"] == {"slug": "small", "version": 1, "title": v1.title}
    assert item["tool"]["id"] == response.tool_id
    assert (item["sections_total"], item["sections_done"]) == (2, 0)
    assert item["url"].endswith(f"/o/acme/questionnaires/{response.pk}/")
    filtered = personas.client("staff_rep").get(BASE, {"tool_id": response.tool_id}).json()
    assert [i["title"] for i in filtered["items"]] == ["Planner study"]
    assert personas.client("staff_rep").get(BASE, {"status": "submitted"}).json()["count"] == 0
    assert personas.client("staff_rep").get(BASE, {"status": "zzz"}).status_code == 422


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("outsider", 404)])
def test_list_is_refused(personas, response, who, status):
    assert personas.client(who).get(BASE).status_code == status


def test_anonymous_gets_401(client, response):
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{response.pk}").status_code == 401
    assert client.get("/api/v1/questionnaire-definitions").status_code == 401


def test_get_one_response(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "stress": 3})
    result = personas.client("auditor").get(f"{BASE}/{response.pk}")
    assert result.status_code == 200
    body = result.json()
    assert body["answers"] == {"uses_ai": "yes", "stress": 3}
    assert body["status"] == "draft"
    first = body["sections"][0]
    assert (first["id"], first["owner"], first["department"], first["status"]) == (
        "first",
        "prevention",
        "prevention",
        "todo",
    )
    assert first["progress"]["missing_required"] == ["ai_kind"]
    assert first["score"] == 8 and first["level"] == "high"
    assert body["scores"] == {"total": 8, "max": body["scores"]["max"], "level": "high", "recorded": False}
    assert body["completion"]["required_answered"] == 1


def test_an_assigned_employee_reads_and_answers_their_section_only(personas, response):
    services.assign_section(response, personas.manager, "second", assignee=personas.employee)
    client = personas.client("employee")
    assert client.get(f"{BASE}/{response.pk}").status_code == 200
    ok = patch(client, f"{BASE}/{response.pk}/answers", {"answers": {"staff": 12}})
    assert ok.status_code == 200
    assert ok.json()["answers"] == {"staff": 12}
    refused = patch(client, f"{BASE}/{response.pk}/answers", {"answers": {"uses_ai": "yes"}})
    assert refused.status_code == 403
    assert client.post(f"{BASE}/{response.pk}/submit").status_code == 403
    assert answers(response) == {"staff": 12}
    other = personas.client("committee")  # reads studies, answers nothing
    assert other.get(f"{BASE}/{response.pk}").status_code == 200
    assert patch(other, f"{BASE}/{response.pk}/answers", {"answers": {"staff": 1}}).status_code == 403


def test_patch_answers_with_a_token(personas, response):
    _token, raw = create_token(personas.org, personas.manager, name="ci", role="management")
    client = Client()
    result = patch(
        client,
        f"{BASE}/{response.pk}/answers",
        {"answers": {"uses_ai": "yes", "ai_kind": ["scoring", "genai"], "start": "2031-02-03"}},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert result.status_code == 200, result.content
    assert answers(response) == {"uses_ai": "yes", "ai_kind": ["genai", "scoring"], "start": "2031-02-03"}
    # A later answer that hides an earlier one clears it.
    cleared = patch(
        client,
        f"{BASE}/{response.pk}/answers",
        {"answers": {"uses_ai": "no"}},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert cleared.status_code == 200
    assert "ai_kind" not in cleared.json()["answers"]


def test_bad_answers_are_refused_and_nothing_is_written(personas, response):
    client = personas.client("manager")
    services.save_answers(response, personas.manager, {"uses_ai": "no"})
    url = f"{BASE}/{response.pk}/answers"
    result = patch(client, url, {"answers": {"uses_ai": "yes", "stress": 9, "nope": 1}})
    assert result.status_code == 422
    assert result["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in result.json()["errors"]}
    assert fields == {"answers.stress", "answers.nope"}
    hidden = patch(client, url, {"answers": {"genai_detail": "x"}})
    assert hidden.status_code == 422
    assert hidden.json()["errors"][0]["field"] == "answers.genai_detail"
    assert patch(client, url, {"answers": {"uses_ai": "yes\x00"}}).status_code == 422
    assert patch(client, url, {"answers": "nope"}).status_code == 422
    assert patch(client, url, {"values": {}}).status_code == 422
    assert client.patch(url, "{not json", content_type="application/json").status_code == 400
    assert client.patch(url, "a=b", content_type="application/x-www-form-urlencoded").status_code == 415
    stolen = patch(client, url, {"answers": {"doc": {"name": "x.pdf", "id": 1, "sha256": "0" * 64}}})
    assert stolen.status_code == 422
    assert answers(response) == {"uses_ai": "no"}
    assert patch(client, url, {"answers": {"doc": {"name": "minutes.pdf"}}}).status_code == 200


def test_submit(personas, response):
    client = personas.client("manager")
    refused = client.post(f"{BASE}/{response.pk}/submit")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"answers.uses_ai"}
    services.save_answers(response, personas.manager, {"uses_ai": "no"})
    done = client.post(f"{BASE}/{response.pk}/submit")
    assert done.status_code == 200
    assert done.json()["status"] == "submitted"
    assert done.json()["scores"]["recorded"] is True
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    late = patch(client, f"{BASE}/{response.pk}/answers", {"answers": {"uses_ai": "yes"}})
    assert late.status_code == 422
    assert answers(response) == {"uses_ai": "no"}
    assert personas.client("staff_rep").post(f"{BASE}/{response.pk}/submit").status_code == 403
    assert personas.client("outsider").post(f"{BASE}/{response.pk}/submit").status_code == 404


def test_unknown_responses_are_404(personas, response, v1):
    foreign = services.create_response(personas.other_org, personas.outsider, v1, "Elsewhere")
    client = personas.client("admin")
    assert client.get(f"{BASE}/{foreign.pk}").status_code == 404
    assert client.get(f"{BASE}/99999999999999999999").status_code in (404, 422)
    assert personas.client("outsider").get(f"{BASE}/{response.pk}").status_code == 404


def test_definitions(personas, v1):
    client = personas.client("employee")
    listed = client.get("/api/v1/questionnaire-definitions")
    assert listed.status_code == 200
    rows = {(d["slug"], d["version"]): d for d in listed.json()}
    assert rows[("small", 1)]["newest"] is True
    assert ("working-conditions-impact", 1) in rows
    one = client.get("/api/v1/questionnaire-definitions/small/1")
    assert one.status_code == 200
    assert one.json()["content"]["sections"][0]["id"] == "first"
    assert one.json()["sha256"] == v1.sha256
    assert client.get("/api/v1/questionnaire-definitions/small/7").status_code == 404
    assert client.get("/api/v1/questionnaire-definitions/small/0").status_code == 404
    assert client.get("/api/v1/questionnaire-definitions/small/x").status_code == 422
