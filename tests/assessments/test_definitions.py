import copy
import re
from pathlib import Path

import pytest
import yaml

from revoyure.assessments import engine
from revoyure.assessments.loading import (
    DefinitionError,
    load_directory,
    parse_definition,
    read_definition_file,
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
    assert {"working-conditions-impact", "fria", "surveillance-proportionality"} <= slugs
    assert all(d.context == "answers" for d in shipped_definitions())
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
    # The shipped files, and the qualification questionnaire that its own app registers.
    assert QuestionnaireDefinition.objects.count() == len(shipped_definitions()) + 1
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


# Definitions over facts (`context: facts`, the qualification questionnaire) -----------------------------

KNOWN = {"sys.uses_ai", "sys.kind", "sys.high_risk", "org.has_cse"}


def facts_definition() -> dict:
    yes_no = [{"value": "yes", "label": t("Yes")}, {"value": "no", "label": t("No")}]
    return {
        "id": "facts",
        "version": 1,
        "title": t("Facts"),
        "context": "facts",
        "show_when_unknown": True,
        "sections": [
            {
                "id": "only",
                "owner": "any",
                "title": t("Only"),
                "questions": [
                    {
                        "id": "uses-ai",
                        "fact": "sys.uses_ai",
                        "type": "single_choice",
                        "choices": yes_no,
                        "text": t("AI?"),
                        "ask_vendor": t("Does it use AI?"),
                    },
                    {
                        "id": "kind",
                        "fact": "sys.kind",
                        "type": "text",
                        "text": t("Kind?"),
                        "when": "sys.high_risk or org.has_cse",
                    },
                ],
            }
        ],
    }


def test_a_facts_definition_reads_facts_and_keeps_fact_and_vendor_question():
    d = parse_definition(facts_definition(), "facts.yaml", known_names=KNOWN)
    assert d.context == "facts"
    assert [q.id for q in d.questions] == ["uses-ai", "kind"]  # hyphens allowed: conditions never name them
    assert d.by_fact["sys.uses_ai"].ask_vendor == t("Does it use AI?")
    assert d.by_id["kind"].when.names == {"sys.high_risk", "org.has_cse"}
    # Without the names (a stored row), only their form is checked.
    assert parse_definition(facts_definition(), "stored").by_id["kind"].fact == "sys.kind"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c["sections"][0]["questions"][1].update(when="sys.nothing"),
            "unknown fact(s) sys.nothing",
        ),
        (lambda c: c["sections"][0]["questions"][1].update(when="q.uses_ai"), "bad condition"),
        (lambda c: c["sections"][0]["questions"][1].update(fact="sys.other"), "unknown fact 'sys.other'"),
        (lambda c: c["sections"][0]["questions"][1].update(fact="q.kind"), "unknown fact 'q.kind'"),
        (
            lambda c: c["sections"][0]["questions"][1].update(fact="sys.uses_ai"),
            "also filled by question 'uses-ai'",
        ),
        (lambda c: c["sections"][0]["questions"][1].pop("fact"), "needs the `fact` it fills"),
        (lambda c: c["sections"][0]["questions"][1].update(fact="Sys.kind"), "does not match"),
        (lambda c: c.update(context="elsewhere"), "'elsewhere' is not one of"),
    ],
)
def test_a_broken_facts_definition_is_refused(change, message):
    content = facts_definition()
    change(content)
    with pytest.raises(DefinitionError, match=re.escape(message)):
        parse_definition(content, "facts.yaml", known_names=KNOWN)


def test_answer_definitions_keep_identifier_ids_and_no_facts():
    content = small_definition()
    _question(content, "staff")["id"] = "staff-count"
    with pytest.raises(DefinitionError, match=r"question 'staff-count': the id may only hold"):
        parse_definition(content, "small.yaml")
    content = small_definition()
    _question(content, "staff")["fact"] = "sys.staff"
    with pytest.raises(DefinitionError, match=r"`fact` is only for a definition with `context: facts`"):
        parse_definition(content, "small.yaml")
    content = small_definition()
    _question(content, "staff")["ask_vendor"] = t("How many?")
    assert parse_definition(content, "small.yaml").by_id["staff"].ask_vendor == t("How many?")


def test_a_facts_definition_file_is_read_with_its_names(tmp_path: Path):
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(facts_definition()), encoding="utf-8")
    assert read_definition_file(path, known_names=KNOWN).slug == "facts"
    with pytest.raises(DefinitionError, match=r"facts.yaml, question 'uses-ai': unknown fact 'sys.uses_ai'"):
        read_definition_file(path, known_names={"sys.kind"})
