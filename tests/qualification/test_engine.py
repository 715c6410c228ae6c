"""The expression language of the rule files (three-valued, safe: no eval path) and the explanations
the engine gives (`because`, `missing`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from revoyure.core import expressions
from revoyure.core.expressions import ExpressionError, compile_expression, explain
from revoyure.qualification.engine import APPLIES, NOT_APPLICABLE, TO_CLARIFY, evaluate
from revoyure.qualification.facts import parse_facts
from revoyure.qualification.rules import EXAMPLE_DATE, rule_set

T, F, U = True, False, None
VALUES = [T, F, U]


def ev(source: str, **facts: Any) -> Any:
    return compile_expression(source).ev({f"sys.{k}": v for k, v in facts.items()})


# Kleene's strong three-valued logic: unknown is None.
AND = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", VALUES)
def test_and_or_truth_tables(a: Any, b: Any) -> None:
    assert ev("sys.a and sys.b", a=a, b=b) is AND[(a, b)]
    assert ev("sys.a or sys.b", a=a, b=b) is OR[(a, b)]
    # The same with operands that are not plain names (the evaluators differ).
    assert ev("(sys.a == true) and (sys.b == true)", a=a, b=b) is AND[(a, b)]
    assert ev("(sys.a == true) or (sys.b == true)", a=a, b=b) is OR[(a, b)]


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not_truth_table(a: Any, expected: Any) -> None:
    assert ev("not sys.a", a=a) is expected
    assert ev("not (sys.a == true)", a=a) is expected


def test_and_or_with_many_operands_and_nesting() -> None:
    assert ev("sys.a and sys.b and sys.c", a=T, b=U, c=F) is F
    assert ev("sys.a or sys.b or sys.c", a=F, b=U, c=T) is T
    assert ev("sys.a and (sys.b or not sys.c)", a=T, b=U, c=F) is T
    assert ev("sys.a and (sys.b or not sys.c)", a=T, b=U, c=T) is U


def test_in_and_not_in() -> None:
    assert ev('sys.p in {"4a", "4b"}', p="4a") is T
    assert ev('sys.p in {"4a", "4b"}', p="2") is F
    assert ev('sys.p not in {"4a", "4b"}', p="2") is T
    assert ev('sys.p in {"4a", "4b"}', p=None) is U
    assert ev('sys.p not in ["4a"]', p=None) is U
    assert ev('"candidates" in sys.s', s=frozenset({"candidates"})) is T
    assert ev('"candidates" in sys.s', s=frozenset()) is F
    assert ev('"candidates" in sys.s', s=None) is U


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("sys.n >= 50", 50, T),
        ("sys.n >= 50", 49, F),
        ("sys.n >= 50", None, U),
        ("sys.n < 50", 49, T),
        ("sys.n > 10", 11, T),
        ("sys.n <= 10", 11, F),
        ("sys.n == 3", 3, T),
        ("sys.n != 3", 3, F),
        ("sys.n != 3", None, U),
        ("sys.n == -1", -1, T),
        ("sys.n >= 50", "many", U),  # a value of the wrong type decides nothing
        ('sys.d < date("2027-12-02")', dt.date(2027, 12, 1), T),
        ('sys.d < date("2027-12-02")', dt.date(2027, 12, 2), F),
        ('sys.d < date("2027-12-02")', None, U),
        ("sys.n == sys.m", None, U),
    ],
)
def test_comparisons_with_unknowns(source: str, value: Any, expected: Any) -> None:
    assert ev(source, n=value, d=value, m=1) is expected


def test_comparison_of_two_facts() -> None:
    assert ev("sys.a < sys.b", a=1, b=2) is T
    assert ev("sys.a < sys.b", a=1, b=None) is U
    assert ev("sys.a < sys.b", a=None, b=2) is U


def test_functions() -> None:
    assert ev("known(sys.a)", a=False) is T
    assert ev("known(sys.a)", a=None) is F
    assert ev("coalesce(sys.a, sys.b)", a=None, b=False) is F
    assert ev("coalesce(sys.a, sys.b)", a=True, b=False) is T
    assert ev("coalesce(sys.a, sys.b)", a=None, b=None) is U
    assert ev("count_true(sys.a, sys.b, sys.c) >= 2", a=T, b=T, c=U) is T
    assert ev("count_true(sys.a, sys.b) >= 1", a=U, b=F) is U
    assert ev("count_true(sys.a, sys.b) >= 1", a=F, b=F) is F
    d1, d2 = dt.date(2026, 1, 1), dt.date(2025, 6, 1)
    assert ev("earliest(sys.a, sys.b)", a=d1, b=d2) == d2
    assert ev("earliest(sys.a, sys.b)", a=d1, b=None) == d1
    assert ev("earliest(sys.a, sys.b)", a=None, b=None) is None
    assert ev("is_true(sys.a)", a=True) is T
    assert ev("is_true(sys.a)", a=None) is F
    assert ev("is_true(sys.a)", a=False) is F
    assert ev("true and not false") is T


@pytest.mark.parametrize(
    "source",
    [
        "sys.a.__class__",  # attribute access beyond org./sys.
        "sys.__class__",  # dunder fact name
        "org._private",
        "os.system",  # only org and sys are namespaces
        "sys.a.b",
        '__import__("os")',  # imports
        'eval("1")',  # calls outside the whitelist
        "open('x')",
        "sys.a()",  # calling a fact
        "(lambda: 1)()",
        "lambda: 1",
        "sys.a[0]",  # subscripts
        "{'a': 1}['a']",
        "[x for x in sys.a]",  # comprehensions
        "sys.a if sys.b else sys.c",
        "sys.a + 1",  # arithmetic
        'sys.a == -"x"',
        "sys.a == -true",
        "None",
        "a",
        "0 < sys.a < 3",  # chained comparisons: one at a time
        "sys.a is None",
        "known(x=sys.a)",
        'date("2027-13-40")',
        "date(sys.a)",
        "(yield)",
        "f'{sys.a}'",
        "",
        "   ",
        "sys.a and",
    ],
)
def test_refused_syntax(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_no_eval_path() -> None:
    # The module never reaches Python's evaluators: the compiled closures are all there is.
    text = expressions.__file__
    with open(text, encoding="utf-8") as handle:
        code = handle.read()
    for forbidden in ("eval(", "exec(", "compile(", "__import__", "getattr("):
        assert forbidden not in code.replace("compile_expression(", "").replace("ast.literal_eval", ""), (
            forbidden
        )


def test_compiled_names() -> None:
    compiled = compile_expression('sys.a and (org.b >= 3 or "x" in sys.c)')
    assert compiled.names == frozenset({"sys.a", "org.b", "sys.c"})


def test_explain_names_the_deciding_facts() -> None:
    node = compile_expression("sys.a and (sys.b or sys.c)").node
    value, names = explain(node, {"sys.a": True, "sys.b": False, "sys.c": True})
    assert value is True and names == {"sys.a", "sys.c"}
    value, names = explain(node, {"sys.a": False, "sys.b": None, "sys.c": None})
    assert value is False and names == {"sys.a"}  # one false operand settles an "and"
    value, names = explain(node, {"sys.a": True, "sys.b": None, "sys.c": False})
    assert value is None and names == {"sys.b"}  # only the unknown one is missing


# Explanations of the engine ------------------------------------------------------------------------------


def _evaluate(raw: dict[str, Any], at: dt.date = EXAMPLE_DATE) -> Any:
    facts, errors = parse_facts(raw)
    assert not errors, errors
    return evaluate(facts, at, rules=rule_set())


def test_because_lists_the_triggering_facts_down_to_what_was_given() -> None:
    ev = _evaluate(
        {"org.fp": "none", "org.headcount": 60, "org.has_cse": True, "sys.new_technology_for_org": True}
    )
    ct2 = ev.outcome("CT-2")
    assert ct2.state == APPLIES
    because = dict(ct2.because)
    assert because["org.headcount"] == 60 and because["org.has_cse"] is True
    assert because["sys.new_technology_for_org"] is True
    assert because["org.fp"] == "none"  # through the derived org.labour_code_applies
    assert "sys.major_change_working_conditions" not in because  # one true operand of "or" suffices


def test_missing_lists_only_unknown_given_facts() -> None:
    ev = _evaluate({"org.fp": "none", "org.headcount": 60, "org.has_cse": True})
    ct2 = ev.outcome("CT-2")
    assert ct2.state == TO_CLARIFY
    assert set(ct2.missing) == {"sys.new_technology_for_org", "sys.major_change_working_conditions"}
    assert dict(ct2.because)["org.headcount"] == 60  # what is known is still shown


def test_missing_goes_through_derived_facts() -> None:
    ev = _evaluate({"org.fp": "none", "org.headcount": 60, "sys.annex3_point": "4a", "sys.profiling": True})
    aia01 = ev.outcome("AIA-01")
    assert aia01.state == TO_CLARIFY
    assert {"sys.infers_outputs", "sys.ai_system_declared"} <= set(aia01.missing)
    assert "sys.is_ai_system" not in aia01.missing  # a derived fact is never asked


def test_legacy_missing_date_is_named() -> None:
    ev = _evaluate({"sys.infers_outputs": True, "sys.annex3_point": "4a", "sys.profiling": True})
    aia02 = ev.outcome("AIA-02")
    assert aia02.state == TO_CLARIFY and aia02.missing == ["sys.first_use_date"]
    assert dict(aia02.because)["sys.annex3_point"] == "4a"


def test_not_applicable_has_no_explanation_and_detail_false_skips_them() -> None:
    raw = {"org.fp": "none", "org.headcount": 10, "org.has_cse": False, "sys.new_technology_for_org": True}
    ev = _evaluate(raw)
    assert ev.outcome("CT-2").state == NOT_APPLICABLE and not ev.outcome("CT-2").because
    facts, _ = parse_facts({**raw, "org.headcount": 60, "org.has_cse": True})
    fast = evaluate(facts, EXAMPLE_DATE, detail=False)
    assert fast.outcome("CT-2").state == APPLIES and not fast.outcome("CT-2").because


def test_scope_filters_rules() -> None:
    facts, _ = parse_facts({"org.fp": "none", "org.headcount": 60})
    tool_ids = {o.rule.id for o in evaluate(facts, EXAMPLE_DATE, scope="tool").outcomes}
    org_ids = {o.rule.id for o in evaluate(facts, EXAMPLE_DATE, scope="organisation").outcomes}
    assert "CT-2" in tool_ids and "CT-2" not in org_ids
    assert "CT-13" in org_ids and "CT-13" not in tool_ids
    assert tool_ids | org_ids == set(rule_set().by_id)
