"""Re-evaluation through the services: stored obligations follow the facts, statuses survive, answers
are written where they belong, and organisation changes go through the task worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from revoyure.core.models import AuditEntry
from revoyure.organisations import services as organisation_services
from revoyure.qualification import services
from revoyure.qualification.models import (
    NoticeKind,
    Obligation,
    ObligationNotice,
    ObligationState,
    ObligationStatus,
    ToolQualification,
)
from revoyure.qualification.tasks import reevaluate_organisation_task
from revoyure.registry import services as registry_services

EMOTION_FACTS = {
    "is_ai_system": "yes",
    "infers_emotions": "yes",
    "biometric_data": "yes",
    "used_at_workplace": "yes",
}


def _prohibited(tool: Any, actor: Any) -> Any:
    tool = registry_services.update_tool(tool, actor, EMOTION_FACTS, "Vendor documentation read")
    services.record_answers(tool, actor, {"sys.purpose_medical_or_safety": False})
    return tool


def _obligation(tool: Any, rule_id: str) -> Obligation:
    return Obligation.objects.get(tool=tool, rule_id=rule_id)


def test_every_new_tool_is_evaluated(personas: Any, tool: Any) -> None:
    qualification = ToolQualification.objects.get(tool=tool)
    assert qualification.evaluated_at is not None
    assert qualification.classification["ai_system"] == "unclear"  # nothing known yet: never a guess


def test_editing_a_tool_reevaluates_its_obligations(personas: Any, tool: Any) -> None:
    tool = _prohibited(tool, personas.delegate)
    assert _obligation(tool, "PRO-1").state == ObligationState.APPLIES

    registry_services.update_tool(tool, personas.delegate, {"biometric_data": "no"}, "Vendor confirmed")

    # The row is kept (its history and status are never lost), marked as no longer applying.
    assert _obligation(tool, "PRO-1").state == ObligationState.LAPSED


def test_an_unknown_fact_leaves_the_rule_to_clarify_with_the_missing_fact(personas: Any, tool: Any) -> None:
    tool = registry_services.update_tool(
        tool, personas.delegate, {**EMOTION_FACTS, "biometric_data": "unknown"}, "Partial information"
    )
    services.record_answers(tool, personas.delegate, {"sys.purpose_medical_or_safety": False})

    row = _obligation(tool, "PRO-1")
    assert row.state == ObligationState.TO_CLARIFY
    assert row.missing == ["sys.uses_biometric_data"]


def test_a_status_survives_when_the_rule_lapses_and_returns(personas: Any, tool: Any) -> None:
    tool = _prohibited(tool, personas.delegate)
    row = _obligation(tool, "PRO-1")
    services.set_obligation_status(row, personas.delegate, ObligationStatus.NOT_APPLICABLE, reason="Lab only")
    registry_services.update_tool(tool, personas.delegate, {"biometric_data": "no"}, "Vendor confirmed")
    registry_services.update_tool(tool, personas.delegate, {"biometric_data": "yes"}, "Vendor corrected")

    row.refresh_from_db()
    assert (row.state, row.status, row.status_reason) == (
        ObligationState.APPLIES,
        ObligationStatus.NOT_APPLICABLE,
        "Lab only",
    )


def test_answers_go_to_the_register_record_or_to_the_stored_facts(personas: Any, tool: Any) -> None:
    services.record_answers(
        tool,
        personas.delegate,
        {"sys.infers_emotions": True, "sys.interacts_with_persons": None, "sys.first_use_date": "2025-03-01"},
    )

    tool.refresh_from_db()
    assert tool.infers_emotions == "yes"
    assert tool.history.first().history_change_reason == "Qualification questionnaire"
    answers = ToolQualification.objects.get(tool=tool).answers
    # "I don't know" is an answer, kept apart from "not asked".
    assert answers == {
        "sys.infers_emotions": True,
        "sys.interacts_with_persons": None,
        "sys.first_use_date": "2025-03-01",
    }
    assert AuditEntry.objects.filter(action="qualification.answered", object_id=str(tool.pk)).exists()


@pytest.mark.parametrize(
    "answers",
    [
        {"sys.infers_emotions": "perhaps"},
        {"sys.first_use_date": "31/12/2025"},
        {"org.headcount": 12},
        {"sys.no_such_fact": True},
        {"sys.edpb_criteria_count": -1},
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(personas: Any, tool: Any, answers: dict) -> None:
    before = ToolQualification.objects.get(tool=tool).answers
    with pytest.raises(ValidationError) as exc:
        services.record_answers(tool, personas.delegate, answers)
    assert set(exc.value.message_dict) == set(answers)
    assert ToolQualification.objects.get(tool=tool).answers == before


def test_marking_done_needs_evidence_and_not_applicable_a_reason(personas: Any, tool: Any) -> None:
    row = _obligation(_prohibited(tool, personas.delegate), "PRO-1")
    with pytest.raises(ValidationError) as exc:
        services.set_obligation_status(row, personas.delegate, ObligationStatus.DONE)
    assert "evidence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.set_obligation_status(row, personas.delegate, ObligationStatus.NOT_APPLICABLE)
    assert "status_reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.set_obligation_status(row, personas.delegate, "finished", evidence="x")

    services.set_obligation_status(row, personas.delegate, ObligationStatus.DONE, evidence="Project stopped")

    row.refresh_from_db()
    assert (row.status, row.evidence, row.status_changed_by) == ("done", "Project stopped", personas.delegate)
    assert row.history.first().history_user == personas.delegate
    assert AuditEntry.objects.filter(action="obligation.status_changed").count() == 1


def test_a_new_obligation_owes_one_notice(personas: Any, tool: Any) -> None:
    tool = _prohibited(tool, personas.delegate)
    row = _obligation(tool, "PRO-1")
    services.reevaluate_tool(tool)
    services.reevaluate_organisation(personas.org)

    assert ObligationNotice.objects.filter(obligation=row, kind=NoticeKind.APPEARED).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_notices").exists()


def test_reevaluating_an_organisation_twice_changes_nothing(personas: Any, tool: Any) -> None:
    _prohibited(tool, personas.delegate)
    services.reevaluate_organisation(personas.org)
    first = {(o.tool_id, o.rule_id, o.state, o.due_on) for o in Obligation.objects.all()}
    notices = ObligationNotice.objects.count()

    assert services.reevaluate_organisation(personas.org) == 1
    assert {(o.tool_id, o.rule_id, o.state, o.due_on) for o in Obligation.objects.all()} == first
    assert ObligationNotice.objects.count() == notices


def test_an_organisation_change_is_reevaluated_by_the_task_worker(personas: Any, tool: Any) -> None:
    organisation_services.update_organisation(
        personas.org, personas.admin, {"headcount": 30, "reached_50_for_12_months": False}, "New headcount"
    )

    queued = DBTaskResult.objects.filter(task_path__endswith="reevaluate_organisation_task")
    assert queued.count() == 1
    assert queued.get().args_kwargs["args"] == [personas.org.pk]
    assert reevaluate_organisation_task.call(personas.org.pk) == 1
    assert reevaluate_organisation_task.call(999_999) == 0  # an organisation deleted meanwhile


def test_staff_bodies_and_agreements_trigger_a_reevaluation(personas: Any) -> None:
    organisation_services.create_staff_body(personas.org, personas.admin, kind="cse", name="CSE")
    organisation_services.create_agreement(personas.org, personas.admin, title="Accord IA", kind="collective")
    assert DBTaskResult.objects.filter(task_path__endswith="reevaluate_organisation_task").count() == 2


@pytest.mark.parametrize(
    ("fact", "column"), [("sys.decision_role", "decision_role"), ("sys.role", "organisation_role")]
)
def test_i_dont_know_is_an_answer_even_where_the_record_has_no_such_value(
    personas: Any, tool: Any, fact: str, column: str
) -> None:
    services.record_answers(tool, personas.delegate, {fact: None})

    assert services.evaluate_tool(tool).facts[fact] is None
    tool.refresh_from_db()
    default = getattr(tool, column)
    # A later deliberate edit of the record wins over the earlier "I don't know".
    new_value = "advisory" if column == "decision_role" else "provider_in_house"
    tool = registry_services.update_tool(tool, personas.delegate, {column: new_value}, "Vendor answered")
    assert services.evaluate_tool(tool).facts[fact] == new_value != default


def test_i_dont_know_the_dpia_status_is_written_as_unknown(personas: Any, tool: Any) -> None:
    services.record_answers(tool, personas.delegate, {"sys.dpia_status": "done"})
    services.record_answers(tool, personas.delegate, {"sys.dpia_status": None})
    tool.refresh_from_db()
    assert tool.dpia_status == "unknown"
