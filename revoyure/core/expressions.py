"""The small, safe expression language of the rule files (legal-rules.md predicates).

A condition is written in a subset of Python's expression syntax, e.g.
``sys.high_risk and sys.used_at_workplace and org.is_employer`` or ``sys.annex3_point in {"4a", "4b"}``.
It is parsed with the standard library's `ast` module and compiled to closures over a whitelist of node
types; nothing is ever passed to `eval`. Anything outside the whitelist is refused when the rule files
load, with the offending piece named.

Logic is three-valued (Kleene): a fact that is not known is ``None`` ("I don't know"), and
``None and False`` is False, ``None or True`` is True, anything else involving ``None`` stays ``None``.
That is how "unclear" comes out of the engine instead of a guess.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Facts = dict[str, Any]
Evaluator = Callable[[Facts], Any]


class ExpressionError(ValueError):
    """An expression that is not part of the language; the message says what is wrong."""


@dataclass
class Compiled:
    """A compiled expression: `ev` computes the value, `node` keeps the tree for explanations."""

    source: str
    ev: Evaluator
    node: Node
    names: frozenset[str]


@dataclass
class Node:
    kind: str  # and, or, not, cmp, name, const, call
    children: list[Node] = field(default_factory=list)
    name: str = ""
    ev: Evaluator = lambda facts: None


# The evaluators below read facts named directly in an and/or/not/comparison with one dict lookup
# instead of a call: the engine runs thousands of evaluations a second (issue 3, "Speed").
def _and(names: list[str], evs: list[Evaluator]) -> Evaluator:
    def ev(facts: Facts) -> bool | None:
        unknown = False
        get = facts.get
        for n in names:
            v = get(n)
            if v is None:
                unknown = True
            elif not v:
                return False
        for e in evs:
            v = e(facts)
            if v is None:
                unknown = True
            elif not v:
                return False
        return None if unknown else True

    return ev


def _or(names: list[str], evs: list[Evaluator]) -> Evaluator:
    def ev(facts: Facts) -> bool | None:
        unknown = False
        get = facts.get
        for n in names:
            v = get(n)
            if v is None:
                unknown = True
            elif v:
                return True
        for e in evs:
            v = e(facts)
            if v is None:
                unknown = True
            elif v:
                return True
        return None if unknown else False

    return ev


def _not(e: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> bool | None:
        v = e(facts)
        return None if v is None else not v

    return ev


def _not_name(name: str) -> Evaluator:
    def ev(facts: Facts) -> bool | None:
        v = facts.get(name)
        return None if v is None else not v

    return ev


def _in(a: Any, b: Any) -> bool:
    return a in b


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


_COMPARATORS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: _in,
    ast.NotIn: _not_in,
}


def _compare(op: Callable[[Any, Any], bool], left: Evaluator, right: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> bool | None:
        a = left(facts)
        if a is None:
            return None
        b = right(facts)
        if b is None:
            return None
        try:
            return op(a, b)
        except TypeError:  # e.g. a date compared with a number: the facts do not decide
            return None

    return ev


def _compare_name_const(op: Callable[[Any, Any], bool], name: str, b: Any) -> Evaluator:
    """`sys.x == "v"`, `org.headcount >= 50`, `sys.x in {...}`: the common case, without inner calls."""
    if b is None:
        return lambda facts: None

    def ev(facts: Facts) -> bool | None:
        a = facts.get(name)
        if a is None:
            return None
        try:
            return op(a, b)
        except TypeError:
            return None

    return ev


# Functions callable from rule files. Each one is total over None.
def _known(value: Any) -> bool:
    return value is not None


def _coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _count_true(*values: Any) -> int | None:
    if any(v is None for v in values) and sum(1 for v in values if v) == 0:
        return None
    return sum(1 for v in values if v)


def _is_true(value: Any) -> bool:
    """True only when the value is known and true: lets a fact upgrade a result without making it unclear."""
    return value is True


def _date(text: Any) -> dt.date:
    return dt.date.fromisoformat(text)


def _earliest(*values: Any) -> Any:
    known = [v for v in values if v is not None]
    return min(known) if known else None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "known": _known,
    "coalesce": _coalesce,
    "count_true": _count_true,
    "earliest": _earliest,
    "is_true": _is_true,
    "date": _date,
}


def _const(value: Any) -> Evaluator:
    return lambda facts: value


def _name(name: str) -> Evaluator:
    return lambda facts: facts.get(name)


def _call(fn: Callable[..., Any], evs: list[Evaluator]) -> Evaluator:
    def ev(facts: Facts) -> Any:
        return fn(*(e(facts) for e in evs))

    return ev


# The rule files name facts `org.<name>` and `sys.<name>`; other users of the language (the questionnaire
# engine refers to answers as `q.<question_id>`) pass their own set of prefixes to `compile_expression`.
DEFAULT_PREFIXES: frozenset[str] = frozenset({"org", "sys"})


def _dotted(node: ast.AST, prefixes: frozenset[str]) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in prefixes:
        if node.attr.startswith("_"):  # never a door to dunder names, even as a dict key
            raise ExpressionError(f"invalid fact name “{ast.unparse(node)}”")
        return f"{node.value.id}.{node.attr}"
    return None


def _constant_value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return frozenset(_constant_value(elt) for elt in node.elts)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    raise ExpressionError(f"only constants are allowed here, not “{ast.unparse(node)}”")


def _written(prefixes: frozenset[str]) -> str:
    return " or ".join(f"{p}.<name>" for p in sorted(prefixes))


def _build(node: ast.AST, names: set[str], prefixes: frozenset[str] = DEFAULT_PREFIXES) -> Node:
    dotted = _dotted(node, prefixes)
    if dotted:
        names.add(dotted)
        return Node("name", name=dotted, ev=_name(dotted))
    if isinstance(node, ast.BoolOp):
        children = [_build(v, names, prefixes) for v in node.values]
        direct = [c.name for c in children if c.kind == "name"]
        evs = [c.ev for c in children if c.kind != "name"]
        if isinstance(node.op, ast.And):
            return Node("and", children, ev=_and(direct, evs))
        return Node("or", children, ev=_or(direct, evs))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        child = _build(node.operand, names, prefixes)
        ev = _not_name(child.name) if child.kind == "name" else _not(child.ev)
        return Node("not", [child], ev=ev)
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise ExpressionError(f"write one comparison at a time: “{ast.unparse(node)}”")
        op = _COMPARATORS.get(type(node.ops[0]))
        if op is None:
            raise ExpressionError(f"unsupported comparison in “{ast.unparse(node)}”")
        left, right = _build(node.left, names, prefixes), _build(node.comparators[0], names, prefixes)
        if left.kind == "name" and right.kind == "const":
            ev = _compare_name_const(op, left.name, right.ev({}))
        else:
            ev = _compare(op, left.ev, right.ev)
        return Node("cmp", [left, right], name=ast.unparse(node), ev=ev)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise ExpressionError(
                f"unknown function in “{ast.unparse(node)}” (allowed: {', '.join(sorted(FUNCTIONS))})"
            )
        fn = FUNCTIONS[node.func.id]
        if node.func.id == "date":  # a constant date, checked now rather than at evaluation
            if len(node.args) != 1:
                raise ExpressionError(f"date() takes one ISO date: “{ast.unparse(node)}”")
            try:
                value = _date(_constant_value(node.args[0]))
            except (ValueError, TypeError) as exc:
                raise ExpressionError(f"invalid date in “{ast.unparse(node)}”") from exc
            return Node("const", ev=_const(value))
        children = [_build(a, names, prefixes) for a in node.args]
        return Node("call", children, name=node.func.id, ev=_call(fn, [c.ev for c in children]))
    if isinstance(node, ast.Name):
        if node.id in {"true", "false"}:
            return Node("const", ev=_const(node.id == "true"))
        raise ExpressionError(f"unknown name “{node.id}”: facts are written {_written(prefixes)}")
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):  # a prefix not allowed here
        raise ExpressionError(f"unknown name “{ast.unparse(node)}”: facts are written {_written(prefixes)}")
    return Node("const", ev=_const(_constant_value(node)))


def compile_expression(source: str, prefixes: Iterable[str] = DEFAULT_PREFIXES) -> Compiled:
    """Parse and compile `source`; raise ExpressionError with a readable message if it is not allowed.

    `prefixes` are the names that may start a fact (`org`, `sys` for the rule files; `q` for questionnaire
    answers)."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}") from exc
    names: set[str] = set()
    root = _build(tree.body, names, frozenset(prefixes))
    return Compiled(source=source.strip(), ev=root.ev, node=root, names=frozenset(names))


def explain(node: Node, facts: Facts) -> tuple[Any, set[str]]:
    """The value of `node` and the facts that decide it.

    For a true `and`, every operand counts; for a true `or`, the first true operand is enough; for a false
    result it is the reverse; for an unknown result, the unknown facts are what is missing.
    """
    value = node.ev(facts)
    if node.kind == "name":
        return value, {node.name}
    if node.kind == "const":
        return value, set()
    if node.kind in {"and", "or"}:
        decisive = (value is False) if node.kind == "and" else (value is True)
        parts = [explain(c, facts) for c in node.children]
        if decisive:  # one operand settles it: name the first that does
            for v, names in parts:
                if v is value:
                    return value, names
        if value is None:  # only the operands that are themselves unknown matter
            return value, set().union(*(n for v, n in parts if v is None))
        return value, set().union(*(n for _, n in parts))
    if node.kind == "not":
        _, names = explain(node.children[0], facts)
        return value, names
    # comparisons and calls: every fact inside counts (or only the unknown ones when undecided)
    parts = [explain(c, facts) for c in node.children]
    if node.kind == "call" and value is not None:  # coalesce(a, b): only what gave a value counts
        parts = [(v, n) for v, n in parts if v is not None]
    if value is None:
        unknown = set().union(*(n for v, n in parts if v is None)) if parts else set()
        return value, unknown or set().union(*(n for _, n in parts))
    return value, set().union(*(n for _, n in parts)) if parts else set()


def referenced(compiled: Iterable[Compiled]) -> set[str]:
    names: set[str] = set()
    for c in compiled:
        names |= c.names
    return names
