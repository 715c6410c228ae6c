"""The impact-study workflow: create, assign, review, send back, sign off feeding the register and facts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from revoyure.assessments import services as a
from revoyure.assessments.models import ResponseStatus
from revoyure.core.models import AuditEntry
from revoyure.qualification.models import ToolQualification
from revoyure.registry import services as registry_services
from revoyure.studies import services
from revoyure.studies.models import DuerpUpdate, ImpactStudy, StudyStatus
from tests.studies.conftest import FULL_ANSWERS, fill_and_complete, new_study


def test_create_study_with_companions(personas, tool):
    study = new_study(personas, tool, with_fria=True, with_surveillance=True)
    assert study.status == StudyStatus.IN_PROGRESS
    assert study.response.definition.slug == "working-conditions-impact"
    assert study.fria_response.definition.slug == "fria"
    assert study.surveillance_response.definition.slug == "surveillance-proportionality"
    keys = [p.key for p in services.parts(study)]
    assert keys[:5] == ["purpose", "prevention", "hr", "it", "dpo"]
    assert "fria.risks" in keys and "surveillance.retention" in keys
    assert AuditEntry.objects.filter(action="studies.study_created").count() == 1
    assert study.history.count() == 1


@pytest.mark.parametrize("values", [{"kind": "nope", "title": "x"}, {"kind": "new_tool", "title": "  "}])
def test_create_study_refuses_bad_input(personas, tool, values):
    with pytest.raises(ValidationError):
        services.create_study(tool, personas.manager, **values)
    assert ImpactStudy.objects.count() == 0


def test_assign_part_to_department_person_and_due_date(
    personas, study, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assign_part(
            study,
            personas.manager,
            "prevention",
            assignee=personas.delegate,
            department="Prevention",
            due_on=dt.date(2026, 12, 1),
        )
    assert (assignment.department, assignment.assignee, assignment.due_on) == (
        "Prevention",
        personas.delegate,
        dt.date(2026, 12, 1),
    )
    assert [m["To"] for m in smtp_server.messages] == [personas.delegate.email]
    with pytest.raises(ValidationError):
        services.assign_part(study, personas.manager, "nope", department="X")
    with pytest.raises(ValidationError):
        services.assign_part(study, personas.manager, "hr", assignee=personas.outsider)


def test_review_needs_every_part_done_then_send_back_and_sign_off(personas, study):
    with pytest.raises(ValidationError, match="not done"):
        services.request_review(study, personas.manager)
    fill_and_complete(study, personas.manager)
    study = services.request_review(study, personas.manager, personas.admin)
    assert (study.status, study.reviewer) == (StudyStatus.IN_REVIEW, personas.admin)
    study = services.send_back(study, personas.admin, "hr", "Say how many posts")
    assert study.status == StudyStatus.IN_PROGRESS
    assert "Say how many posts" in study.review_comments
    assert study.response.assignments.get(section_id="hr").status == "todo"
    with pytest.raises(ValidationError):
        services.sign_off(study, personas.admin)  # not in review
    a.complete_section(study.response, personas.manager, "hr")
    services.request_review(study, personas.manager, personas.admin)
    with pytest.raises(ValidationError):
        services.send_back(study, personas.admin, "hr", "   ")  # a comment is required


def test_sign_off_feeds_register_and_facts(personas, study, tool):
    registry_services.update_tool(
        tool, personas.delegate, {"other_trust_measures": "Existing charter"}, "prep"
    )
    services.assign_part(study, personas.manager, "prevention", assignee=personas.delegate, department="Prev")
    fill_and_complete(study, personas.manager)
    services.request_review(study, personas.manager)
    study = services.sign_off(ImpactStudy.objects.get(pk=study.pk), personas.admin, "Good work")
    tool.refresh_from_db()
    assert study.status == StudyStatus.SIGNED_OFF and study.signed_off_by == personas.admin
    assert study.response.status == ResponseStatus.SUBMITTED
    # prevention: 4 (lasting) + 3 (mental load) + 1 (some) = 8 -> "high" -> 3
    assert tool.risk_health == 3
    assert tool.risk_safety == 2
    assert tool.risk_fundamental_rights is None  # no FRIA: not decided, not written
    assert "Two more people during deployment" in tool.rights_social_measures
    assert tool.other_trust_measures.startswith("Existing charter")  # added to, never replaced
    assert tool.major_change_working_conditions == "yes"
    assert tool.personal_data == "yes"
    assert tool.dpia_status == "in_progress"
    assert tool.can_monitor_activity == "unknown"  # no surveillance check: left alone
    answers = ToolQualification.objects.get(tool=tool).answers
    assert answers.get("sys.reorganises_services") is True
    assert "sys.cnil_constant_monitoring" not in answers
    assert study.changes_working_conditions is True
    assert study.results["register"]["risk_health"] == 3
    assert tool.history.first().history_change_reason.startswith("Impact study")
    update = DuerpUpdate.objects.get(study=study)
    assert update.owner == personas.delegate and update.done_on is None


def test_sign_off_never_overwrites_known_with_unknown(personas, study, tool):
    registry_services.update_tool(tool, personas.delegate, {"risk_safety": 4, "personal_data": "yes"}, "prep")
    answers = {k: dict(v) for k, v in FULL_ANSWERS.items()}
    answers["prevention"].pop("physical_health")  # not answered: risk_safety stays as it was
    answers["prevention"].update(workload_change="unchanged", mental_load=0)
    answers["prevention"].pop("workload_measures")
    answers["prevention"].pop("duerp_update")
    answers["hr"] = {"jobs_affected": "no"}
    fill_and_complete(study, personas.manager, answers)
    services.request_review(study, personas.manager)
    study = services.sign_off(study, personas.admin)
    tool.refresh_from_db()
    assert tool.risk_safety == 4
    assert tool.risk_health == 1
    # physical_health unknown: changes_working_conditions cannot be said false
    assert study.changes_working_conditions is None
    assert not DuerpUpdate.objects.exists()


def test_feeds_file_is_validated():
    from revoyure.studies.feeds import FeedError, feeds, parse_feeds

    assert "sys.major_change_working_conditions" in feeds().facts
    for broken in (
        {"version": 1, "register": {"risk_health": [{"value": 9, "when": 'level.prevention == "low"'}]}},
        {"version": 1, "register": {"risk_health": [{"value": 1, "when": "study.no_such_question"}]}},
        {"version": 1, "facts": {"sys.no_such_fact": [{"value": True, "when": "study.mental_load > 1"}]}},
        {"version": 1, "facts": {"sys.personal_data": [{"value": "maybe", "when": "study.mental_load > 1"}]}},
        {"version": 1, "texts": {"name": [{"answer": "study.gpec_impact"}]}},
        {"version": 1, "register": {"risk_health": [{"value": 1, "when": "import os"}]}},
        {"version": 2},
    ):
        with pytest.raises(FeedError):
            parse_feeds(broken, "test.yaml")
