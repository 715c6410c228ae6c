"""The prohibited-practice gate (legal-rules.md §5: "If Art. 5 is triggered, block the system. Do not offer
a mitigation path."): a tool whose facts match a prohibited practice cannot move to pilot or in service,
through the web status form, the API, the importer or `registry.services.create_tool`; the refusal names
the article. Withdrawal and suspension are never blocked."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from revoyure.core.expressions import compile_expression
from revoyure.core.models import AuditEntry
from revoyure.qualification import engine, services
from revoyure.qualification.rules import RuleSet, rule_set
from revoyure.registry import services as registry_services
from revoyure.registry.models import Tool
from tests.api_support import assert_problem, token_client
from tests.factories import make_tool

ARTICLE = "Art. 5(1)(f)"
PRO_1 = {
    "sys.infers_outputs": True,
    "sys.infers_emotions": True,
    "sys.uses_biometric_data": True,
    "sys.used_at_workplace": True,
    "sys.purpose_medical_or_safety": False,
}
# The register columns behind PRO-1's facts (the medical-or-safety purpose is a questionnaire answer).
PRO_1_COLUMNS = {
    "is_ai_system": "yes",
    "infers_emotions": "yes",
    "biometric_data": "yes",
    "used_at_workplace": "yes",
}


@pytest.fixture
def prohibited(personas: Any) -> Tool:
    tool = make_tool(personas.org, personas.delegate, name="Mood camera")
    return services.record_answers(tool, personas.delegate, PRO_1)


@pytest.fixture
def prohibited_by_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new tool (created or imported) has no questionnaire answers yet, so with the real PRO-1 its unknown
    medical-or-safety purpose leaves it "to clarify" and nothing is blocked. To show that the importer and
    `create_tool` obey the gate, PRO-1 is read here without that fact: register columns alone decide it."""
    real = rule_set()
    condition = compile_expression(
        "sys.is_ai_system and sys.infers_emotions and sys.uses_biometric_data and sys.used_at_workplace"
    )
    rules = tuple(dataclasses.replace(r, condition=condition) if r.id == "PRO-1" else r for r in real.rules)
    monkeypatch.setattr(engine, "rule_set", lambda: RuleSet(real.definitions, rules))


def _counts() -> dict[str, int]:
    return {
        "tools": Tool.objects.count(),
        "versions": Tool.history.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_engine_finds_the_prohibition(prohibited: Tool) -> None:
    refusal = services.prohibited_practice_gate(prohibited, "pilot")
    assert refusal is not None and ARTICLE in refusal and "PRO-1" in refusal


# (a) The web status form ----------------------------------------------------------------------------------


def _status_url(tool: Tool) -> str:
    return reverse("registry:tool_change_status", kwargs={"org": "acme", "pk": tool.pk})


@pytest.mark.parametrize("status", ["pilot", "in_service"])
def test_web_status_form_refuses_and_names_the_article(personas: Any, prohibited: Tool, status: str) -> None:
    before = _counts()
    response = personas.client("delegate").post(
        _status_url(prohibited), {"new_status": status, "reason": "Go"}
    )
    assert response.status_code == 400
    assert ARTICLE in response.content.decode()
    assert ARTICLE in " ".join(response.context["status_form"].errors["new_status"])
    prohibited.refresh_from_db()
    assert prohibited.status == "project"
    assert _counts() == before


def test_web_status_form_lets_a_tool_without_prohibition_pass(personas: Any, tool: Tool) -> None:
    response = personas.client("delegate").post(_status_url(tool), {"new_status": "pilot", "reason": "Go"})
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.status == "pilot"


# (b) The API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pilot", "in_service"])
def test_api_status_change_refuses_and_names_the_article(
    personas: Any, prohibited: Tool, status: str
) -> None:
    before = _counts()
    response = token_client(personas, "delegate").post(
        f"/organisations/acme/tools/{prohibited.pk}/status", {"status": status, "reason": "Go"}
    )
    body = assert_problem(response, 422, "status")
    assert ARTICLE in next(e["message"] for e in body["errors"] if e["field"] == "status")
    prohibited.refresh_from_db()
    assert prohibited.status == "project"
    assert _counts() == before


def test_api_status_change_lets_a_tool_without_prohibition_pass(personas: Any, tool: Tool) -> None:
    response = token_client(personas, "delegate").post(
        f"/organisations/acme/tools/{tool.pk}/status", {"status": "in_service", "reason": "Go"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_service"


# Withdrawal and suspension --------------------------------------------------------------------------------


def test_a_prohibited_tool_can_always_be_withdrawn(personas: Any, prohibited: Tool) -> None:
    tool = registry_services.change_status(prohibited, personas.delegate, "withdrawn", "Prohibited practice")
    assert tool.status == "withdrawn"


def test_a_tool_in_use_that_turns_out_prohibited_can_be_suspended_not_resumed(personas: Any) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Mood camera")
    tool = registry_services.change_status(tool, personas.delegate, "pilot", "Trial")
    services.record_answers(tool, personas.delegate, PRO_1)
    with pytest.raises(ValidationError) as caught:
        registry_services.change_status(tool, personas.delegate, "in_service", "Go live")
    assert ARTICLE in " ".join(caught.value.message_dict["status"])
    tool = registry_services.change_status(tool, personas.delegate, "suspended", "Prohibited practice")
    assert tool.status == "suspended"
    for status in ("in_service", "pilot"):
        with pytest.raises(ValidationError, match=r"5\(1\)\(f\)"):
            registry_services.change_status(tool, personas.delegate, status, "Resume")
    assert registry_services.change_status(tool, personas.delegate, "withdrawn", "Stop").status == "withdrawn"


def test_the_medical_or_safety_exception_lifts_the_gate(personas: Any, prohibited: Tool) -> None:
    services.record_answers(prohibited, personas.delegate, {"sys.purpose_medical_or_safety": True})
    tool = registry_services.change_status(prohibited, personas.delegate, "pilot", "Driver fatigue detection")
    assert tool.status == "pilot"


# (d) create_tool ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pilot", "in_service"])
def test_create_tool_in_use_is_refused(personas: Any, prohibited_by_columns: None, status: str) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registry_services.create_tool(
            personas.org, personas.delegate, {"name": "Mood camera", "status": status, **PRO_1_COLUMNS}
        )
    assert ARTICLE in " ".join(caught.value.message_dict["status"])
    assert _counts() == before


def test_create_tool_as_project_or_without_prohibition_passes(
    personas: Any, prohibited_by_columns: None
) -> None:
    project = registry_services.create_tool(
        personas.org, personas.delegate, {"name": "Planned", **PRO_1_COLUMNS}
    )
    assert project.status == "project"
    safe = registry_services.create_tool(
        personas.org,
        personas.delegate,
        {"name": "Text mood", "status": "pilot", **PRO_1_COLUMNS, "biometric_data": "no"},
    )
    assert safe.status == "pilot"


# (c) The importer -----------------------------------------------------------------------------------------


def _csv(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(rows[0])
    lines = [",".join(header), *(",".join(row[c] for c in header) for row in rows)]
    path = tmp_path / "tools.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(path: Path, err: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("import_register", "acme", str(path), stdout=out, stderr=err or io.StringIO())
    return out.getvalue()


def test_import_refuses_the_row_naming_the_article_and_writes_nothing(
    personas: Any, tmp_path: Path, prohibited_by_columns: None
) -> None:
    safe = {"name": "Planner", "status": "in_service", **PRO_1_COLUMNS, "biometric_data": "no"}
    banned = {"name": "Mood camera", "status": "in_service", **PRO_1_COLUMNS}
    path = _csv(tmp_path, [safe, banned])
    before = _counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        _import(path, err)
    refused = [line for line in err.getvalue().splitlines() if ARTICLE in line]
    assert len(refused) == 1
    assert "3" in refused[0]  # the row of the file (after the header and the safe row)
    assert _counts() == before


def test_import_of_rows_without_prohibition_passes(
    personas: Any, tmp_path: Path, prohibited_by_columns: None
) -> None:
    rows = [
        {"name": "Planner", "status": "in_service", **PRO_1_COLUMNS, "biometric_data": "no"},
        {"name": "Mood camera (project)", "status": "project", **PRO_1_COLUMNS},
    ]
    _import(_csv(tmp_path, rows))
    assert set(Tool.objects.values_list("name", "status")) == {
        ("Planner", "in_service"),
        ("Mood camera (project)", "project"),
    }


def test_with_the_real_rules_an_unknown_purpose_is_to_clarify_not_refused(
    personas: Any, tmp_path: Path
) -> None:
    """Without the questionnaire answer the engine does not guess: the import passes and PRO-1 waits, "to
    clarify", for the medical-or-safety question; the gate then blocks the next move once it is answered."""
    _import(_csv(tmp_path, [{"name": "Mood camera", "status": "pilot", **PRO_1_COLUMNS}]))
    tool = Tool.objects.get(name="Mood camera")
    outcome = services.evaluate_tool(tool).outcome("PRO-1")
    assert outcome.state == engine.TO_CLARIFY
    assert "sys.purpose_medical_or_safety" in outcome.missing
    services.record_answers(tool, personas.delegate, {"sys.purpose_medical_or_safety": False})
    with pytest.raises(ValidationError, match=r"5\(1\)\(f\)"):
        registry_services.change_status(tool, personas.delegate, "in_service", "Go live")
