"""Which clauses an event concerns, and for which tools — pure functions over plain rows, so the fan-out
can read everything in a few queries and decide in memory for ten thousand organisations.

An event reaches the tools it names: a vendor's tools in use (those whose name or version mention the
product, when it names one), the tools of a category, or one tool. An event that names none of these (a
DPO's annual report, a regulator's general warning) concerns the whole scope of each clause. A clause
matches when it lists the event's kind among its triggers and its scope holds at least one concerned tool."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ClauseRow:
    id: int
    organisation_id: int
    scope: str  # ClauseScope value
    categories: tuple[str, ...]
    triggers: tuple[str, ...]
    notice_days: int
    title: str = ""


@dataclass(frozen=True)
class ToolRow:
    id: int
    organisation_id: int
    category: str


@dataclass(frozen=True)
class Match:
    clause: ClauseRow
    tool_ids: tuple[int, ...]


def match_clauses(
    kind: str,
    clauses: Iterable[ClauseRow],
    tools: Iterable[ToolRow] | None,
    clause_tools: Mapping[int, set[int]],
) -> list[Match]:
    """`tools` None means the event names no tool (it concerns the clauses' whole scope); `clause_tools`
    holds the named tools of the clauses whose scope is "tools"."""
    by_org: dict[int, list[ToolRow]] | None = None
    if tools is not None:
        by_org = {}
        for tool in tools:
            by_org.setdefault(tool.organisation_id, []).append(tool)
    matches = []
    for clause in clauses:
        if kind not in clause.triggers:
            continue
        if by_org is None:
            named = tuple(sorted(clause_tools.get(clause.id, ()))) if clause.scope == "tools" else ()
            matches.append(Match(clause, named))
            continue
        concerned = in_scope(clause, by_org.get(clause.organisation_id, ()), clause_tools)
        if concerned:
            matches.append(Match(clause, tuple(sorted(concerned))))
    return matches


def in_scope(clause: ClauseRow, tools: Iterable[ToolRow], clause_tools: Mapping[int, set[int]]) -> list[int]:
    if clause.scope == "category":
        return [t.id for t in tools if t.category in clause.categories]
    if clause.scope == "tools":
        named = clause_tools.get(clause.id, set())
        return [t.id for t in tools if t.id in named]
    return [t.id for t in tools]
