"""Writes of the qualification: re-evaluating tools and organisations, recording questionnaire answers
and setting an obligation's status. Each is atomic, keeps history and the audit log, and leaves e-mails
to the task worker (notice rows are written in the same transaction, then sent by `tasks.send_notices`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit
from revoyure.organisations.models import Organisation
from revoyure.qualification import engine
from revoyure.qualification.facts import (
    COLUMN_FACTS,
    DEFAULT_ONLY_COLUMNS,
    FACTS,
    FactError,
    all_facts,
    forget_organisation_facts,
    json_value,
    organisation_facts,
    parse_value,
)
from revoyure.qualification.models import (
    NoticeKind,
    Obligation,
    ObligationNotice,
    ObligationState,
    ObligationStatus,
    ToolQualification,
)
from revoyure.qualification.rules import RuleSet
from revoyure.registry import services as registry_services
from revoyure.registry.models import Tool

MAX_TEXT = 5000
_NOTIFIED_STATES = {ObligationState.APPLIES, ObligationState.UPCOMING}


def today() -> dt.date:
    return timezone.localdate()


def get_answers(tool: Tool) -> dict[str, Any]:
    qualification = ToolQualification.objects.filter(tool=tool).only("answers").first()
    return dict(qualification.answers) if qualification else {}


def evaluate_tool(
    tool: Tool,
    *,
    at: dt.date | None = None,
    answers: dict[str, Any] | None = None,
    rules: RuleSet | None = None,
    detail: bool = True,
) -> engine.Evaluation:
    """Evaluate a tool's rules without storing anything (the gate, `qualify`, previews)."""
    if answers is None:
        answers = get_answers(tool) if tool.pk else {}
    return engine.evaluate(all_facts(tool, answers), at or today(), rules=rules, detail=detail, scope="tool")


def _row_values(outcome: engine.Outcome, now: Any) -> dict[str, Any]:
    return {
        "family": outcome.rule.family,
        "state": outcome.state,
        "responsible": outcome.rule.responsible,
        "due_on": outcome.due,
        "applies_from": outcome.applies_from,
        "because": [[name, json_value(value)] for name, value in outcome.because],
        "missing": list(outcome.missing),
        "evaluated_at": now,
    }


@dataclass
class _Writes:
    """Obligation rows to write, collected over one tool or a whole organisation and written in a few
    bulk statements (a 100-tool organisation is one INSERT batch, not one per tool)."""

    to_create: list[Obligation] = field(default_factory=list)
    to_update: list[Obligation] = field(default_factory=list)
    appeared: list[Obligation] = field(default_factory=list)  # owe an e-mail notice

    def flush(self) -> list[Obligation]:
        if self.to_create:
            Obligation.objects.bulk_create(self.to_create, batch_size=500)
        if self.to_update:
            # Plain updates, without a history row each: the evaluation is recomputed data, and what people
            # decide (status, evidence) is what the history keeps.
            Obligation.objects.bulk_update(self.to_update, [*_row_values_fields(), "state"], batch_size=500)
        return self.appeared


def _store(
    organisation_id: int,
    tool_id: int | None,
    outcomes: Iterable[engine.Outcome],
    existing: dict[str, Obligation],
    writes: _Writes,
) -> None:
    """Plan the upsert of the obligations of one tool (or of the organisation when `tool_id` is None);
    rules that no longer apply keep their row as "lapsed", so a status and its evidence are never lost.
    Obligations that become applicable (or upcoming) are noted in `writes.appeared`."""
    now = timezone.now()
    seen: set[str] = set()
    for outcome in outcomes:
        if outcome.state == engine.NOT_APPLICABLE:
            continue
        seen.add(outcome.rule.id)
        values = _row_values(outcome, now)
        row = existing.get(outcome.rule.id)
        if row is None:
            row = Obligation(
                organisation_id=organisation_id, tool_id=tool_id, rule_id=outcome.rule.id, **values
            )
            writes.to_create.append(row)
            if row.state in _NOTIFIED_STATES:
                writes.appeared.append(row)
            continue
        was = row.state
        changed = any(getattr(row, k) != v for k, v in values.items() if k != "evaluated_at")
        if changed:
            for k, v in values.items():
                setattr(row, k, v)
            writes.to_update.append(row)
            if row.state in _NOTIFIED_STATES and was not in _NOTIFIED_STATES:
                writes.appeared.append(row)
    for rule_id, row in existing.items():
        if rule_id not in seen and row.state != ObligationState.LAPSED:
            row.state = ObligationState.LAPSED
            row.evaluated_at = now
            writes.to_update.append(row)


def _row_values_fields() -> list[str]:
    return ["family", "responsible", "due_on", "applies_from", "because", "missing", "evaluated_at"]


def _queue_appeared(organisation_id: int, appeared: list[Obligation]) -> None:
    if not appeared:
        return
    ObligationNotice.objects.bulk_create(
        [
            ObligationNotice(organisation_id=organisation_id, obligation=o, kind=NoticeKind.APPEARED, key="")
            for o in appeared
        ],
        ignore_conflicts=True,
    )
    from revoyure.qualification.tasks import send_notices

    send_notices.enqueue(organisation_id)


def _classification(evaluation: engine.Evaluation) -> dict[str, Any]:
    return {**evaluation.classification, "evaluated_on": evaluation.at.isoformat()}


@transaction.atomic
def reevaluate_tool(tool: Tool, *, at: dt.date | None = None) -> engine.Evaluation:
    """Evaluate a tool's rules and store its classification and obligations."""
    qualification, _created = ToolQualification.objects.get_or_create(
        tool=tool, defaults={"organisation_id": tool.organisation_id}
    )
    evaluation = engine.evaluate(all_facts(tool, qualification.answers), at or today(), scope="tool")
    existing = {o.rule_id: o for o in Obligation.objects.filter(tool=tool)}
    writes = _Writes()
    _store(tool.organisation_id, tool.pk, evaluation.outcomes, existing, writes)
    appeared = writes.flush()
    ToolQualification.objects.filter(pk=qualification.pk).update(
        classification=_classification(evaluation), evaluated_at=timezone.now()
    )
    _queue_appeared(tool.organisation_id, appeared)
    return evaluation


@transaction.atomic
def reevaluate_organisation(organisation: Organisation, *, at: dt.date | None = None) -> int:
    """Re-evaluate the organisation's own rules and every tool of it, in a handful of queries per batch.
    Returns the number of tools evaluated."""
    at = at or today()
    forget_organisation_facts(organisation)
    org_facts = organisation_facts(organisation)
    existing_org = {
        o.rule_id: o for o in Obligation.objects.filter(organisation=organisation, tool__isnull=True)
    }
    org_eval = engine.evaluate(dict(org_facts), at, scope="organisation")
    writes = _Writes()
    _store(organisation.pk, None, org_eval.outcomes, existing_org, writes)

    answers = dict(
        ToolQualification.objects.filter(organisation=organisation).values_list("tool_id", "answers")
    )
    by_tool: dict[int, dict[str, Obligation]] = {}
    for o in Obligation.objects.filter(organisation=organisation, tool__isnull=False):
        if o.tool_id is not None:
            by_tool.setdefault(o.tool_id, {})[o.rule_id] = o
    classifications: list[ToolQualification] = []
    now = timezone.now()
    count = 0
    for tool in Tool.objects.filter(organisation=organisation).select_related(None).iterator(chunk_size=500):
        tool.organisation = organisation
        evaluation = engine.evaluate(all_facts(tool, answers.get(tool.pk, {})), at, scope="tool")
        _store(organisation.pk, tool.pk, evaluation.outcomes, by_tool.get(tool.pk, {}), writes)
        classifications.append(
            ToolQualification(
                tool_id=tool.pk,
                organisation_id=organisation.pk,
                answers=answers.get(tool.pk, {}),
                classification=_classification(evaluation),
                evaluated_at=now,
            )
        )
        count += 1
    missing = [c for c in classifications if c.tool_id not in answers]
    ToolQualification.objects.bulk_create(missing, ignore_conflicts=True)
    present = {
        q.tool_id: q
        for q in ToolQualification.objects.filter(organisation=organisation).only("id", "tool_id")
    }
    updates = []
    for c in classifications:
        row = present.get(c.tool_id)
        if row is not None:
            row.classification, row.evaluated_at = c.classification, c.evaluated_at
            updates.append(row)
    ToolQualification.objects.bulk_update(updates, ["classification", "evaluated_at"], batch_size=500)
    _queue_appeared(organisation.pk, writes.flush())
    return count


def _to_column(fact_name: str, value: Any) -> Any:
    fact = COLUMN_FACTS[fact_name]
    if fact.type == "bool":
        return {True: "yes", False: "no", None: "unknown"}[value]
    if fact.type == "set":
        return sorted(value or ())
    if value is None and fact.name in ("sys.annex3_point", "sys.dpia_status"):
        return "unknown"
    return value


@transaction.atomic
def record_answers(tool: Tool, actor: Any, answers: dict[str, Any], *, reason: str = "") -> Tool:
    """Record answers of the qualification questionnaire (fact name → JSON value, None = "I don't know").

    Facts the register record holds are written to it through `registry.services.update_tool` (so the
    record's history shows them); the others are kept in `ToolQualification.answers`. Then re-evaluates."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name, value in answers.items():
        fact = FACTS.get(name)
        if fact is None or fact.source == "org":
            errors[name] = _("This fact cannot be answered for a tool.")
            continue
        try:
            parsed[name] = parse_value(fact, value)
        except FactError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    reason = (reason or "").strip() or _("Qualification questionnaire")
    # The stored answers first, so that the re-evaluation that `update_tool` triggers sees all of them.
    qualification, _created = ToolQualification.objects.select_for_update().get_or_create(
        tool=tool, defaults={"organisation_id": tool.organisation_id}
    )
    stored = dict(qualification.answers)
    for name, value in parsed.items():
        stored[name] = json_value(value)
    if stored != qualification.answers:
        qualification.answers = stored
        qualification._history_user = actor  # type: ignore[attr-defined]
        qualification._change_reason = reason  # type: ignore[attr-defined]
        qualification.save(update_fields=["answers"])
    column_changes = {
        COLUMN_FACTS[n].column: _to_column(n, v)
        for n, v in parsed.items()
        # "I don't know" for a column that cannot hold it stays in the answers only (facts.DEFAULT_ONLY_COLUMNS)
        if n in COLUMN_FACTS and not (v is None and n in DEFAULT_ONLY_COLUMNS)
    }
    before = tool.updated_at
    if column_changes:
        tool = registry_services.update_tool(tool, actor, column_changes, reason, source="qualification")
    audit.record(
        "qualification.answered",
        actor=actor,
        organisation_id=tool.organisation_id,
        obj=tool,
        data={"facts": sorted(parsed), "reason": reason},
    )
    if tool.updated_at == before:  # update_tool changed nothing, so it did not re-evaluate
        reevaluate_tool(tool)
    return tool


@transaction.atomic
def set_obligation_status(
    obligation: Obligation, actor: Any, status: str, *, evidence: str = "", reason: str = ""
) -> Obligation:
    """Mark an obligation done (with its evidence), not applicable (with a reason) or back to do."""
    if status not in ObligationStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    evidence, reason = (evidence or "").strip(), (reason or "").strip()
    if status == ObligationStatus.DONE and not evidence:
        raise ValidationError(
            {"evidence": _("Say what shows that it is done (a document, a date, a decision).")}
        )
    if status == ObligationStatus.NOT_APPLICABLE and not reason:
        raise ValidationError({"status_reason": _("Say why it does not apply.")})
    if len(evidence) > MAX_TEXT or len(reason) > MAX_TEXT:
        raise ValidationError(
            {"evidence": _("The text is too long (at most %(max)d characters).") % {"max": MAX_TEXT}}
        )
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    old = obligation.status
    obligation.status = status
    obligation.evidence = evidence if status == ObligationStatus.DONE else ""
    obligation.status_reason = reason
    obligation.status_changed_at = timezone.now()
    obligation.status_changed_by = actor
    obligation._history_user = actor  # type: ignore[attr-defined]
    obligation._change_reason = reason or evidence  # type: ignore[attr-defined]
    obligation.save(
        update_fields=["status", "evidence", "status_reason", "status_changed_at", "status_changed_by"]
    )
    audit.record(
        "obligation.status_changed",
        actor=actor,
        organisation_id=obligation.organisation_id,
        obj=obligation,
        data={"rule": obligation.rule_id, "from": old, "to": status},
    )
    return obligation


# Gate and hooks -----------------------------------------------------------------------------------------

_GATED = {"pilot", "in_service"}


def prohibited_practice_gate(tool: Tool, new_status: str) -> str | None:
    """legal-rules.md §5: "If Art. 5 is triggered, block the system. Do not offer a mitigation path."
    A tool whose facts match a prohibited practice cannot move to pilot or in service."""
    if new_status not in _GATED:
        return None
    hits = evaluate_tool(tool, rules=engine.prohibition_rules(), detail=False).prohibitions
    if not hits:
        return None
    articles = ", ".join(f"{o.rule.article} ({o.rule.id})" for o in hits)
    return _(
        "This tool matches a practice prohibited by the AI Act (%(articles)s): it cannot be piloted or put "
        "into service."
    ) % {"articles": articles}


def on_tool_changed(tool: Tool) -> None:
    reevaluate_tool(tool)


def on_organisation_changed(organisation_id: int) -> None:
    from revoyure.qualification.tasks import reevaluate_organisation_task

    reevaluate_organisation_task.enqueue(organisation_id)


def obligations_for_tool(tool: Tool) -> list[Obligation]:
    return list(Obligation.objects.filter(tool=tool).exclude(state=ObligationState.LAPSED))
