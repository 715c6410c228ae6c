import datetime as dt

import pytest

from revoyure.assessments import engine
from revoyure.assessments.loading import parse_definition
from tests.assessments.helpers import small_definition

D = parse_definition(small_definition(), "small")


def visible(answers):
    return [q.id for q in engine.visible_questions(D, answers)]


def test_a_question_is_hidden_until_its_condition_is_true():
    assert "ai_kind" not in visible({})  # unknown hides, as in SurveyJS
    assert "ai_kind" not in visible({"uses_ai": "no"})
    assert "ai_kind" in visible({"uses_ai": "yes"})


def test_hiding_propagates_down_a_chain():
    answers = {"uses_ai": "yes", "ai_kind": ["genai"]}
    assert "genai_detail" in visible(answers)
    # the stored ai_kind answer no longer counts once ai_kind is hidden
    assert "genai_detail" not in visible({**answers, "uses_ai": "no"})


def test_show_when_unknown_shows_questions_with_undecided_conditions():
    d = parse_definition(small_definition(show_when_unknown=True), "small")
    ids = [q.id for q in engine.visible_questions(d, {})]
    assert "ai_kind" in ids
    assert "ai_kind" not in [q.id for q in engine.visible_questions(d, {"uses_ai": "no"})]


def test_date_answers_compare_with_dates_in_conditions():
    assert "late" not in visible({"start": "2029-12-31"})
    assert "late" in visible({"start": "2030-01-01"})


@pytest.mark.parametrize(
    ("answers", "section_level", "total", "level"),
    [
        ({"uses_ai": "no"}, "low", 0, "low"),
        ({"uses_ai": "yes", "stress": 1}, "high", 4, "low"),  # 2 + 2×1: section threshold reached exactly
        ({"uses_ai": "yes", "ai_kind": ["scoring"], "stress": 1.0}, "high", 5, "low"),
        (
            {"uses_ai": "yes", "ai_kind": ["scoring"], "stress": 0, "late": "yes", "start": "2031-01-01"},
            "low",
            4,
            "low",
        ),
        (
            {"uses_ai": "yes", "ai_kind": ["genai"], "stress": 0, "start": "2031-01-01", "late": "yes"},
            "high",
            6,
            "high",
        ),
        ({"uses_ai": "yes", "ai_kind": ["genai", "scoring"], "stress": 2}, "high", 10, "critical"),
    ],
)
def test_scores_and_levels_at_thresholds(answers, section_level, total, level):
    result = engine.score(D, answers)
    assert result.sections["first"].level.id == section_level
    assert result.total == total
    assert result.level.id == level


def test_hidden_answers_do_not_score():
    result = engine.score(D, {"uses_ai": "no", "ai_kind": ["genai", "scoring"]})
    assert result.total == 0


def test_max_counts_visible_questions_only():
    assert engine.score(D, {"uses_ai": "no"}).max == 2 + 8
    assert engine.score(D, {"uses_ai": "yes"}).max == 2 + 4 + 8


def test_completion_counts_visible_required_questions():
    c = engine.completion(D, {"uses_ai": "yes", "ai_kind": ["genai"]})
    assert c.total.visible == 7  # "late" waits for a start date
    assert c.total.answered == 2
    assert c.total.missing_required == ("genai_detail",)
    assert c.sections["second"].complete
    assert not c.total.complete


@pytest.mark.parametrize(
    ("qid", "value", "cleaned"),
    [
        ("uses_ai", "yes", "yes"),
        ("ai_kind", ["scoring", "genai", "scoring"], ["genai", "scoring"]),
        ("stress", "3", 3),
        ("stress", 4.0, 4),
        ("staff", "2,5", 2.5),
        ("start", dt.date(2030, 1, 2), "2030-01-02"),
        ("start", "2030-01-02", "2030-01-02"),
        ("genai_detail", "  ", None),
        ("ai_kind", [], None),
        ("doc", {"name": "dpia.pdf", "id": 3}, {"name": "dpia.pdf", "id": 3}),
    ],
)
def test_values_are_cleaned(qid, value, cleaned):
    assert engine.clean_value(D.by_id[qid], value) == cleaned


@pytest.mark.parametrize(
    ("qid", "value"),
    [
        ("uses_ai", "maybe"),
        ("uses_ai", ["yes"]),
        ("ai_kind", ["genai", "other"]),
        ("ai_kind", "genai"),
        ("stress", 5),
        ("stress", 1.5),
        ("stress", True),
        ("staff", -1),
        ("staff", float("nan")),
        ("staff", "many"),
        ("start", "2030-02-30"),
        ("start", "2030-01-02T10:00"),
        ("start", 20300102),
        ("genai_detail", 42),
        ("doc", "dpia.pdf"),
        ("doc", {"name": "x", "path": "/etc/passwd"}),
    ],
)
def test_bad_values_are_refused(qid, value):
    with pytest.raises(engine.AnswerError):
        engine.clean_value(D.by_id[qid], value)


def test_compare_across_versions_by_question_id():
    v2_content = small_definition(version=2)
    second = v2_content["sections"][1]["questions"]
    second[:] = [q for q in second if q["id"] != "doc"]
    second.append({"id": "budget", "type": "number", "text": {"fr": "Budget", "en": "Budget"}})
    v2 = parse_definition(v2_content, "small v2")
    rows = {
        r.question_id: r
        for r in engine.compare_answers(
            D,
            {"uses_ai": "no", "staff": 10, "doc": {"name": "a.pdf"}},
            v2,
            {"uses_ai": "no", "staff": 12, "budget": 5},
        )
    }
    assert (rows["uses_ai"].changed, rows["uses_ai"].presence) == (False, "both")
    assert (rows["staff"].before, rows["staff"].after, rows["staff"].changed) == (10, 12, True)
    assert rows["budget"].presence == "added"
    assert (rows["doc"].presence, rows["doc"].before, rows["doc"].after) == (
        "removed",
        {"name": "a.pdf"},
        None,
    )


def test_a_facts_definition_shows_a_question_unless_its_condition_is_false():
    from tests.assessments.test_definitions import KNOWN, facts_definition

    d = parse_definition(facts_definition(), "facts", known_names=KNOWN)
    ids = lambda facts: [q.id for q in engine.visible_questions(d, {}, facts=facts)]  # noqa: E731
    assert ids({"sys.high_risk": False, "org.has_cse": False}) == ["uses-ai"]
    assert ids({"sys.high_risk": None, "org.has_cse": False}) == ["uses-ai", "kind"]  # unknown: asked
    assert ids({"sys.high_risk": True}) == ["uses-ai", "kind"]
    assert ids({}) == ["uses-ai", "kind"]
    assert [q.id for q in engine.visible_questions(d, {})] == ["uses-ai", "kind"]  # no facts: nothing known
    # Conditions read the facts, never the answers.
    assert [
        q.id
        for q in engine.visible_questions(
            d, {"kind": "x"}, facts={"sys.high_risk": False, "org.has_cse": False}
        )
    ] == ["uses-ai"]
    assert engine.is_shown(d, d.by_id["kind"], {"org.has_cse": True})
    hidden_when_unknown = parse_definition(
        {**facts_definition(), "show_when_unknown": False}, "f", known_names=KNOWN
    )
    assert [q.id for q in engine.visible_questions(hidden_when_unknown, {}, facts={})] == ["uses-ai"]
    assert engine.clean_value(d.by_id["uses-ai"], "yes") == "yes"
