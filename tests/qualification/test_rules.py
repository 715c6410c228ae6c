"""Every example of every rule file runs as a test, every rule of legal-rules.md §1.3-§3 is encoded, and the
classification is exact on each path of the AI Act decision (AI system, role, prohibited practice,
high-risk, transparency) and keeps GDPR and labour-law duties apart from it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from revoyure.qualification.engine import (
    APPLIES,
    LEGACY,
    NOT_APPLICABLE,
    TO_CLARIFY,
    TRIGGERED,
    UPCOMING,
    derive,
    evaluate,
)
from revoyure.qualification.facts import FACTS, parse_facts
from revoyure.qualification.rules import EXAMPLE_DATE, rule_set

RULES = rule_set()
REPO = Path(__file__).resolve().parents[2]
LEGAL_RULES = REPO.parent / "shared" / "spec" / "legal-rules.md"

# Used when the specification is not next to the repository (e.g. a release tarball).
FALLBACK_IDS = {
    *(f"PRO-{i}" for i in range(1, 4)),
    *(f"AIA-{i:02d}" for i in range(1, 17)),
    *(f"GDPR-{i}" for i in range(1, 7)),
    *(f"CT-{i}" for i in range(1, 15)),
    *(f"FP-{i}" for i in range(1, 5)),
}
FALLBACK_UNVERIFIED = {"CT-4", "CT-14", "GDPR-5", "FP-3", "FP-4"}

_ROW = re.compile(r"^\|\s*((?:PRO|AIA|GDPR|CT|FP)-\d+)†?\s*\|")


def _legal_rows() -> dict[str, str]:
    """Rule id → its table row, from legal-rules.md §1.3, §1.4, §2 and §3 (stops at §4)."""
    if not LEGAL_RULES.exists():
        return {}
    text = LEGAL_RULES.read_text(encoding="utf-8").split("\n## 4.")[0]
    return {m.group(1): line for line in text.splitlines() if (m := _ROW.match(line))}


def _spec_ids() -> tuple[set[str], set[str], set[str]]:
    """All ids, the [U] ones, and those backed by secondary sources only ([S] without [V])."""
    rows = _legal_rows()
    if not rows:
        return FALLBACK_IDS, FALLBACK_UNVERIFIED, set()
    unverified = {i for i, row in rows.items() if "[U]" in row}
    secondary = {i for i, row in rows.items() if "[S]" in row and "[V]" not in row} - unverified
    return set(rows), unverified, secondary


def _example_cases() -> list[Any]:
    cases = []
    for rule in RULES.rules:
        for group in ("triggers", "does_not_trigger", "unclear"):
            for i, example in enumerate(getattr(rule, group), start=1):
                cases.append(pytest.param(rule, group, example, id=f"{rule.id}-{group}-{i}"))
    return cases


@pytest.mark.parametrize(("rule", "group", "example"), _example_cases())
def test_rule_example(rule: Any, group: str, example: Any) -> None:
    at = example.at or EXAMPLE_DATE
    outcome = evaluate(example.facts, at, rules=RULES).outcome(rule.id)
    note = f"{rule.id} {group}: {example.note or example.facts}"
    if group == "triggers":
        if example.expect:
            assert outcome.state == example.expect, note
        else:
            assert outcome.state in TRIGGERED, note
        if outcome.state == UPCOMING:
            assert outcome.applies_from and at < outcome.applies_from, note
        if outcome.state == APPLIES and outcome.applies_from:
            assert at >= outcome.applies_from, note
    elif group == "does_not_trigger":
        assert outcome.state == NOT_APPLICABLE, note
    else:
        assert outcome.state == TO_CLARIFY, note
        assert set(example.missing) <= set(outcome.missing), (note, outcome.missing)
        assert outcome.missing, note  # "unclear" always names what to ask


def _definition_cases() -> list[Any]:
    return [
        pytest.param(d, example, id=f"{d.fact}-{i}")
        for d in RULES.definitions
        for i, example in enumerate(d.examples, start=1)
    ]


@pytest.mark.parametrize(("definition", "example"), _definition_cases())
def test_definition_example(definition: Any, example: Any) -> None:
    value = derive(example.facts, RULES.definitions)[definition.fact]
    expected = example.expect
    if isinstance(value, dt.date) and isinstance(expected, str):
        expected = dt.date.fromisoformat(expected)
    assert value is expected if isinstance(expected, bool | type(None)) else value == expected, example


def test_every_rule_has_examples_of_each_kind() -> None:
    for rule in RULES.rules:
        assert rule.triggers and rule.does_not_trigger and rule.unclear, rule.id
    for definition in RULES.definitions:
        assert definition.examples, definition.fact


def test_every_rule_of_legal_rules_is_encoded() -> None:
    ids, _, _ = _spec_ids()
    assert len(ids) >= 43  # PRO 3 + AIA 16 + GDPR 6 + CT 14 + FP 4
    assert ids <= set(RULES.by_id)


def test_the_legal_rules_specification_is_read() -> None:
    # The parsed table must agree with the list kept for when the file is absent.
    if LEGAL_RULES.exists():
        ids, unverified, _ = _spec_ids()
        assert ids == FALLBACK_IDS
        assert unverified == FALLBACK_UNVERIFIED


def test_unverified_rules_are_to_verify_and_sources_are_reflected() -> None:
    _, unverified, secondary = _spec_ids()
    for rule_id in unverified:
        assert RULES.by_id[rule_id].verification == "to_verify", rule_id
    for rule_id in secondary:
        assert RULES.by_id[rule_id].verification == "secondary", rule_id
    # A rule is only "to verify" for a reason: no verified rule carries an [U] row.
    assert {r.id for r in RULES.rules if r.verification == "to_verify"} >= unverified


def test_added_rules_of_the_2026_amendment() -> None:
    pro4, aia17 = RULES.by_id["PRO-4"], RULES.by_id["AIA-17"]
    assert pro4.effect == "prohibition" and pro4.timing.applies_from == dt.date(2026, 12, 2)
    assert aia17.responsible == "provider" and aia17.timing.applies_from == dt.date(2026, 12, 2)
    assert pro4.verification == aia17.verification == "secondary"


def test_application_dates_and_legacy_flags() -> None:
    by_id = RULES.by_id
    for rule_id in ("PRO-1", "PRO-2", "PRO-3", "AIA-01"):
        assert by_id[rule_id].timing.applies_from == dt.date(2025, 2, 2)
    for rule_id in ("AIA-14", "AIA-15", "AIA-16"):
        assert by_id[rule_id].timing.applies_from == dt.date(2026, 8, 2)
    for n in range(2, 14):  # the † rules of legal-rules.md §1.4
        timing = by_id[f"AIA-{n:02d}"].timing
        assert timing.applies_from == dt.date(2027, 12, 2) and timing.legacy_art_111_2
    for rule in RULES.rules:
        if rule.family == "gdpr" and rule.timing.applies_from:
            assert rule.timing.applies_from == dt.date(2018, 5, 25)
        if rule.effect == "prohibition":
            assert rule.id.startswith("PRO-") and rule.prohibited_point.startswith("5(1)")


def test_organisation_scope() -> None:
    scopes = {r.id: r.scope for r in RULES.rules}
    for rule_id in ("CT-1", "CT-8", "CT-9", "CT-10", "CT-11a", "CT-12", "CT-12a", "CT-13", "CT-14"):
        assert scopes[rule_id] == "organisation", rule_id
    for rule_id in ("FP-1", "FP-1a", "FP-4", "SC-1"):
        assert scopes[rule_id] == "organisation", rule_id
    assert scopes["CT-11"] == scopes["CT-2"] == scopes["FP-2"] == "tool"
    # Organisation rules read only organisation facts, so they can be evaluated without a tool.
    defs = {d.fact: d for d in RULES.definitions}
    for rule in RULES.rules:
        if rule.scope == "organisation":
            names = set(rule.condition.names)
            while any(n in defs for n in names):
                names = {m for n in names for m in (defs[n].expression.names if n in defs else {n})}
            assert all(n.startswith("org.") for n in names), rule.id


def test_every_rule_is_in_the_documentation() -> None:
    doc = (REPO / "docs" / "QUALIFICATION.md").read_text(encoding="utf-8")
    for rule in RULES.rules:
        assert f"| {rule.id} |" in doc, rule.id


# Classification paths -----------------------------------------------------------------------------------

PRIVATE = {"org.fp": "none", "org.legal_form": "private_company", "org.is_public_authority": False}


def _classify(at: dt.date = EXAMPLE_DATE, **raw: Any) -> Any:
    facts, errors = parse_facts({**PRIVATE, "org.headcount": 120, "org.has_cse": True, **raw})
    assert not errors
    return evaluate(facts, at, rules=RULES)


def _states(evaluation: Any, family: str | None = None) -> dict[str, str]:
    return {
        o.rule.id: o.state
        for o in evaluation.outcomes
        if (family is None or o.rule.family == family) and o.state != NOT_APPLICABLE
    }


def test_monitoring_software_that_is_not_ai_gets_labour_and_gdpr_duties_only() -> None:
    ev = _classify(
        **{
            "sys.infers_outputs": False,
            "sys.enables_activity_monitoring": True,
            "sys.personal_data": True,
            "sys.used_at_workplace": True,
        }
    )
    c = ev.classification
    assert c["ai_system"] == "no" and c["role"]["role"] == "none"
    assert c["high_risk"] == "no" and c["prohibited"] == [] and c["transparency"] == []
    ai_act = {o.rule.id for o in ev.outcomes if o.rule.family == "ai_act" and o.rule.scope == "tool"}
    assert all(ev.outcome(i).state == NOT_APPLICABLE for i in ai_act)
    assert {"CT-3", "CT-7", "CT-6"} <= set(c["labour_law"])
    assert {"GDPR-6", "GDPR-2", "GDPR-5"} <= set(c["gdpr"])
    assert ev.outcome("CT-3").state == APPLIES


def test_ai_system_unclear_is_explicit() -> None:
    ev = _classify(**{"sys.annex3_point": "4a", "sys.profiling": True})
    c = ev.classification
    assert c["ai_system"] == "unclear"
    assert c["high_risk"] == "unclear" and c["high_risk_basis"] == "unclear"
    assert ev.outcome("AIA-01").state == TO_CLARIFY
    assert "sys.infers_outputs" in ev.outcome("AIA-01").missing


@pytest.mark.parametrize(
    ("raw", "role", "basis"),
    [
        ({"sys.role": "deployer", "sys.in_house": False}, "deployer", "art. 3(4)"),
        ({"sys.role": "provider_in_house"}, "provider", "art. 3(3)"),
        ({"sys.role": "deployer", "sys.in_house": True}, "provider", "art. 3(3)"),
        (
            {"sys.role": "provider_own_name", "sys.annex3_point": "4a", "sys.profiling": True},
            "provider",
            "art. 25(1)(a)",
        ),
        (
            {
                "sys.role": "provider_substantial_modification",
                "sys.annex3_point": "4b",
                "sys.profiling": True,
            },
            "provider",
            "art. 25(1)(b)",
        ),
        (
            {"sys.role": "provider_repurposed", "sys.annex3_point": "4a", "sys.profiling": True},
            "provider",
            "art. 25(1)(c)",
        ),
        # Art. 25(1) needs a high-risk system: otherwise the organisation stays a deployer.
        (
            {"sys.role": "provider_own_name", "sys.annex3_point": "none", "sys.in_house": False},
            "deployer",
            "art. 3(4)",
        ),
        ({"sys.role": "provider_repurposed", "sys.in_house": False}, "unclear", "art. 25(1)"),
        ({"sys.role": "deployer"}, "unclear", "art. 3(3)"),
    ],
)
def test_role(raw: dict[str, Any], role: str, basis: str) -> None:
    c = _classify(**{"sys.infers_outputs": True, **raw}).classification
    assert c["role"] == {"role": role, "basis": basis}


@pytest.mark.parametrize(
    ("raw", "rule_id", "point"),
    [
        (
            {
                "sys.infers_emotions": True,
                "sys.uses_biometric_data": True,
                "sys.used_at_workplace": True,
                "sys.purpose_medical_or_safety": False,
            },
            "PRO-1",
            "5(1)(f)",
        ),
        ({"sys.social_scoring_detrimental": True}, "PRO-2", "5(1)(c)"),
        ({"sys.biometric_categorisation": True, "sys.infers_sensitive_traits": True}, "PRO-3", "5(1)(g)"),
        ({"sys.generates_intimate_or_csam_content": True}, "PRO-4", "5(1)(ba)/(bb)"),
    ],
)
def test_prohibited_practice_names_its_point(raw: dict[str, Any], rule_id: str, point: str) -> None:
    ev = _classify(**{"sys.infers_outputs": True, **raw})
    assert {"rule": rule_id, "point": point, "state": APPLIES} in ev.classification["prohibited"]
    assert [o.rule.id for o in ev.prohibitions] == [rule_id]


def test_prohibition_not_yet_applicable_is_upcoming_and_does_not_gate() -> None:
    ev = _classify(
        dt.date(2026, 12, 1), **{"sys.infers_outputs": True, "sys.generates_intimate_or_csam_content": True}
    )
    assert {"rule": "PRO-4", "point": "5(1)(ba)/(bb)", "state": UPCOMING} in ev.classification["prohibited"]
    assert ev.prohibitions == []


def test_unknown_prohibition_screen_is_listed_as_to_clarify() -> None:
    ev = _classify(**{"sys.infers_outputs": True, "sys.infers_emotions": True, "sys.used_at_workplace": True})
    pro1 = ev.outcome("PRO-1")
    assert pro1.state == TO_CLARIFY
    assert {"sys.uses_biometric_data", "sys.purpose_medical_or_safety"} <= set(pro1.missing)
    assert {"rule": "PRO-1", "point": "5(1)(f)", "state": TO_CLARIFY} in ev.classification["prohibited"]


@pytest.mark.parametrize(
    ("raw", "high_risk", "basis", "point"),
    [
        (
            {"sys.annex3_point": "4a", "sys.profiling": True, "sys.art6_3_exemption_documented": True},
            "yes",
            "profiling_override",
            "4a",
        ),
        (
            {"sys.annex3_point": "4b", "sys.profiling": False, "sys.art6_3_exemption_documented": False},
            "yes",
            "annex3",
            "4b",
        ),
        (
            {"sys.annex3_point": "4a", "sys.profiling": False, "sys.art6_3_exemption_documented": True},
            "no",
            "art6_3_exemption",
            "4a",
        ),
        ({"sys.annex3_point": "none"}, "no", "", "none"),
        ({"sys.annex3_point": "4a", "sys.art6_3_exemption_documented": True}, "unclear", "unclear", "4a"),
        ({}, "unclear", "unclear", None),
        # CL-3: emotion recognition outside work and education is Annex III 1(c), whatever was declared.
        (
            {
                "sys.annex3_point": "none",
                "sys.infers_emotions": True,
                "sys.uses_biometric_data": True,
                "sys.used_at_workplace": False,
                "sys.used_in_education": False,
                "sys.art6_3_exemption_documented": False,
            },
            "yes",
            "annex3",
            "1c",
        ),
    ],
)
def test_high_risk_by_annex_iii_with_the_art_6_3_exemption(
    raw: dict[str, Any], high_risk: str, basis: str, point: str | None
) -> None:
    c = _classify(**{"sys.infers_outputs": True, **raw}).classification
    assert (c["high_risk"], c["high_risk_basis"], c["annex3_point"]) == (high_risk, basis, point)


def test_high_risk_duties_of_a_private_hr_system() -> None:
    ev = _classify(
        **{
            "sys.infers_outputs": True,
            "sys.role": "deployer",
            "sys.in_house": False,
            "sys.annex3_point": "4a",
            "sys.profiling": True,
            "sys.used_at_workplace": True,
            "sys.personal_data": True,
            "sys.decision_role": "decisive",
            "sys.legal_or_similarly_significant_effect": True,
            "sys.pilot_start": "2028-03-01",
            "org.private_providing_public_service": False,
        }
    )
    states = _states(ev, "ai_act")
    for rule_id in ("AIA-02", "AIA-03", "AIA-05", "AIA-08", "AIA-10", "AIA-11", "AIA-13"):
        assert states[rule_id] == APPLIES, rule_id
    # A private company's HR system alone triggers neither the FRIA nor public registration.
    assert ev.outcome("AIA-12").state == ev.outcome("AIA-09").state == NOT_APPLICABLE
    assert ev.outcome("DEF-3").state == NOT_APPLICABLE  # a deployer, not a provider
    assert ev.outcome("AIA-08").due == dt.date(2028, 3, 1)


def test_transparency_duties_are_listed() -> None:
    ev = _classify(
        **{
            "sys.infers_outputs": True,
            "sys.role": "provider_in_house",
            "sys.interacts_with_persons": True,
            "sys.generates_deepfake": True,
        }
    )
    assert set(ev.classification["transparency"]) == {"AIA-15", "AIA-16"}


def test_legacy_classification() -> None:
    raw = {
        "sys.infers_outputs": True,
        "sys.annex3_point": "4b",
        "sys.profiling": True,
        "sys.go_live": "2026-01-05",
    }
    ev = _classify(**raw, **{"sys.significant_design_change": False})
    assert ev.classification["legacy_art_111_2"] == "yes"
    assert ev.outcome("AIA-02").state == LEGACY
    changed = _classify(**raw, **{"sys.significant_design_change": True})
    assert changed.classification["legacy_art_111_2"] == "no"
    assert changed.outcome("AIA-02").state == APPLIES


def test_public_bodies_get_public_service_rules_not_the_labour_code() -> None:
    facts, errors = parse_facts(
        {
            "org.fp": "territoriale",
            "org.legal_form": "local_authority",
            "org.is_public_authority": True,
            "org.headcount": 250,
            "sys.infers_outputs": False,
            "sys.reorganises_services": True,
            "sys.new_technology_for_org": True,
            "sys.enables_activity_monitoring": True,
        }
    )
    assert not errors
    ev = evaluate(facts, EXAMPLE_DATE, rules=RULES)
    labour = ev.classification["labour_law"]
    assert {"FP-1", "FP-1a", "FP-2", "FP-3"} <= set(labour)
    assert not [i for i in labour if i.startswith("CT-")]
    assert "GDPR-6" in ev.classification["gdpr"]


def test_facts_catalogue_has_the_added_questions() -> None:
    for name in ("sys.used_in_education", "sys.generates_synthetic_content"):
        assert FACTS[name].source == "stored"
