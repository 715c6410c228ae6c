"""The go-live gate (issue 4 §3): a tool to which a consultation rule applies cannot move to pilot or in
service until a consultation of the required body is closed; web, API and import all obey it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from revoyure.consultations.gate import GATE_RULES, REQUIRED_BODIES, consultation_gate, gate_rules
from revoyure.qualification.rules import rule_set
from revoyure.registry import services as registry_services
from revoyure.registry.models import Tool
from tests.api_support import token_client
from tests.consultations.conftest import close
from tests.factories import make_tool

pytestmark = pytest.mark.django_db

CT2 = (
    "Consultation required before a pilot or go-live: CT-2 (Code du travail L2312-8 II 4°, L2312-14) — the "
    "CSE's consultation is not closed."
)


def test_the_mapping_names_existing_rules_and_body_kinds() -> None:
    assert set(REQUIRED_BODIES) == {"CT-2", "CT-3", "AIA-08", "FP-2", "FP-3", "FP-4a"}
    assert {r.id for r in gate_rules().rules} == GATE_RULES
    assert REQUIRED_BODIES["CT-2"].kinds == {"cse", "cse_central", "cse_establishment"}
    assert REQUIRED_BODIES["FP-2"].kinds == {"cst"}
    assert REQUIRED_BODIES["FP-3"].kinds == {"f3sct", "fs"}
    assert REQUIRED_BODIES["FP-4a"].kinds == {"csa", "fs"}
    assert "cssct" in REQUIRED_BODIES["AIA-08"].kinds
    for rule_id in GATE_RULES:
        assert rule_set().by_id[rule_id].scope == "tool"


def test_gate_refuses_pilot_and_in_service_but_not_other_statuses(new_tech: Any) -> None:
    assert consultation_gate(new_tech, "pilot") == CT2
    assert consultation_gate(new_tech, "in_service") == CT2
    assert consultation_gate(new_tech, "withdrawn") is None


def test_no_rule_no_refusal(personas: Any, cse: Any) -> None:
    tool = make_tool(
        personas.org,
        personas.delegate,
        name="Old spreadsheet",
        new_technology_for_org="no",
        major_change_working_conditions="no",
        can_monitor_activity="no",
    )
    assert consultation_gate(tool, "pilot") is None


def test_to_clarify_does_not_block(personas: Any, cse: Any) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Unknown")  # the facts are unknown
    assert consultation_gate(tool, "pilot") is None


def test_monitoring_names_ct3_as_well(personas: Any, cse: Any) -> None:
    tool = make_tool(
        personas.org,
        personas.delegate,
        name="Badges",
        new_technology_for_org="yes",
        can_monitor_activity="yes",
    )
    message = consultation_gate(tool, "pilot")
    assert message == (
        "Consultation required before a pilot or go-live: CT-2 (Code du travail L2312-8 II 4°, L2312-14) — the "
        "CSE's consultation is not closed; CT-3 (Code du travail L2312-38) — the CSE's consultation is not closed."
    )


def test_public_service_needs_the_cst(personas: Any) -> None:
    from revoyure.organisations.services import create_staff_body

    org = personas.org
    org.public_service_branch = "territoriale"
    org.save()
    create_staff_body(org, personas.admin, kind="cst", name="CST")
    tool = make_tool(org, personas.delegate, name="Réorganisation")
    from revoyure.qualification.services import record_answers

    record_answers(tool, personas.delegate, {"sys.reorganises_services": True})
    message = consultation_gate(Tool.objects.get(pk=tool.pk), "pilot")
    assert message is not None
    assert "FP-2 (Décret 2021-571, art. 54) — the CST's consultation is not closed" in message


def test_an_open_consultation_is_not_enough_a_closed_one_is(
    personas: Any, consultation: Any, new_tech: Any
) -> None:
    assert consultation_gate(new_tech, "pilot") == CT2
    close(consultation, personas.manager)
    consultation.refresh_from_db()
    assert consultation.status == "closed"
    assert consultation_gate(new_tech, "pilot") is None


def test_a_closed_consultation_of_another_kind_does_not_count(personas: Any, new_tech: Any, cse: Any) -> None:
    from revoyure.consultations import services
    from revoyure.organisations.services import create_staff_body

    cssct = create_staff_body(personas.org, personas.admin, kind="cssct", name="CSSCT")
    c = services.open_consultation(
        new_tech,
        personas.manager,
        subject="CSSCT only",
        staff_bodies=[cssct],
        purposes={cssct.pk: "information"},
    )
    services.record_information(c.bodies.get(), personas.manager, c.opened_at.date())
    c.refresh_from_db()
    assert c.status == "closed"
    assert consultation_gate(new_tech, "pilot") == CT2


# The three entry points ------------------------------------------------------------------------------------


def test_web_status_change_is_refused_with_the_message(personas: Any, new_tech: Any) -> None:
    url = reverse("registry:tool_change_status", kwargs={"org": "acme", "pk": new_tech.pk})
    response = personas.client("delegate").post(url, {"new_status": "pilot", "reason": "Pilot in Lyon"})
    assert response.status_code == 400
    assert CT2 in response.content.decode().replace("&#x27;", "'")
    new_tech.refresh_from_db()
    assert new_tech.status == "project"


def test_web_status_change_passes_after_the_consultation(
    personas: Any, new_tech: Any, consultation: Any
) -> None:
    close(consultation, personas.manager)
    url = reverse("registry:tool_change_status", kwargs={"org": "acme", "pk": new_tech.pk})
    response = personas.client("delegate").post(url, {"new_status": "pilot", "reason": "Pilot in Lyon"})
    assert response.status_code == 302
    new_tech.refresh_from_db()
    assert new_tech.status == "pilot"


def test_api_status_change_is_refused_with_the_message(personas: Any, new_tech: Any) -> None:
    client = token_client(personas, "delegate")
    response = client.post(
        f"/organisations/acme/tools/{new_tech.pk}/status", {"status": "in_service", "reason": "go"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "status", "message": CT2}]
    new_tech.refresh_from_db()
    assert new_tech.status == "project"


def test_api_status_change_passes_after_the_consultation(
    personas: Any, new_tech: Any, consultation: Any
) -> None:
    close(consultation, personas.manager)
    client = token_client(personas, "delegate")
    response = client.post(
        f"/organisations/acme/tools/{new_tech.pk}/status", {"status": "in_service", "reason": "go"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_service"


def _run_import(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_register", "acme", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        return 1, err.getvalue() + str(exc)
    return 0, out.getvalue()


def test_csv_import_of_a_tool_in_service_is_refused(personas: Any, cse: Any, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "name,status,new_technology_for_org\nChatbot,in_service,yes\nOld,in_service,no\n", encoding="utf-8"
    )
    before = Tool.objects.count()
    code, err = _run_import(path)
    assert code == 1
    assert CT2 in err
    assert Tool.objects.count() == before


def test_xlsx_import_of_a_pilot_is_refused_and_a_project_is_not(
    personas: Any, cse: Any, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "status", "new_technology_for_org"])
    sheet.append(["Pilot", "pilot", "yes"])
    workbook.save(tmp_path / "r.xlsx")
    code, err = _run_import(tmp_path / "r.xlsx")
    assert code == 1
    assert CT2 in err
    sheet["B2"] = "project"
    workbook.save(tmp_path / "r.xlsx")
    code, out = _run_import(tmp_path / "r.xlsx")
    assert code == 0, out
    assert personas.org.tools.get(name="Pilot").status == "project"


def test_build_tool_obeys_the_gate(personas: Any, cse: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        registry_services.build_tool(
            personas.org, {"name": "X", "status": "pilot", "new_technology_for_org": "yes"}
        )
    assert caught.value.message_dict == {"status": [CT2]}
