"""The go-live gate (issue 4 §3; legal-rules CT-2, CT-3, AIA-08, FP-2 to FP-4; §5 "Block sys.pilot_start and
sys.go_live until the CSE opinion or the CT-4 deemed-negative date").

A tool cannot move to pilot (a pilot counts as a deployment: TJ Nanterre, 14 February 2025, quoted in CT-2)
or in service while a rule that requires a staff body's consultation applies to it and no closed
consultation of a body of the required kind exists for the tool. Web, API and import all reach this gate
through `registry.services.STATUS_GATES`.

Which rules require which kind of body is data (`REQUIRED_BODIES`); only those rules are evaluated, so the
check stays cheap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.qualification import engine
from revoyure.qualification.rules import Rule, RuleSet, rule_set
from revoyure.registry.choices import ToolStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from revoyure.registry.models import Tool

CSE_KINDS = frozenset({"cse", "cse_central", "cse_establishment"})
ALL_KINDS = frozenset({"cse", "cse_central", "cse_establishment", "cssct", "cst", "csa", "f3sct", "fs"})


@dataclass(frozen=True)
class Requirement:
    kinds: frozenset[str]
    # How the refusal names the missing procedure.
    procedure: StrOrPromise


# The rules that make a consultation (or the information of the representatives) a condition of a pilot or
# a go-live, and the kinds of staff body that satisfy each.
REQUIRED_BODIES: dict[str, Requirement] = {
    "CT-2": Requirement(CSE_KINDS, gettext_lazy("the CSE's consultation is not closed")),
    "CT-3": Requirement(CSE_KINDS, gettext_lazy("the CSE's consultation is not closed")),
    "AIA-08": Requirement(
        ALL_KINDS, gettext_lazy("the information of the workers' representatives is not closed")
    ),
    "FP-2": Requirement(frozenset({"cst"}), gettext_lazy("the CST's consultation is not closed")),
    "FP-3": Requirement(
        frozenset({"f3sct", "fs"}), gettext_lazy("the F3SCT's or FS's consultation is not closed")
    ),
    "FP-4a": Requirement(
        frozenset({"csa", "fs"}), gettext_lazy("the CSA's or FS's consultation is not closed")
    ),
}
GATE_RULES = frozenset(REQUIRED_BODIES)
GATED_STATUSES = frozenset({ToolStatus.PILOT, ToolStatus.IN_SERVICE})

_CODE = {"labour_code": "Code du travail", "ai_act": "AI Act"}


@cache
def gate_rules() -> RuleSet:
    return rule_set().subset(lambda r: r.id in GATE_RULES)


def citation(rule: Rule) -> str:
    """ "CT-2 (Code du travail L2312-8 II 4°, L2312-14)"."""
    code = _CODE.get(rule.family, "")
    return f"{rule.id} ({code + ' ' if code else ''}{rule.article})"


@dataclass(frozen=True)
class Required:
    rule: Rule
    requirement: Requirement
    satisfied: bool


def required_consultations(tool: Tool) -> list[Required]:
    """The gate's rules that apply to `tool` now, each with whether a closed consultation satisfies it."""
    from revoyure.qualification.services import evaluate_tool

    evaluation = evaluate_tool(tool, rules=gate_rules(), detail=False)
    applying = [o.rule for o in evaluation.outcomes if o.state == engine.APPLIES]
    if not applying:
        return []
    closed_kinds: set[str] = set()
    if tool.pk is not None:
        from revoyure.consultations.models import BodyConsultation, ConsultationStatus

        closed_kinds = set(
            BodyConsultation.objects.filter(
                consultation__tool_id=tool.pk, consultation__status=ConsultationStatus.CLOSED
            ).values_list("staff_body__kind", flat=True)
        )
    return [
        Required(rule, REQUIRED_BODIES[rule.id], bool(REQUIRED_BODIES[rule.id].kinds & closed_kinds))
        for rule in sorted(applying, key=lambda r: r.id)
    ]


def consultation_gate(tool: Tool, new_status: str) -> str | None:
    """A status gate: the refusal names each missing procedure (rule, article, body)."""
    if new_status not in GATED_STATUSES:
        return None
    missing = [r for r in required_consultations(tool) if not r.satisfied]
    if not missing:
        return None
    procedures = "; ".join(f"{citation(r.rule)} — {r.requirement.procedure}" for r in missing)
    return _("Consultation required before a pilot or go-live: %(procedures)s.") % {"procedures": procedures}
