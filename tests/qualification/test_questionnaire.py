"""The guided questionnaire: the data file, the flow one question at a time, "I don't know", skipping."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.urls import reverse

from revoyure.qualification import questionnaire
from revoyure.qualification.facts import STORED_FACTS
from revoyure.qualification.models import Obligation, ObligationState, ToolQualification
from revoyure.qualification.questionnaire import QuestionnaireError, load_questionnaire
from revoyure.registry.models import Tool


def url(tool: Any, query: str = "") -> str:
    base = reverse("qualification:question", kwargs={"org": "acme", "pk": tool.pk})
    return f"{base}?{query}" if query else base


def answers_of(tool: Any) -> dict[str, Any]:
    row = ToolQualification.objects.filter(tool=tool).first()
    return dict(row.answers) if row else {}


# The data file ------------------------------------------------------------------------------------------


def test_every_stored_fact_has_a_question_with_texts_and_source() -> None:
    facts = {q.fact.name for q in questionnaire.QUESTIONS}
    assert set(STORED_FACTS) <= facts
    for q in questionnaire.QUESTIONS:
        for field in ("text", "help", "ask_vendor"):
            assert q.in_language(field, "fr") and q.in_language(field, "en")
        assert q.url.startswith("https://") and q.article


def _content() -> dict[str, Any]:
    return yaml.safe_load(questionnaire.QUESTIONNAIRE_FILE.read_text(encoding="utf-8"))


def _first(content: dict[str, Any]) -> dict[str, Any]:
    return content["sections"][0]["questions"][0]  # infers-outputs, a stored yes/no fact


def _write(tmp_path: Path, content: dict[str, Any]) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(content: dict[str, Any]) -> None:
        _first(content)[key] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda content: _first(content).pop(key)


def _second_question_for(fact: str) -> Callable[[dict[str, Any]], None]:
    return lambda content: content["sections"][0]["questions"][1].update(fact=fact)


def _enum_choices(content: dict[str, Any]) -> None:
    content["sections"][0]["questions"][1]["choices"].pop()  # role: a value of the enum is missing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("fact", "sys.no_such_fact"), "question 'infers-outputs': unknown fact 'sys.no_such_fact'"),
        (_set("fact", "org.headcount"), "question 'infers-outputs': unknown fact 'org.headcount'"),
        (_set("fact", "q.headcount"), "question 'infers-outputs': unknown fact 'q.headcount'"),
        (_drop("fact"), "needs the `fact` it fills"),
        (_set("when", "sys.profiling and"), "question 'infers-outputs': bad condition"),
        (_set("when", "__import__('os')"), "bad condition"),
        (_set("when", 'q.role == "deployer"'), "bad condition"),  # conditions are over facts, not answers
        (_set("when", "sys.nothing"), "condition uses unknown fact(s) sys.nothing"),
        (_set("type", "number"), "'infers-outputs'"),  # a number with choices: the schema refuses it
        (_set("choices", [{"value": "yes", "label": {"fr": "Oui", "en": "Yes"}}]), "must be, in this order"),
        (_enum_choices, "question 'role': the choices of sys.role must be, in this order: deployer"),
        (_drop("ask_vendor"), "ask_vendor needs a French and an English text"),
        (_set("ask_vendor", {"fr": "x"}), "'en' is a required property"),
        (_drop("source"), "source needs an article and an https:// url"),
        (_set("source", {"article": "x", "url": "http://x"}), "does not match"),
        (_set("id", "Infers"), "does not match"),
        (_second_question_for("sys.infers_outputs"), "also filled by question 'infers-outputs'"),
        (lambda content: content.pop("context"), "`context: facts`"),
        (lambda content: content.update(show_when_unknown=False), "`show_when_unknown: true`"),
        (
            lambda content: content["sections"][0]["questions"].pop(0),
            "no question for the stored fact(s) sys.infers_outputs",
        ),
    ],
)
def test_a_broken_questionnaire_is_refused_with_a_clear_message(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    content = _content()
    change(content)
    with pytest.raises(QuestionnaireError, match=re.escape(message)):
        load_questionnaire(_write(tmp_path, content))


def test_the_unchanged_file_loads_from_elsewhere(tmp_path: Path) -> None:
    assert [q.id for q in load_questionnaire(_write(tmp_path, _content()))] == [
        q.id for q in questionnaire.QUESTIONS
    ]


def test_a_questionnaire_missing_stored_facts_is_refused(tmp_path: Path) -> None:
    content = _content()
    content["sections"] = content["sections"][:1]
    with pytest.raises(QuestionnaireError, match="no question for the stored fact"):
        load_questionnaire(_write(tmp_path, content))


def test_when_skips_irrelevant_questions_only_when_false() -> None:
    annex = questionnaire.question("annex3-point")
    assert annex is not None
    assert not annex.applies({"sys.is_ai_system": False})
    assert annex.applies({"sys.is_ai_system": True})
    assert annex.applies({"sys.is_ai_system": None})  # unknown: still asked, never guessed


# The flow -----------------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("delegate", 200),
        ("manager", 200),
        ("staff_rep", 403),
        ("employee", 403),
        ("outsider", 404),
    ],
)
def test_question_page_access(personas: Any, tool: Tool, who: str, status: int) -> None:
    assert personas.client(who).get(url(tool)).status_code == status


def test_first_question_with_progress_help_and_source(personas: Any, tool: Tool) -> None:
    response = personas.client("delegate").get(url(tool))
    html = response.content.decode()
    first = questionnaire.QUESTIONS[0]
    assert first.in_language("text", "en").replace("'", "&#x27;") in html
    assert "Question 1 of" in html
    assert first.article in html and first.url in html
    assert "I don&#x27;t know" in html
    assert 'name="question" value="infers-outputs"' in html


def test_answer_sequence_saves_and_moves_on(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    response = client.post(url(tool), {"question": "infers-outputs", "answer": "yes"})
    assert response.status_code == 302
    assert response["Location"].endswith("?q=role")
    assert answers_of(tool)["sys.infers_outputs"] is True
    response = client.post(url(tool), {"question": "role", "answer": "deployer"})
    assert response["Location"].endswith("?q=annex3-point")
    response = client.post(url(tool), {"question": "annex3-point", "answer": "4a"})
    tool.refresh_from_db()
    assert tool.annex3_point == "4a"  # a register fact is written to the record (with its history)
    page = client.get(response["Location"])
    assert "Question 4 of" in page.content.decode()
    assert "Previous question" in page.content.decode()


def test_not_an_ai_system_skips_the_ai_act_questions(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    response = client.post(url(tool), {"question": "infers-outputs", "answer": "no"})
    assert response.status_code == 302
    assert "annex3-point" not in response["Location"] and "role" not in response["Location"]
    # Asked directly, a skipped question is refused rather than answered.
    assert client.get(url(tool, "q=annex3-point")).status_code == 400


def test_i_dont_know_leads_to_clarify_with_the_vendor_question(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    client.post(url(tool), {"question": "infers-outputs", "answer": "yes"})
    client.post(url(tool), {"question": "used-at-workplace", "answer": "yes"})
    response = client.post(url(tool), {"question": "annex3-point", "answer": "unknown"})
    assert response.status_code == 302
    assert answers_of(tool)["sys.annex3_point"] is None  # stored as null, never a guess
    obligation = Obligation.objects.get(tool=tool, rule_id="AIA-08")
    assert obligation.state == ObligationState.TO_CLARIFY
    assert "sys.annex3_point" in obligation.missing
    page = personas.client("delegate").get(
        reverse("qualification:tool", kwargs={"org": "acme", "pk": tool.pk})
    )
    vendor_question = questionnaire.question("annex3-point").in_language("ask_vendor", "en")  # type: ignore[union-attr]
    assert vendor_question in page.content.decode()


def test_i_dont_know_for_a_date(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    client.post(url(tool), {"question": "infers-outputs", "answer": "yes"})
    response = client.post(url(tool), {"question": "first-use-date", "unknown": "on"})
    assert response.status_code == 302
    assert answers_of(tool) == {"sys.infers_outputs": True, "sys.first_use_date": None}
    response = client.post(url(tool), {"question": "first-use-date", "answer": "2026-05-04"})
    assert answers_of(tool)["sys.first_use_date"] == "2026-05-04"


def test_set_and_number_answers(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    response = client.post(url(tool), {"question": "affected-public", "answer": ["employees", "candidates"]})
    assert response.status_code == 302
    tool.refresh_from_db()
    assert sorted(tool.affected_public) == ["candidates", "employees"]
    client.post(url(tool), {"question": "personal-data", "answer": "yes"})
    assert client.post(url(tool), {"question": "edpb-criteria", "answer": "3"}).status_code == 302
    assert answers_of(tool)["sys.edpb_criteria_count"] == 3


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"question": "infers-outputs"}, "This field is required"),
        ({"question": "infers-outputs", "answer": "perhaps"}, "Select a valid choice"),
        ({"question": "affected-public", "answer": ["employees", "unknown"]}, "alone"),
        ({"question": "affected-public", "answer": ["aliens"]}, "Select a valid choice"),
        ({"question": "first-use-date"}, "Give a date or tick"),
        ({"question": "first-use-date", "answer": "31/02/2026"}, "Enter a valid date"),
        ({"question": "first-use-date", "answer": "2026-01-01", "unknown": "on"}, "not both"),
        ({"question": "edpb-criteria", "answer": "-2"}, "greater than or equal to 0"),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_written(
    personas: Any, tool: Tool, data: dict[str, Any], error: str
) -> None:
    client = personas.client("delegate")
    client.post(url(tool), {"question": "infers-outputs", "answer": "yes"})
    client.post(url(tool), {"question": "personal-data", "answer": "yes"})
    before = (answers_of(tool), Tool.history.count())
    response = client.post(url(tool), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert (answers_of(tool), Tool.history.count()) == before


def test_unknown_question_is_400(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    assert client.get(url(tool, "q=nope")).status_code == 400
    assert client.post(url(tool), {"question": "nope", "answer": "yes"}).status_code == 400


def test_summary_at_the_end_links_back_to_the_tool(personas: Any, tool: Tool) -> None:
    client = personas.client("delegate")
    client.post(url(tool), {"question": "infers-outputs", "answer": "no"})
    response = client.get(url(tool, "summary=1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("qualification:tool", kwargs={"org": "acme", "pk": tool.pk}) in html
    assert "Not answered" in html
    assert "?q=infers-outputs" in html


def test_the_last_answer_leads_to_the_summary(personas: Any, tool: Tool) -> None:
    """Answering every question that applies ends on the summary page."""
    client = personas.client("delegate")
    location = url(tool)
    for _ in range(len(questionnaire.QUESTIONS) + 1):
        page = client.get(location)
        html = page.content.decode()
        if 'name="question"' not in html:
            break
        qid = html.split('name="question" value="', 1)[1].split('"', 1)[0]
        q = questionnaire.question(qid)
        assert q is not None
        if q.fact.type in ("date", "int"):
            data: dict[str, Any] = {"unknown": "on"}
        elif q.fact.type == "set":
            data = {"answer": ["unknown"]}
        elif q.fact.type == "enum":
            data = {"answer": q.fact.values[0]}
        else:
            data = {"answer": "no"}
        response = client.post(url(tool), {"question": qid, **data})
        assert response.status_code == 302, (qid, response.content.decode()[:500])
        location = response["Location"]
    assert "summary=1" in location
    assert "Answers of the questionnaire" in client.get(location).content.decode()
