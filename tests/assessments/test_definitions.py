import copy
from pathlib import Path

import pytest
import yaml

from revoyure.assessments import engine
from revoyure.assessments.loading import (
    DefinitionError,
    load_directory,
    parse_definition,
    shipped_definitions,
)
from revoyure.assessments.models import QuestionnaireDefinition
from revoyure.assessments.services import sync_definitions
from tests.assessments.helpers import small_definition, t


def _question(content, qid):
    for section in content["sections"]:
        for q in section["questions"]:
            if q["id"] == qid:
                return q
    raise KeyError(qid)


def test_the_small_definition_is_valid():
    d = parse_definition(small_definition(), "small.yaml")
    assert [q.id for q in d.questions][:3] == ["uses_ai", "ai_kind", "genai_detail"]


def test_a_schema_error_names_the_file_and_question():
    content = small_definition()
    _question(content, "stress")["type"] = "slider"
    with pytest.raises(DefinitionError, match=r"small.yaml, question 'stress': 'slider' is not one of"):
        parse_definition(content, "small.yaml")


def test_a_missing_english_text_is_refused():
    content = small_definition()
    _question(content, "staff")["text"] = {"fr": "Effectif"}
    with pytest.raises(DefinitionError, match=r"question 'staff': 'en' is a required property"):
        parse_definition(content, "small.yaml")


def test_duplicate_question_ids_are_refused():
    content = small_definition()
    _question(content, "staff")["id"] = "stress"
    with pytest.raises(DefinitionError, match=r"question 'stress': the id is used twice"):
        parse_definition(content, "small.yaml")


def test_a_condition_on_a_later_question_is_refused():
    content = small_definition()
    _question(content, "uses_ai")["when"] = "q.staff > 3"
    with pytest.raises(DefinitionError, match=r"question 'uses_ai': condition refers to 'q.staff'"):
        parse_definition(content, "small.yaml")


def test_a_condition_on_an_unknown_choice_is_refused():
    content = small_definition()
    _question(content, "ai_kind")["when"] = 'q.uses_ai == "yse"'
    with pytest.raises(DefinitionError, match=r"q.uses_ai has no choice 'yse'"):
        parse_definition(content, "small.yaml")


def test_a_condition_outside_the_language_is_refused():
    content = small_definition()
    _question(content, "ai_kind")["when"] = "__import__('os')"
    with pytest.raises(DefinitionError, match=r"question 'ai_kind': bad condition"):
        parse_definition(content, "small.yaml")


def test_rule_fact_prefixes_are_not_answers():
    content = small_definition()
    _question(content, "ai_kind")["when"] = "sys.high_risk"
    with pytest.raises(DefinitionError, match=r"unknown name .sys.high_risk.: facts are written q.<name>"):
        parse_definition(content, "small.yaml")


def test_duplicate_choice_values_are_refused():
    content = small_definition()
    _question(content, "uses_ai")["choices"][1]["value"] = "yes"
    with pytest.raises(DefinitionError, match=r"question 'uses_ai': choice value\(s\) 'yes' used twice"):
        parse_definition(content, "small.yaml")


def test_thresholds_must_increase():
    content = small_definition()
    content["levels"][2]["min"] = 6
    with pytest.raises(DefinitionError, match=r"level thresholds must increase: 'critical'"):
        parse_definition(content, "small.yaml")


def test_a_scale_needs_coherent_bounds():
    content = small_definition()
    q = _question(content, "stress")
    q["min"], q["max"] = 4, 4
    with pytest.raises(DefinitionError, match=r"question 'stress': min \(4\) must be below max"):
        parse_definition(content, "small.yaml")


def test_choices_on_a_text_question_are_refused():
    content = small_definition()
    _question(content, "genai_detail")["choices"] = [{"value": "a", "label": t("A")}]
    with pytest.raises(DefinitionError, match=r"question 'genai_detail'"):
        parse_definition(content, "small.yaml")


def test_a_directory_with_a_broken_file_names_it(tmp_path: Path):
    content = small_definition()
    _question(content, "late")["when"] = "q.nowhere"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"broken.yaml, question 'late'"):
        load_directory(tmp_path)


def test_two_files_with_the_same_version_are_refused(tmp_path: Path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(small_definition()), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"b.yaml: small version 1 is also defined in a.yaml"):
        load_directory(tmp_path)


def test_the_shipped_definitions_load():
    slugs = {d.slug for d in shipped_definitions()}
    assert slugs == {"working-conditions-impact", "fria", "surveillance-proportionality"}
    wc = next(d for d in shipped_definitions() if d.slug == "working-conditions-impact")
    assert {s.owner for s in wc.sections} == {"project", "prevention", "hr", "it", "dpo"}
    fria = next(d for d in shipped_definitions() if d.slug == "fria")
    assert [s.title["en"][:3] for s in fria.sections] == ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)"]


def test_the_shipped_working_conditions_study_scores():
    wc = next(d for d in shipped_definitions() if d.slug == "working-conditions-impact")
    answers = {
        "purpose_description": "Planning",
        "change_kind": "new_tool",
        "headcount_reduction_expected": "not_decided",  # 2
        "workload_change": "lasting_increase",  # 4
        "workload_measures": "Extra staff",
        "mental_load": 3,  # 3
        "psychosocial_factors": ["monitoring", "isolation"],  # 3
        "duerp_update": "no",  # 3
        "jobs_affected": "tasks",  # 1
        "overlaps_existing": "yes",  # 2
        "overlap_plan": "Retire the old one",
        "personal_data": "yes",  # 1
        "dpia_status": "in_progress",  # 1
    }
    result = engine.score(wc, answers)
    assert result.sections["prevention"].score == 13
    assert result.sections["prevention"].level.id == "critical"
    assert result.total == 20
    assert result.level.id == "high"
    assert engine.completion(wc, answers).total.complete


@pytest.mark.parametrize(
    ("slug", "answers", "level"),
    [
        ("fria", {"intended_purpose_followed": "yes", "oversight_in_place": "yes"}, "low"),
        (
            "fria",
            {
                "intended_purpose_followed": "no",
                "oversight_in_place": "no",
                "complaint_mechanism": "no",
                "authority_notified": "no",
                "rights_at_risk": ["privacy"],
            },
            "critical",
        ),
        (
            "surveillance-proportionality",
            {"monitoring_kind": ["access"], "purpose_stated": "security", "retention_days": 30},
            "low",
        ),
        (
            "surveillance-proportionality",
            {
                "monitoring_kind": ["screen"],
                "permanent_monitoring": "yes",
                "staff_informed": "no",
                "cse_consulted": "no",
            },
            "critical",
        ),
    ],
)
def test_the_shipped_fria_and_surveillance_check_score(slug, answers, level):
    d = next(d for d in shipped_definitions() if d.slug == slug)
    assert engine.score(d, answers).level.id == level


def test_a_long_retention_asks_for_a_justification():
    d = next(d for d in shipped_definitions() if d.slug == "surveillance-proportionality")
    ids = lambda answers: {q.id for q in engine.visible_questions(d, answers)}  # noqa: E731
    assert "retention_justification" not in ids({"retention_days": 30})
    assert "retention_justification" in ids({"retention_days": 31})


def test_sync_registers_each_version_once(db):
    first = sync_definitions()  # post_migrate already ran in the test database: nothing new
    assert first == []
    assert QuestionnaireDefinition.objects.count() == 3
    v1 = parse_definition(small_definition(), "small")
    assert len(sync_definitions([v1])) == 1
    assert sync_definitions([v1]) == []
    v2 = parse_definition(small_definition(version=2), "small")
    assert [r.version for r in sync_definitions([v2])] == [2]
    assert QuestionnaireDefinition.objects.filter(slug="small").count() == 2


def test_a_changed_file_with_the_same_version_is_an_error(db):
    sync_definitions([parse_definition(small_definition(), "small")])
    changed = copy.deepcopy(small_definition())
    changed["title"] = t("Renamed")
    with pytest.raises(DefinitionError, match=r"small version 1 changed since it was registered"):
        sync_definitions([parse_definition(changed, "small")])


def test_the_sync_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sync_questionnaires", stdout=out)
    assert "up to date" in out.getvalue()
    assert QuestionnaireDefinition.objects.filter(slug="fria", version=1).get().parsed.slug == "fria"


def test_expression_prefixes_are_configurable():
    from revoyure.core.expressions import ExpressionError, compile_expression

    assert compile_expression('q.a == "x"', prefixes={"q"}).ev({"q.a": "x"}) is True
    with pytest.raises(ExpressionError, match=r"q.<name>"):
        compile_expression("org.headcount > 3", prefixes={"q"})
    assert compile_expression("org.headcount > 3").names == {"org.headcount"}
