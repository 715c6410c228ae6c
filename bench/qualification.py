"""The qualification engine's part of `make bench` (issue 3 §5), on the reference dataset.

1. Evaluations per second: the facts of `BENCH_QUALIFICATION_TOOLS` (2,000) tools of the dataset, taken
   from organisations spread over it, are built first (not timed), then each is evaluated with
   `engine.evaluate(facts, at, detail=False)` over every rule (organisation and tool rules), as the status
   gate and the daily re-evaluation do. Target ≥ 5,000 evaluations/s. The same with the explanations
   (`detail=True`, what the tool page shows) is printed for information.
2. Re-evaluating an organisation of 100 tools (`services.reevaluate_organisation`): a first run, which
   writes every obligation, and a re-run, which finds them unchanged. Both run in a transaction that is
   rolled back, so the dataset is left as it was.

Needs Django set up on the bench database (`bench.run` does it).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

TARGET_EVALUATIONS_PER_S = 5000.0
DEFAULT_TOOLS = 2000
ROUNDS = 3  # the best of three passes, as timeit does: the others measure the machine's noise
EVALUATION_DATE = dt.date(2026, 6, 1)


class _Rollback(Exception):
    pass


def _facts_of_sample(tools_wanted: int) -> tuple[list[dict[str, Any]], int]:
    """Facts of about `tools_wanted` tools, whole organisations spread over the dataset; and how many
    organisations they come from. Each organisation's facts are read once (memoised on the instance)."""
    from revoyure.organisations.models import Organisation
    from revoyure.qualification.facts import all_facts
    from revoyure.qualification.models import ToolQualification
    from revoyure.registry.models import Tool
    from revoyure.registry.scale import SLUG_PREFIX

    organisations = list(Organisation.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug"))
    if not organisations:
        raise RuntimeError("the bench database holds no scale organisations")
    per_organisation = max(1, Tool.objects.filter(organisation=organisations[0]).count())
    needed = max(1, -(-tools_wanted // per_organisation))
    step = max(1, len(organisations) // needed)
    sample, facts = organisations[::step][:needed], []
    for organisation in sample:
        answers = dict(
            ToolQualification.objects.filter(organisation=organisation).values_list("tool_id", "answers")
        )
        for tool in Tool.objects.filter(organisation=organisation).order_by("pk"):
            tool.organisation = organisation
            facts.append(all_facts(tool, answers.get(tool.pk, {})))
            if len(facts) == tools_wanted:
                return facts, len(sample)
    return facts, len(sample)


def _best_rate(facts: list[dict[str, Any]], *, detail: bool) -> tuple[float, dict[str, int]]:
    from revoyure.qualification import engine

    states: dict[str, int] = {}
    for fact_set in facts[:50]:  # warm-up: caches, the rule set
        engine.evaluate(fact_set, EVALUATION_DATE, detail=detail)
    best = float("inf")
    for round_number in range(ROUNDS):
        began = time.perf_counter()
        for fact_set in facts:
            evaluation = engine.evaluate(fact_set, EVALUATION_DATE, detail=detail)
            if round_number == 0:
                for outcome in evaluation.outcomes:
                    states[outcome.state] = states.get(outcome.state, 0) + 1
        best = min(best, time.perf_counter() - began)
    return len(facts) / best, states


def _reevaluate_organisation() -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from revoyure.organisations.models import Organisation
    from revoyure.qualification import services
    from revoyure.qualification.models import Obligation
    from revoyure.registry.models import Tool
    from revoyure.registry.scale import SLUG_PREFIX

    organisation = Organisation.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug").first()
    if organisation is None:
        raise RuntimeError("the bench database holds no scale organisations")
    figures: dict[str, Any] = {"organisation": organisation.slug}
    try:
        with transaction.atomic():
            Obligation.objects.filter(organisation=organisation).delete()  # a true first run
            for run in ("first_run", "rerun"):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    figures["tools"] = services.reevaluate_organisation(organisation, at=EVALUATION_DATE)
                    seconds = time.perf_counter() - began
                figures[f"{run}_ms"] = round(seconds * 1000, 1)
                figures[f"{run}_queries"] = len(queries)
            figures["obligations"] = Obligation.objects.filter(organisation=organisation).count()
            figures["tools_in_organisation"] = Tool.objects.filter(organisation=organisation).count()
            raise _Rollback
    except _Rollback:
        pass
    return figures


def qualification_benchmark(tools_wanted: int = DEFAULT_TOOLS) -> dict[str, Any]:
    facts, organisations = _facts_of_sample(tools_wanted)
    rate, states = _best_rate(facts, detail=False)
    detailed_rate, _states = _best_rate(facts, detail=True)
    return {
        "tools": len(facts),
        "organisations": organisations,
        "evaluation_date": EVALUATION_DATE.isoformat(),
        "evaluations_per_second": round(rate),
        "evaluations_per_second_target_met": rate >= TARGET_EVALUATIONS_PER_S,
        "evaluations_per_second_with_explanations": round(detailed_rate),
        "outcomes": dict(sorted(states.items())),
        "reevaluate_organisation": _reevaluate_organisation(),
    }


def report(figures: dict[str, Any], say: Any) -> None:
    ok = figures["evaluations_per_second_target_met"]
    say(
        f"qualification: {figures['evaluations_per_second']} evaluations/s over {figures['tools']} tools of "
        f"{figures['organisations']} organisations (≥ {TARGET_EVALUATIONS_PER_S:.0f} "
        f"{'PASS' if ok else 'FAIL'}); with explanations {figures['evaluations_per_second_with_explanations']}/s"
    )
    org = figures["reevaluate_organisation"]
    say(
        f"qualification: re-evaluating an organisation of {org['tools']} tools: first run "
        f"{org['first_run_ms']} ms ({org['first_run_queries']} queries, {org['obligations']} obligations), "
        f"re-run {org['rerun_ms']} ms ({org['rerun_queries']} queries)"
    )
