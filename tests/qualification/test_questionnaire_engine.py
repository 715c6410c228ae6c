"""The qualification questionnaire is a definition of the questionnaire engine (issue 4 §1): loaded and
validated by `assessments.loading`, registered as a `QuestionnaireDefinition`, its conditions evaluated by
`assessments.engine` with the same outcome as before, its values checked by `engine.clean_value`."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from revoyure.assessments import engine
from revoyure.assessments.loading import Definition, parse_definition, read_definition_file
from revoyure.assessments.models import QuestionnaireDefinition
from revoyure.assessments.services import sync_definitions
from revoyure.qualification import questionnaire
from revoyure.qualification.facts import BOOL, DATE, ENUM, FACTS, INT, SET, STORED_FACTS, parse_value
from revoyure.qualification.models import ToolQualification
from revoyure.registry.models import Tool


def test_it_is_an_engine_definition_loaded_by_the_engine_loader() -> None:
    d = questionnaire.DEFINITION
    assert isinstance(d, Definition)
    assert (d.slug, d.version, d.context, d.show_when_unknown) == ("qualification", 1, "facts", True)
    again = read_definition_file(questionnaire.QUESTIONNAIRE_FILE, known_names=questionnaire.known_names())
    assert again.sha256 == d.sha256
    # The stored content parses again without the fact names (as a registered row does).
    assert [q.id for q in parse_definition(d.content, "stored").questions] == [q.id for q in d.questions]
    assert [q.id for q in questionnaire.QUESTIONS] == [q.id for q in d.questions]
    assert all(q.item is d.by_id[q.id] for q in questionnaire.QUESTIONS)
    assert len(d.sections) > 1 and all(s.questions for s in d.sections)


def test_question_ids_in_addresses_did_not_change() -> None:
    ids = [q.id for q in questionnaire.QUESTIONS]
    assert len(ids) == 52
    assert ids[:3] == ["infers-outputs", "role", "annex3-point"]
    assert {"art6-3-exemption", "first-use-date", "edpb-criteria", "affected-public"} <= set(ids)


def test_types_and_choices_follow_the_facts() -> None:
    expected = {
        BOOL: "single_choice",
        ENUM: "single_choice",
        SET: "multiple_choice",
        INT: "number",
        DATE: "date",
    }
    for q in questionnaire.QUESTIONS:
        assert q.item.fact == q.fact.name
        assert q.item.type == expected[q.fact.type], q.id
        values = [c.value for c in q.item.choices]
        assert values == (["yes", "no"] if q.fact.type == BOOL else list(q.fact.values)), q.id
        assert all(c.label["fr"] and c.label["en"] for c in q.item.choices)
    assert set(STORED_FACTS) <= set(questionnaire.DEFINITION.by_fact)


def _reference(facts: dict[str, Any]) -> list[str]:
    # The rule of issue 3: a question is skipped only when its condition is false on the facts.
    return [q.id for q in questionnaire.QUESTIONS if q.when is None or q.when.ev(facts) is not False]


def test_conditions_skip_only_when_false_as_before() -> None:
    names = sorted(set().union(*(q.when.names for q in questionnaire.QUESTIONS if q.when)))
    assert "sys.is_ai_system" in names and "org.has_cse" in names  # derived and organisation facts

    def value(name: str, rnd: random.Random) -> Any:
        fact = FACTS.get(name)
        if fact is None or fact.type == BOOL:
            return rnd.choice([True, False, None])
        if fact.type == ENUM:
            return rnd.choice([*fact.values, None])
        return rnd.choice([None, dt.date(2026, 1, 1)])

    rnd = random.Random(4)
    for _ in range(500):
        facts = {n: value(n, rnd) for n in names}
        relevant = [q.id for q in questionnaire.relevant(facts)]
        assert relevant == _reference(facts)
        assert relevant == [q.id for q in engine.visible_questions(questionnaire.DEFINITION, {}, facts=facts)]
        # Conditions are yes/no/unknown, so "shown when true or unknown" is "skipped only when false".
        assert {type(q.when.ev(facts)) for q in questionnaire.QUESTIONS if q.when} <= {bool, type(None)}
    unknown = [q.id for q in questionnaire.relevant({})]
    assert "annex3-point" in unknown  # nothing known: asked, never guessed
    assert "expert-appointed" not in unknown  # `known(sys.consultation_info_date)` is false
    assert [q.id for q in engine.visible_questions(questionnaire.DEFINITION, {})] == unknown


def q(question_id: str) -> questionnaire.Question:
    found = questionnaire.question(question_id)
    assert found is not None
    return found


def test_the_engine_checks_the_values() -> None:
    assert questionnaire.clean_answer(q("infers-outputs"), True) is True
    assert questionnaire.clean_answer(q("infers-outputs"), False) is False
    assert questionnaire.clean_answer(q("infers-outputs"), None) is None
    assert questionnaire.clean_answer(q("annex3-point"), "4a") == "4a"
    assert questionnaire.clean_answer(q("affected-public"), ["employees", "candidates"]) == [
        "employees",
        "candidates",
    ]
    assert questionnaire.clean_answer(q("edpb-criteria"), 3) == 3
    assert questionnaire.clean_answer(q("first-use-date"), "2026-05-04") == "2026-05-04"
    assert questionnaire.clean_answer(q("first-use-date"), dt.date(2026, 5, 4)) == "2026-05-04"
    for qid, bad in [
        ("infers-outputs", "perhaps"),
        ("infers-outputs", 1),
        ("annex3-point", "9z"),
        ("affected-public", ["aliens"]),
        ("edpb-criteria", -1),
        ("edpb-criteria", 2.5),
        ("first-use-date", "31/02/2026"),
    ]:
        with pytest.raises(ValidationError):
            questionnaire.clean_answer(q(qid), bad)


def test_every_checked_value_is_a_valid_fact_value() -> None:
    for q in questionnaire.QUESTIONS:
        samples: list[Any] = {
            BOOL: [True, False],
            ENUM: list(q.fact.values),
            SET: [[], list(q.fact.values)],
            INT: [0, 9],
            DATE: ["2026-01-31"],
        }[q.fact.type]
        for sample in samples:
            parse_value(q.fact, questionnaire.clean_answer(q, sample))  # raises if the two disagree


# Registration ---------------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_it_is_registered_with_the_other_questionnaires() -> None:
    row = QuestionnaireDefinition.objects.get(slug="qualification")  # by post_migrate
    assert (row.version, row.sha256) == (1, questionnaire.DEFINITION.sha256)
    assert row.title_in("en") == "Tool qualification questionnaire"
    assert row.parsed.context == "facts"
    assert [q.id for q in row.parsed.questions] == [q.id for q in questionnaire.QUESTIONS]
    assert {"fria", "working-conditions-impact"} <= set(
        QuestionnaireDefinition.objects.values_list("slug", flat=True)
    )
    assert sync_definitions([questionnaire.DEFINITION]) == []  # idempotent


def test_the_view_refuses_what_the_engine_refuses(
    personas: Any, tool: Tool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(question: Any, value: Any) -> Any:
        raise ValidationError("refused by the engine")

    before = (
        list(ToolQualification.objects.filter(tool=tool).values_list("answers", flat=True)),
        Tool.history.count(),
    )
    monkeypatch.setattr(questionnaire, "clean_answer", refuse)
    url = reverse("qualification:question", kwargs={"org": "acme", "pk": tool.pk})
    response = personas.client("delegate").post(url, {"question": "infers-outputs", "answer": "yes"})
    assert response.status_code == 400
    assert "refused by the engine" in response.content.decode()
    after = (
        list(ToolQualification.objects.filter(tool=tool).values_list("answers", flat=True)),
        Tool.history.count(),
    )
    assert after == before  # nothing written


def test_the_sync_command_registers_the_qualification_questionnaire(db):
    from django.core.management import call_command

    QuestionnaireDefinition.objects.filter(slug="qualification").delete()
    call_command("sync_questionnaires", stdout=io.StringIO())
    assert QuestionnaireDefinition.objects.filter(slug="qualification", version=1).exists()
