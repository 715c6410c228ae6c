import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from revoyure.assessments import engine, services
from revoyure.assessments.loading import parse_definition
from revoyure.assessments.models import Answer, QuestionnaireDefinition, ResponseStatus, SectionStatus
from revoyure.core.models import AuditEntry
from tests.assessments.helpers import small_definition
from tests.factories import make_tool


@pytest.fixture
def v1(db):
    services.sync_definitions([parse_definition(small_definition(), "small")])
    return QuestionnaireDefinition.objects.get(slug="small", version=1)


@pytest.fixture
def response(personas, v1):
    return services.create_response(personas.org, personas.manager, "small", "Study of the planner")


def test_create_response_uses_the_newest_version_and_one_assignment_per_section(personas, v1, response):
    assert response.definition == v1
    assert response.status == ResponseStatus.DRAFT
    assert {a.section_id: a.department for a in response.assignments.all()} == {
        "first": "prevention",
        "second": "hr",
    }
    assert AuditEntry.objects.filter(
        action="assessments.response_created", object_id=str(response.pk)
    ).exists()


def test_a_response_cannot_be_about_another_organisations_tool(personas, v1):
    tool = make_tool(personas.other_org)
    with pytest.raises(ValidationError, match="another organisation"):
        services.create_response(personas.org, personas.manager, "small", "Study", tool=tool)


def test_answers_are_saved_as_you_go(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "yes"})
    result = services.save_answers(response, personas.delegate, {"ai_kind": ["genai"], "stress": "2"})
    assert set(result.saved) == {"ai_kind", "stress"}
    assert response.answer_map() == {"uses_ai": "yes", "ai_kind": ["genai"], "stress": 2}
    assert Answer.objects.get(response=response, question_id="stress").answered_by == personas.delegate


def test_nothing_is_written_when_one_value_is_wrong(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "no"})
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_answers(
            response, personas.manager, {"staff": 12, "stress": 9, "nope": 1, "uses_ai": "yes"}
        )
    assert set(caught.value.message_dict) == {"stress", "nope"}
    assert response.answer_map() == {"uses_ai": "no"}
    assert AuditEntry.objects.count() == before


def test_an_answer_to_a_hidden_question_is_refused(personas, response):
    with pytest.raises(ValidationError) as caught:
        services.save_answers(response, personas.manager, {"uses_ai": "no", "ai_kind": ["genai"]})
    assert list(caught.value.message_dict) == ["ai_kind"]
    assert response.answer_map() == {}


def test_answers_hidden_by_a_changed_answer_are_cleared(personas, response):
    services.save_answers(
        response, personas.manager, {"uses_ai": "yes", "ai_kind": ["genai"], "genai_detail": "Chat"}
    )
    result = services.save_answers(response, personas.manager, {"uses_ai": "no"})
    assert set(result.cleared) == {"ai_kind", "genai_detail"}
    assert response.answer_map() == {"uses_ai": "no"}
    # the history keeps the cleared value
    assert Answer.history.filter(question_id="genai_detail", history_type="-").get().value == "Chat"


def test_an_empty_value_clears_an_answer(personas, response):
    services.save_answers(response, personas.manager, {"staff": 4})
    assert services.save_answers(response, personas.manager, {"staff": ""}).cleared == ("staff",)
    assert response.answer_map() == {}


def test_submit_lists_the_missing_required_questions(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "ai_kind": ["genai"]})
    with pytest.raises(ValidationError) as caught:
        services.submit_response(response, personas.manager)
    assert list(caught.value.message_dict) == ["genai_detail"]
    response.refresh_from_db()
    assert response.status == ResponseStatus.DRAFT


def test_submit_stores_the_scores_and_freezes_the_response(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "ai_kind": ["scoring"], "stress": 2})
    services.submit_response(response, personas.manager)
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.result["total"] == 7
    assert response.result["level"] == "high"
    with pytest.raises(ValidationError, match="submitted"):
        services.save_answers(response, personas.manager, {"stress": 1})


def test_sections_are_assigned_and_completed(personas, response):
    services.assign_section(
        response,
        personas.admin,
        "first",
        assignee=personas.delegate,
        department="Prévention",
        due_on=dt.date(2026, 1, 31),
    )
    with pytest.raises(ValidationError) as caught:
        services.complete_section(response, personas.delegate, "first")
    assert list(caught.value.message_dict) == ["uses_ai"]
    services.save_answers(response, personas.delegate, {"uses_ai": "no"})
    done = services.complete_section(response, personas.delegate, "first")
    assert (done.status, done.assignee, done.due_on) == (
        SectionStatus.DONE,
        personas.delegate,
        dt.date(2026, 1, 31),
    )
    assert services.reopen_section(response, personas.admin, "first").status == SectionStatus.TODO


def test_a_section_goes_only_to_a_member(personas, response):
    with pytest.raises(ValidationError, match="not a member"):
        services.assign_section(response, personas.admin, "first", assignee=personas.outsider)
    with pytest.raises(ValidationError, match="Unknown section"):
        services.assign_section(response, personas.admin, "third")


def test_a_response_on_v1_still_displays_and_compares_with_a_v2_response(personas, v1, response):
    services.save_answers(
        response, personas.manager, {"uses_ai": "no", "staff": 10, "doc": {"name": "old.pdf"}}
    )
    content = small_definition(version=2)
    questions = content["sections"][1]["questions"]
    questions[:] = [q for q in questions if q["id"] != "doc"]
    questions.append({"id": "budget", "type": "number", "text": {"fr": "Budget", "en": "Budget"}})
    services.sync_definitions([parse_definition(content, "small v2")])
    later = services.create_response(personas.org, personas.manager, "small", "After the update")
    assert later.definition.version == 2
    services.save_answers(later, personas.manager, {"uses_ai": "no", "staff": 12, "budget": 900})

    response.refresh_from_db()
    assert response.definition == v1
    shown = [q.id for q in engine.visible_questions(response.definition.parsed, response.answer_map())]
    assert "doc" in shown
    assert "budget" not in shown

    rows = {r.question_id: r for r in engine.compare(response, later)}
    assert (rows["staff"].before, rows["staff"].after, rows["staff"].changed) == (10, 12, True)
    assert rows["uses_ai"].changed is False
    assert rows["budget"].presence == "added"
    assert rows["doc"].presence == "removed"
