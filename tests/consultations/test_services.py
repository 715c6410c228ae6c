"""Services of the procedure: opening, information, expert, opinion, closing, facts for CT-4."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from revoyure.consultations import services
from revoyure.consultations.models import BodyConsultation, Consultation
from revoyure.core.models import AuditEntry
from revoyure.organisations.models import Agreement
from revoyure.organisations.services import create_staff_body
from revoyure.qualification.models import Obligation
from revoyure.qualification.services import get_answers
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june_2026() -> Any:
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        yield


def _counts() -> tuple[int, int, int]:
    return Consultation.objects.count(), BodyConsultation.objects.count(), AuditEntry.objects.count()


def test_open_writes_history_and_audit(personas: Any, consultation: Any, body: Any) -> None:
    assert consultation.status == "open"
    assert consultation.opened_by == personas.manager
    assert consultation.history.count() == 1
    assert body.deadline is None
    assert AuditEntry.objects.filter(action="consultation.opened", object_id=str(consultation.pk)).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": " "}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"staff_bodies": []}, "staff_bodies"),
        ({"agreed_period_days": 20}, "agreement"),
    ],
)
def test_open_refuses_bad_input_and_writes_nothing(
    personas: Any, new_tech: Any, cse: Any, kwargs: dict, field: str
) -> None:
    values = {"subject": "S", "staff_bodies": [cse], **kwargs}
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.open_consultation(new_tech, personas.manager, **values)
    assert field in caught.value.message_dict
    assert _counts() == before


def test_open_refuses_a_body_of_another_organisation(personas: Any, new_tech: Any) -> None:
    other = create_staff_body(personas.other_org, personas.outsider, kind="cse", name="Other CSE")
    with pytest.raises(ValidationError, match="another organisation"):
        services.open_consultation(new_tech, personas.manager, subject="S", staff_bodies=[other])


def test_agreed_period_under_15_days_is_refused(personas: Any, new_tech: Any, cse: Any) -> None:
    agreement = Agreement.objects.create(organisation=personas.org, title="Accord IA")
    with pytest.raises(ValidationError) as caught:
        services.open_consultation(
            new_tech,
            personas.manager,
            subject="S",
            staff_bodies=[cse],
            agreement=agreement,
            agreed_period_days=10,
        )
    assert caught.value.message_dict["agreed_period_days"] == [
        "A period set by an agreement cannot be shorter than 15 days (R2312-5); 10 days were given."
    ]


def test_agreed_period_sets_the_deadline(personas: Any, new_tech: Any, cse: Any) -> None:
    agreement = Agreement.objects.create(organisation=personas.org, title="Accord IA")
    c = services.open_consultation(
        new_tech,
        personas.manager,
        subject="S",
        staff_bodies=[cse],
        agreement=agreement,
        agreed_period_days=20,
    )
    body = services.record_information(c.bodies.get(), personas.manager, dt.date(2026, 6, 1))
    assert body.deadline == dt.date(2026, 6, 21)
    assert "Accord IA" in body.deadline_basis


def test_information_sets_the_deadline_and_the_ct4_facts(personas: Any, new_tech: Any, body: Any) -> None:
    body = services.record_information(body, personas.manager, dt.date(2026, 5, 31))
    assert body.deadline == dt.date(2026, 6, 30)
    assert get_answers(new_tech)["sys.consultation_info_date"] == "2026-05-31"
    ct4 = Obligation.objects.get(tool=new_tech, rule_id="CT-4")
    assert ct4.due_on == dt.date(2026, 6, 30)
    body = services.appoint_expert(body, personas.manager, "Cabinet Expertise", dt.date(2026, 6, 2))
    assert body.deadline == dt.date(2026, 7, 31)
    assert get_answers(new_tech)["sys.expert_appointed"] is True
    assert Obligation.objects.get(tool=new_tech, rule_id="CT-4").due_on == dt.date(2026, 7, 31)
    assert body.history.count() >= 3


def test_information_in_the_future_is_refused(personas: Any, body: Any) -> None:
    with pytest.raises(ValidationError, match="future"):
        services.record_information(body, personas.manager, dt.date(2026, 6, 16))


def test_opinion_needs_the_information_and_not_before_it(personas: Any, body: Any) -> None:
    with pytest.raises(ValidationError, match="information date first"):
        services.record_opinion(body, personas.manager, "favourable", opinion_on=dt.date(2026, 6, 1))
    services.record_information(body, personas.manager, dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="cannot be before"):
        services.record_opinion(body, personas.manager, "favourable", opinion_on=dt.date(2026, 5, 30))


def test_deemed_negative_cannot_be_recorded_by_hand(personas: Any, body: Any) -> None:
    services.record_information(body, personas.manager, dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as caught:
        services.record_opinion(body, personas.manager, "deemed_negative", opinion_on=dt.date(2026, 6, 10))
    assert "opinion" in caught.value.message_dict


def test_opinion_closes_the_consultation(personas: Any, consultation: Any, body: Any) -> None:
    services.record_information(body, personas.manager, dt.date(2026, 6, 1))
    body = services.record_opinion(
        body,
        personas.manager,
        "reservations",
        "Sous réserve d'un bilan",
        votes_for=5,
        votes_against=2,
        abstentions=1,
        opinion_on=dt.date(2026, 6, 12),
    )
    assert (body.opinion, body.votes_for, body.opinion_recorded_by) == ("reservations", 5, personas.manager)
    consultation.refresh_from_db()
    assert consultation.status == "closed"
    assert consultation.closed_at is not None
    assert AuditEntry.objects.filter(action="consultation.closed").count() == 1
    with pytest.raises(ValidationError, match="closed"):
        services.record_opinion(body, personas.manager, "favourable", opinion_on=dt.date(2026, 6, 12))


def test_consultation_stays_open_until_every_body_is_complete(personas: Any, new_tech: Any, cse: Any) -> None:
    cssct = create_staff_body(personas.org, personas.admin, kind="cssct", name="CSSCT")
    c = services.open_consultation(
        new_tech, personas.manager, subject="S", staff_bodies=[cse, cssct], purposes={cssct.pk: "information"}
    )
    first, second = c.bodies.order_by("pk")
    services.record_information(first, personas.manager, dt.date(2026, 6, 1))
    services.record_opinion(first, personas.manager, "favourable", opinion_on=dt.date(2026, 6, 2))
    c.refresh_from_db()
    assert c.status == "open"
    services.record_information(second, personas.manager, dt.date(2026, 6, 3))
    c.refresh_from_db()
    assert c.status == "closed"
    # Adding a body reopens the procedure.
    third = create_staff_body(personas.org, personas.admin, kind="cse_central", name="CSE central")
    services.add_body(c, personas.manager, third)
    c.refresh_from_db()
    assert c.status == "open"


def test_central_and_establishment_deadlines(personas: Any, new_tech: Any) -> None:
    central = create_staff_body(personas.org, personas.admin, kind="cse_central", name="CSE central")
    local = create_staff_body(personas.org, personas.admin, kind="cse_establishment", name="CSE Lyon")
    c = services.open_consultation(new_tech, personas.manager, subject="S", staff_bodies=[central, local])
    b_central, b_local = c.bodies.order_by("pk")
    services.record_information(b_central, personas.manager, dt.date(2026, 3, 1))
    services.record_information(b_local, personas.manager, dt.date(2026, 3, 2))
    services.appoint_expert(b_local, personas.manager, "Expert", dt.date(2026, 3, 5))
    b_central.refresh_from_db()
    b_local.refresh_from_db()
    assert b_central.deadline == dt.date(2026, 6, 1)
    assert b_local.deadline == dt.date(2026, 5, 25)
    assert get_answers(new_tech)["sys.expertise_central_and_establishment"] is True


def test_organisation_without_cse_gets_no_facts(personas: Any) -> None:
    org = OrganisationFactory()
    assert not org.staff_bodies.exists()
