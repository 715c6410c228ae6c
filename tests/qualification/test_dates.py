"""Dates of application around their boundaries (AI Act art. 113 as amended, art. 111(2) legacy systems),
and the deadlines the rules compute (CT-4 consultation periods, AIA-06 incident reports, CT-11a)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from revoyure.qualification.engine import APPLIES, LEGACY, TO_CLARIFY, UPCOMING, evaluate
from revoyure.qualification.facts import parse_facts
from revoyure.qualification.rules import rule_set

D = dt.date
PRIVATE = {
    "org.fp": "none",
    "org.legal_form": "private_company",
    "org.is_public_authority": False,
    "org.headcount": 120,
}
PUBLIC = {
    "org.fp": "territoriale",
    "org.legal_form": "local_authority",
    "org.is_public_authority": True,
    "org.headcount": 400,
}
AI = {"sys.infers_outputs": True, "sys.role": "deployer", "sys.in_house": False}
HR = {**AI, "sys.annex3_point": "4a", "sys.profiling": True, "sys.used_at_workplace": True}


def outcome(rule_id: str, raw: dict[str, Any], at: dt.date) -> Any:
    facts, errors = parse_facts(raw)
    assert not errors, errors
    return evaluate(facts, at, rules=rule_set()).outcome(rule_id)


@pytest.mark.parametrize(
    ("rule_id", "raw", "boundary"),
    [
        ("AIA-01", {**PRIVATE, **AI}, D(2025, 2, 2)),  # art. 4
        (
            "PRO-1",
            {
                **AI,
                "sys.infers_emotions": True,
                "sys.uses_biometric_data": True,
                "sys.used_at_workplace": True,
                "sys.purpose_medical_or_safety": False,
            },
            D(2025, 2, 2),
        ),  # art. 5
        ("AIA-15", {**AI, "sys.generates_deepfake": True}, D(2026, 8, 2)),  # art. 50
        (
            "AIA-16",
            {**AI, "sys.role": "provider_in_house", "sys.interacts_with_persons": True},
            D(2026, 8, 2),
        ),
        (
            "PRO-4",
            {**AI, "sys.generates_intimate_or_csam_content": True},
            D(2026, 12, 2),
        ),  # new art. 5(1)(ba)/(bb)
        (
            "AIA-17",
            {
                **AI,
                "sys.role": "provider_in_house",
                "sys.generates_synthetic_content": True,
                "sys.placed_on_market_before_2026_08": True,
            },
            D(2026, 12, 2),
        ),  # art. 50(2) via the new art. 111(4)
        ("AIA-08", {**PRIVATE, **HR, "sys.pilot_start": "2028-03-01"}, D(2027, 12, 2)),  # Annex III
        ("AIA-12", {**PUBLIC, **HR, "sys.go_live": "2028-01-10"}, D(2027, 12, 2)),
        # A public authority's legacy system must comply by 2 August 2030 (art. 111(2)).
        (
            "AIA-02",
            {**PUBLIC, **HR, "sys.go_live": "2026-01-10", "sys.significant_design_change": False},
            D(2030, 8, 2),
        ),
    ],
)
def test_application_date_boundary(rule_id: str, raw: dict[str, Any], boundary: dt.date) -> None:
    day_before = boundary - dt.timedelta(days=1)
    before, on = outcome(rule_id, raw, day_before), outcome(rule_id, raw, boundary)
    assert before.state == UPCOMING and before.applies_from == boundary
    assert before.due is not None and before.due >= boundary
    assert on.state == APPLIES and on.applies_from == boundary


@pytest.mark.parametrize("today", ["2026-08-01", "2026-08-02"])
def test_boundary_with_the_clock(today: str) -> None:
    # The services evaluate at today's date: with the clock moved, art. 50 starts on 2 August 2026.
    with time_machine.travel(dt.datetime.fromisoformat(f"{today}T10:00:00+02:00"), tick=False):
        state = outcome("AIA-15", {**AI, "sys.generates_deepfake": True}, timezone.localdate()).state
    assert state == (UPCOMING if today == "2026-08-01" else APPLIES)


def test_prohibition_applies_on_2_february_2025_and_gates_only_then() -> None:
    raw = {**AI, "sys.social_scoring_detrimental": True}
    facts, _ = parse_facts(raw)
    assert evaluate(facts, D(2025, 2, 1)).prohibitions == []
    assert [o.rule.id for o in evaluate(facts, D(2025, 2, 2)).prohibitions] == ["PRO-2"]


class TestLegacySystems:
    """Art. 111(2): a high-risk system in service before 2 December 2027 is caught only after a
    significant change in its design; a public authority must comply by 2 August 2030."""

    def test_private_legacy_system_is_not_caught(self) -> None:
        raw = {**PRIVATE, **HR, "sys.go_live": "2027-12-01", "sys.significant_design_change": False}
        assert outcome("AIA-08", raw, D(2028, 6, 1)).state == LEGACY
        assert outcome("AIA-08", raw, D(2031, 1, 1)).state == LEGACY  # never, without a change

    def test_first_day_of_annex_iii_is_not_legacy(self) -> None:
        raw = {**PRIVATE, **HR, "sys.go_live": "2027-12-02", "sys.significant_design_change": False}
        result = outcome("AIA-08", raw, D(2027, 12, 2))
        assert result.state == APPLIES and result.due == D(2027, 12, 2)

    def test_significant_change_brings_it_in(self) -> None:
        raw = {**PRIVATE, **HR, "sys.go_live": "2026-05-01", "sys.significant_design_change": True}
        assert outcome("AIA-08", raw, D(2028, 6, 1)).state == APPLIES

    def test_market_date_earlier_than_own_use_counts(self) -> None:
        raw = {
            **PRIVATE,
            **HR,
            "sys.first_use_date": "2027-06-01",
            "sys.pilot_start": "2028-02-01",
            "sys.significant_design_change": False,
        }
        assert outcome("AIA-08", raw, D(2028, 6, 1)).state == LEGACY

    def test_design_change_unknown_before_and_after_the_date(self) -> None:
        raw = {**PRIVATE, **HR, "sys.go_live": "2026-05-01"}
        # Before 2 December 2027 no change "since" that date can have happened yet.
        assert outcome("AIA-08", raw, D(2027, 12, 1)).state == LEGACY
        after = outcome("AIA-08", raw, D(2027, 12, 2))
        assert after.state == TO_CLARIFY and after.missing == ["sys.significant_design_change"]

    def test_public_authority_legacy_deadline(self) -> None:
        raw = {**PUBLIC, **HR, "sys.go_live": "2026-05-01", "sys.significant_design_change": False}
        before = outcome("AIA-08", raw, D(2030, 8, 1))
        assert before.state == UPCOMING and before.applies_from == D(2030, 8, 2)
        assert before.due == D(2030, 8, 2)  # a duty "before first use" cannot fall due before it applies
        on = outcome("AIA-08", raw, D(2030, 8, 2))
        assert on.state == APPLIES and on.due == D(2030, 8, 2)
        assert not on.is_overdue(D(2030, 8, 2)) and on.is_overdue(D(2030, 8, 3))

    def test_no_date_keeps_it_undecided(self) -> None:
        result = outcome("AIA-08", {**PRIVATE, **HR}, D(2028, 6, 1))
        assert result.state == TO_CLARIFY and result.missing == ["sys.first_use_date"]

    def test_non_legacy_rules_ignore_art_111_2(self) -> None:
        raw = {**PRIVATE, **AI, "sys.go_live": "2020-01-01", "sys.generates_deepfake": True}
        assert outcome("AIA-15", raw, D(2028, 6, 1)).state == APPLIES


CSE = {"org.fp": "none", "org.headcount": 80, "org.has_cse": True, "sys.new_technology_for_org": True}


@pytest.mark.parametrize(
    ("info", "expert", "both", "due"),
    [
        ("2026-03-15", False, False, D(2026, 4, 15)),
        ("2026-01-31", False, False, D(2026, 2, 28)),  # 31 January + 1 month: the month's last day
        ("2028-01-31", False, False, D(2028, 2, 29)),  # leap year
        ("2026-01-31", True, False, D(2026, 3, 31)),  # expert: 2 months
        ("2026-12-31", True, False, D(2027, 2, 28)),  # across the year
        ("2026-01-31", True, True, D(2026, 4, 30)),  # central and establishment expertises: 3 months
        ("2026-11-30", False, True, D(2027, 2, 28)),
        ("2026-01-31", None, None, D(2026, 2, 28)),  # unknown expertise: the base period
    ],
)
def test_ct4_consultation_period(info: str, expert: Any, both: Any, due: dt.date) -> None:
    raw = {
        **CSE,
        "sys.consultation_info_date": info,
        "sys.expert_appointed": expert,
        "sys.expertise_central_and_establishment": both,
    }
    result = outcome("CT-4", raw, D(2026, 2, 1))
    assert result.due == due
    assert result.state == APPLIES


def test_ct4_overdue_after_its_deadline() -> None:
    result = outcome("CT-4", {**CSE, "sys.consultation_info_date": "2026-01-31"}, D(2026, 3, 1))
    assert not result.is_overdue(D(2026, 2, 28)) and result.is_overdue(D(2026, 3, 1))


INCIDENT = {
    **PRIVATE,
    **HR,
    "sys.pilot_start": "2028-01-10",
    "sys.serious_incident": True,
    "sys.provider_unreachable": True,
    "sys.incident_awareness_date": "2028-04-20",
}


@pytest.mark.parametrize(
    ("death", "widespread", "due"),
    [
        (False, False, D(2028, 5, 5)),  # 15 days
        (True, False, D(2028, 4, 30)),  # 10 days if death
        (False, True, D(2028, 4, 22)),  # 2 days: widespread infringement or critical infrastructure
        (True, True, D(2028, 4, 22)),  # the shortest applies
    ],
)
def test_aia06_incident_report_deadline(death: bool, widespread: bool, due: dt.date) -> None:
    raw = {**INCIDENT, "sys.incident_death": death, "sys.incident_widespread": widespread}
    result = outcome("AIA-06", raw, D(2028, 4, 21))
    assert result.state == APPLIES and result.due == due


def test_ct11a_annual_duerp_update() -> None:
    raw = {"org.fp": "none", "org.headcount": 11, "org.last_duerp_update": "2027-02-28"}
    result = outcome("CT-11a", raw, D(2027, 6, 1))
    assert result.state == APPLIES and result.due == D(2028, 2, 28)
    leap = outcome("CT-11a", {**raw, "org.last_duerp_update": "2028-02-29"}, D(2028, 6, 1))
    assert leap.due == D(2029, 2, 28)


def test_before_first_use_is_due_at_the_pilot() -> None:
    raw = {**CSE, "sys.pilot_start": "2027-03-01", "sys.go_live": "2027-06-01"}
    assert outcome("CT-2", raw, D(2027, 1, 1)).due == D(2027, 3, 1)


def test_continuous_duties_have_no_due_date() -> None:
    result = outcome("AIA-01", {**PRIVATE, **AI}, D(2028, 6, 1))
    assert result.state == APPLIES and result.due is None
    assert outcome("AIA-15", {**AI, "sys.generates_deepfake": True}, D(2028, 6, 1)).due is None
