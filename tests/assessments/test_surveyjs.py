import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from revoyure.assessments import engine
from revoyure.assessments.loading import parse_definition
from revoyure.assessments.surveyjs import import_surveyjs

LARGE = Path(__file__).parent / "data" / "surveyjs_large.json"


@pytest.fixture(scope="module")
def large():
    definition, problems = import_surveyjs(json.loads(LARGE.read_text(encoding="utf-8")), "large", 3)
    return parse_definition(definition, "large"), problems


def test_the_large_survey_imports_every_supported_question(large):
    d, _ = large
    assert len(d.questions) == 122  # 6 pages × (1 + 15 + 4 in a panel) + 2 questions with problems
    assert len(d.sections) == 6
    assert d.version == 3
    assert d.title == {
        "fr": "Enquête numérique et conditions de travail",
        "en": "Digital tools and working conditions survey",
    }
    q = d.by_id["p2_q0"]
    assert q.text == {"fr": "Question 2.0 (competences)", "en": "Question 2.0 (competences)"}
    assert q.required
    assert [c.label["fr"] for c in q.choices] == ["Aucun", "Un peu", "Beaucoup"]
    assert {d.by_id[f"p0_q{i}"].type for i in range(6)} == {
        "single_choice",
        "multiple_choice",
        "scale",
        "number",
        "date",
        "text",
    }
    assert d.by_id["p0_gate"].choice_values == {"yes", "no"}
    assert d.by_id["p0_q2"].labels[0] == (1, {"fr": "Faible", "en": "Low"})
    assert (d.by_id["p0_q3"].min, d.by_id["p0_q3"].max) == (0, 100)


def test_unsupported_constructs_are_reported_by_name(large):
    _, problems = large
    reported = {(p.name, p.construct) for p in problems}
    assert reported == {
        ("calculatedValues", "calculatedValues"),
        ("triggers", "triggers"),
        ("satisfaction_matrix", "matrix"),
        ("intro_html", "html"),
        ("tools_table", "matrixdynamic"),
        ("total_expr", "expression"),
        ("signature", "signaturepad"),
        ("priorities", "ranking"),
        ("email_contact", "validators"),
        ("complex_cond", "visibleIf"),
    }
    assert next(p for p in problems if p.name == "tools_table").path == "pages[2].elements[17]"


def test_conditions_are_translated(large):
    d, _ = large
    assert d.by_id["p1_q1"].when.source == 'q.p1_q0 == "c"'
    assert d.by_id["p1_q3"].when.source == '(q.p1_q2 >= 3 or q.p1_gate == "yes")'
    assert d.by_id["p1_q4"].when.source == "known(q.p1_q3)"
    assert d.by_id["p1_q5"].when.source == '(("y" in q.p1_q1) and not is_true(q.p1_q0 == "a"))'
    assert d.by_id["p1_d2"].when.source == 'q.p1_gate == "yes"'  # the panel's condition


def test_translated_conditions_evaluate_like_surveyjs(large):
    d, _ = large

    def shown(answers):
        return {q.id for q in engine.visible_questions(d, answers)}

    assert "p4_q1" not in shown({"p4_q0": "b"})
    assert "p4_q1" in shown({"p4_q0": "c"})
    assert "p4_q3" in shown({"p4_q2": 3})
    assert "p4_q3" not in shown({"p4_q2": 2, "p4_gate": "no"})
    assert "p4_q3" in shown({"p4_q2": 2, "p4_gate": "yes"})
    assert "p4_q4" in shown({"p4_q2": 2, "p4_gate": "yes", "p4_q3": 7})
    assert "p4_q4" not in shown({"p4_q2": 2, "p4_gate": "yes"})
    # contains 'y' and <> 'a': "not equal" holds for an empty answer, as in SurveyJS
    assert "p4_q5" in shown({"p4_q0": "c", "p4_q1": ["y"]})
    assert "p4_q5" not in shown({"p4_q0": "c", "p4_q1": ["x"]})
    assert not {"p4_d0", "p4_d3"} & shown({"p4_gate": "no"})
    assert {"p4_d0", "p4_d3"} <= shown({"p4_gate": "yes"})
    assert "complex_cond" in shown({})  # untranslated: shown always, and reported


def test_plain_strings_and_single_page_surveys_import():
    definition, problems = import_surveyjs(
        {
            "elements": [
                {"type": "text", "name": "Nom complet", "title": "Votre nom"},
                {
                    "type": "rating",
                    "name": "r",
                    "rateValues": [{"value": 1, "text": {"en": "Bad", "fr": "Mauvais"}}, 2, 3],
                },
            ]
        }
    )
    d = parse_definition(definition, "x")
    assert problems == []
    assert [q.id for q in d.questions] == ["nom_complet", "r"]
    assert d.questions[0].text == {"fr": "Votre nom", "en": "Votre nom"}
    assert (d.by_id["r"].min, d.by_id["r"].max, d.by_id["r"].labels) == (
        1,
        3,
        ((1, {"fr": "Mauvais", "en": "Bad"}),),
    )


def test_a_condition_on_a_later_question_is_reported():
    _, problems = import_surveyjs(
        {
            "pages": [
                {
                    "elements": [
                        {"type": "text", "name": "a", "visibleIf": "{b} = 1"},
                        {"type": "text", "name": "b"},
                    ]
                }
            ]
        }
    )
    assert [(p.name, p.construct) for p in problems] == [("a", "visibleIf")]
    assert "not an earlier question" in problems[0].message


def test_anyof_and_unknown_choice_values():
    definition, problems = import_surveyjs(
        {
            "pages": [
                {
                    "elements": [
                        {"type": "dropdown", "name": "c", "choices": [1, 2, 3]},
                        {"type": "text", "name": "d", "visibleIf": "{c} anyof [1, 3]"},
                        {"type": "text", "name": "e", "visibleIf": "{c} = 9"},
                    ]
                }
            ]
        }
    )
    d = parse_definition(definition, "x")
    assert d.by_id["d"].when.source == 'q.c in {"1", "3"}'
    assert [(p.name, p.construct) for p in problems] == [("e", "visibleIf")]


def test_the_command_writes_a_valid_definition_file(tmp_path):
    out = tmp_path / "large.yaml"
    call_command("import_surveyjs", str(LARGE), "--id", "large-survey", "--version", "2", "-o", str(out))
    content = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert parse_definition(content, "large.yaml").version == 2


def test_the_command_fails_in_strict_mode(tmp_path):
    out = tmp_path / "large.yaml"
    with pytest.raises(CommandError, match="10 unsupported construct"):
        call_command("import_surveyjs", str(LARGE), "--id", "large-survey", "--strict", "-o", str(out))
    assert not out.exists()


def test_the_command_reports_unreadable_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.json"):
        call_command("import_surveyjs", str(bad), "--id", "x")
