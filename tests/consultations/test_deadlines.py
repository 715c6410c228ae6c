"""CT-4 deadlines (R2312-5, R2312-6, L2312-16): pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from revoyure.consultations.deadlines import (
    BodyFacts,
    add_months,
    agreed_period_error,
    compute,
    statutory_months,
)

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 10, 5), 2, D(2026, 12, 5)),
    ],
)
def test_month_arithmetic_clamps_to_the_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_one_month_without_expert() -> None:
    [d] = compute([BodyFacts("cse", D(2026, 1, 31))])
    assert d.date == D(2026, 2, 28)
    assert d.basis == "1 month from the information (R2312-5, R2312-6)"


def test_two_months_with_an_expert() -> None:
    [d] = compute([BodyFacts("cse", D(2026, 1, 10), has_expert=True)])
    assert d.date == D(2026, 3, 10)
    assert "expert" in d.basis


def test_three_months_with_expertise_at_central_and_establishment_level() -> None:
    bodies = [
        BodyFacts("cse_central", D(2026, 1, 10), has_expert=True),
        BodyFacts("cse_establishment", D(2026, 1, 12)),
    ]
    assert statutory_months(bodies) == 3
    central, establishment = compute(bodies)
    assert central.date == D(2026, 4, 10)
    # R2312-6: the establishment's opinion is due 7 days before the central CSE's deadline.
    assert establishment.date == D(2026, 4, 3)
    assert establishment.basis == "7 days before the central CSE's deadline of 2026-04-10 (R2312-6)"


def test_central_and_establishment_without_expert_is_one_month() -> None:
    central, establishment = compute(
        [BodyFacts("cse_central", D(2026, 1, 10)), BodyFacts("cse_establishment", D(2026, 1, 10))]
    )
    assert central.date == D(2026, 2, 10)
    assert establishment.date == D(2026, 2, 3)


def test_several_expertises_give_three_months() -> None:
    bodies = [
        BodyFacts("cse_establishment", D(2026, 1, 10), has_expert=True),
        BodyFacts("cse_establishment", D(2026, 1, 10), has_expert=True),
    ]
    assert [d.date for d in compute(bodies)] == [D(2026, 4, 10), D(2026, 4, 10)]


def test_no_information_no_deadline() -> None:
    [d] = compute([BodyFacts("cse", None)])
    assert d.date is None
    assert d.basis == "The period starts when the information is given (R2312-5)"


def test_an_agreement_overrides_the_statutory_period() -> None:
    [d] = compute(
        [BodyFacts("cse", D(2026, 1, 10), has_expert=True)], agreed_period_days=21, agreement="Accord IA"
    )
    assert d.date == D(2026, 1, 31)
    assert d.basis == "21 days set by the agreement “Accord IA” (L2312-16)"


def test_agreed_period_minimum_is_15_days() -> None:
    assert agreed_period_error(15) is None
    assert agreed_period_error(14) == (
        "A period set by an agreement cannot be shorter than 15 days (R2312-5); 14 days were given."
    )
    assert agreed_period_error(400) is not None


@pytest.mark.parametrize("kind", ["cst", "csa", "f3sct", "fs", "cssct"])
def test_public_service_bodies_have_no_statutory_period(kind: str) -> None:
    [d] = compute([BodyFacts(kind, D(2026, 1, 10))])
    assert d.date is None
    assert d.basis.startswith("No statutory period for this body")
    [agreed] = compute(
        [BodyFacts(kind, D(2026, 1, 10))], agreed_period_days=30, agreement="Règlement intérieur"
    )
    assert agreed.date == D(2026, 2, 9)


def test_information_only_has_no_deadline() -> None:
    [d] = compute([BodyFacts("cse", D(2026, 1, 10), consulted=False)])
    assert (d.date, d.basis) == (None, "Information only: no opinion is due")
