"""Review clauses (issue 6 §1): the services that write them and the pages that add, change, deactivate and
reactivate them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.organisations.models import Agreement, StaffBody
from revoyure.reviews import fanout, services_clauses
from revoyure.reviews.models import ReviewClause, ReviewMeeting
from revoyure.reviews.services_events import create_event
from tests.conftest import Personas
from tests.factories import UserFactory, make_tool
from tests.reviews.conftest import make_clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(personas: Personas) -> Agreement:
    return Agreement.objects.create(
        organisation=personas.org, title="Accord IA", kind="collective", signed_on=dt.date(2026, 1, 15)
    )


@pytest.fixture
def cse(personas: Personas) -> StaffBody:
    return StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE")


def values(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Clause outils RH",
        "scope": "all",
        "triggers": ["vendor_instructions_update", "founded_report"],
        "notice_days": 20,
        "include_committee": True,
    }
    return {**base, **overrides}


def url(name: str, personas: Personas, **kwargs: Any) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": personas.org.slug, **kwargs})


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Clause de revoyure RH",
        "scope": "all",
        "triggers": ["vendor_instructions_update", "delegate_signal"],
        "minimum_frequency_months": "12",
        "notice_days": "15",
        "include_committee": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Services ------------------------------------------------------------------------------------------------


def test_create_clause_records_everything_with_history_and_audit(
    personas: Personas, agreement: Agreement, cse: StaffBody, tool: Any
) -> None:
    clause = services_clauses.create_clause(
        agreement,
        personas.manager,
        **values(
            scope="tools",
            tools=[tool],
            triggers=["founded_report", "vendor_instructions_update", "founded_report"],
            minimum_frequency_months=12,
            staff_bodies=[cse],
            participants=[personas.staff_rep],
        ),
    )
    clause.refresh_from_db()
    assert clause.organisation_id == personas.org.pk and clause.agreement_id == agreement.pk
    # triggers.yaml's order, without repeats.
    assert clause.triggers == ["vendor_instructions_update", "founded_report"]
    assert (clause.scope, clause.minimum_frequency_months, clause.notice_days) == ("tools", 12, 20)
    assert list(clause.tools.all()) == [tool]
    assert list(clause.staff_bodies.all()) == [cse]
    assert list(clause.participants.all()) == [personas.staff_rep]
    assert clause.history.latest().history_user == personas.manager
    entry = AuditEntry.objects.get(action="review.clause_created")
    assert entry.data["tools"] == [tool.pk] and entry.data["participants"] == [personas.staff_rep.pk]


def test_a_clause_on_all_tools_keeps_no_category_nor_tool(
    personas: Personas, agreement: Agreement, tool: Any
) -> None:
    clause = services_clauses.create_clause(
        agreement, personas.manager, **values(categories=["recruitment"], tools=[tool])
    )
    assert clause.categories == [] and not clause.tools.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"scope": "everything"}, "scope"),
        ({"scope": "category", "categories": []}, "categories"),
        ({"scope": "category", "categories": ["astrology"]}, "categories"),
        ({"scope": "tools", "tools": []}, "tools"),
        ({"triggers": ["moon_phase"]}, "triggers"),
        ({"triggers": [], "minimum_frequency_months": None}, "triggers"),
        ({"minimum_frequency_months": 0}, "minimum_frequency_months"),
        ({"minimum_frequency_months": 61}, "minimum_frequency_months"),
        ({"notice_days": 0}, "notice_days"),
        ({"notice_days": 181}, "notice_days"),
        ({"include_committee": False}, "participants"),
    ],
)
def test_create_clause_refuses_bad_values_and_writes_nothing(
    personas: Personas, agreement: Agreement, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services_clauses.create_clause(agreement, personas.manager, **values(**overrides))
    assert field in caught.value.message_dict
    assert not ReviewClause.objects.exists()
    assert not AuditEntry.objects.filter(action="review.clause_created").exists()


def test_a_clause_with_only_a_minimum_frequency_is_accepted(personas: Personas, agreement: Agreement) -> None:
    clause = services_clauses.create_clause(
        agreement, personas.manager, **values(triggers=[], minimum_frequency_months=6)
    )
    assert clause.triggers == [] and clause.minimum_frequency_months == 6


def test_create_clause_refuses_a_tool_of_another_organisation(
    personas: Personas, agreement: Agreement
) -> None:
    theirs = make_tool(personas.other_org, personas.outsider, name="Leur outil")
    with pytest.raises(ValidationError) as caught:
        services_clauses.create_clause(agreement, personas.manager, **values(scope="tools", tools=[theirs]))
    assert "tools" in caught.value.message_dict
    assert not ReviewClause.objects.exists()


def test_create_clause_refuses_a_staff_body_of_another_organisation(
    personas: Personas, agreement: Agreement
) -> None:
    theirs = StaffBody.objects.create(organisation=personas.other_org, kind="cse", name="Leur CSE")
    with pytest.raises(ValidationError) as caught:
        services_clauses.create_clause(agreement, personas.manager, **values(staff_bodies=[theirs]))
    assert "staff_bodies" in caught.value.message_dict


def test_create_clause_refuses_a_person_outside_the_organisation(
    personas: Personas, agreement: Agreement
) -> None:
    with pytest.raises(ValidationError) as caught:
        services_clauses.create_clause(
            agreement, personas.manager, **values(participants=[personas.outsider, UserFactory()])
        )
    assert "participants" in caught.value.message_dict


def test_update_clause_changes_values_with_reason_and_audit(
    personas: Personas, agreement: Agreement, cse: StaffBody
) -> None:
    clause = services_clauses.create_clause(agreement, personas.manager, **values())
    updated = services_clauses.update_clause(
        clause,
        personas.delegate,
        reason="Avenant du 2 mars",
        notice_days=30,
        staff_bodies=[cse],
        scope="category",
        categories=["recruitment", "scheduling"],
    )
    assert (updated.notice_days, updated.scope, updated.categories) == (
        30,
        "category",
        ["recruitment", "scheduling"],
    )
    assert list(updated.staff_bodies.all()) == [cse]
    latest = updated.history.latest()
    assert latest.history_change_reason == "Avenant du 2 mars" and latest.history_user == personas.delegate
    changes = AuditEntry.objects.get(action="review.clause_updated").data["changes"]
    assert changes == {
        "scope": "category",
        "categories": ["recruitment", "scheduling"],
        "notice_days": 30,
        "staff_bodies": [cse.pk],
    }


def test_update_clause_of_only_the_participants_still_writes_history(
    personas: Personas, agreement: Agreement
) -> None:
    clause = services_clauses.create_clause(agreement, personas.manager, **values())
    versions = clause.history.count()
    services_clauses.update_clause(
        clause, personas.manager, reason="Nouveau DS", participants=[personas.staff_rep]
    )
    assert clause.history.count() == versions + 1
    assert list(clause.participants.all()) == [personas.staff_rep]


def test_update_clause_without_change_writes_nothing(personas: Personas, agreement: Agreement) -> None:
    clause = services_clauses.create_clause(agreement, personas.manager, **values())
    versions = clause.history.count()
    services_clauses.update_clause(clause, personas.manager, title="Clause outils RH", notice_days=20)
    assert clause.history.count() == versions
    assert not AuditEntry.objects.filter(action="review.clause_updated").exists()


def test_update_clause_refuses_a_tool_of_another_organisation(
    personas: Personas, agreement: Agreement
) -> None:
    clause = services_clauses.create_clause(agreement, personas.manager, **values())
    theirs = make_tool(personas.other_org, personas.outsider, name="Leur outil")
    with pytest.raises(ValidationError):
        services_clauses.update_clause(clause, personas.manager, scope="tools", tools=[theirs])
    clause.refresh_from_db()
    assert clause.scope == "all" and not clause.tools.exists()


def test_deactivating_and_reactivating_a_clause(personas: Personas, agreement: Agreement) -> None:
    clause = services_clauses.create_clause(agreement, personas.manager, **values())
    services_clauses.set_clause_active(clause, personas.manager, False, "Outil retiré")
    clause.refresh_from_db()
    assert not clause.active
    assert clause.history.latest().history_change_reason == "Outil retiré"
    with pytest.raises(ValidationError):
        services_clauses.set_clause_active(clause, personas.manager, False)
    services_clauses.set_clause_active(clause, personas.manager, True)
    clause.refresh_from_db()
    assert clause.active
    actions = list(
        AuditEntry.objects.filter(action__startswith="review.clause_").values_list("action", flat=True)
    )
    assert actions == ["review.clause_created", "review.clause_deactivated", "review.clause_activated"]


def test_an_inactive_clause_schedules_no_meeting(personas: Personas, tool: Any) -> None:
    clause = make_clause(personas.org)
    services_clauses.set_clause_active(clause, personas.manager, False)
    event, _created = create_event(
        organisation_id=personas.org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Signalement",
        occurred_on=dt.date(2026, 5, 4),
        confirmed=False,
    )
    type(event).objects.filter(pk=event.pk).update(status="confirmed")
    assert fanout.fan_out_event(event.pk) == 0
    assert not ReviewMeeting.objects.exists()


# Pages ---------------------------------------------------------------------------------------------------


def test_the_clause_form_shows_the_trigger_events_with_the_roadmap_words(
    personas: Personas, agreement: Agreement
) -> None:
    response = personas.client("manager").get(url("clause_new", personas, agreement_id=agreement.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="vendor_post_market_evaluation"' in body
    assert "The vendor publishes updated instructions for use" in body
    assert "mise à jour publique par le fournisseur de la notice de l&#x27;outil" in body


def test_a_manager_adds_a_clause(personas: Personas, agreement: Agreement, cse: StaffBody, tool: Any) -> None:
    response = personas.client("manager").post(
        url("clause_new", personas, agreement_id=agreement.pk),
        form_data(
            scope="tools",
            tools=[str(tool.pk)],
            staff_bodies=[str(cse.pk)],
            participants=[str(personas.staff_rep.pk)],
        ),
    )
    assert response.status_code == 302
    clause = ReviewClause.objects.get()
    assert clause.agreement_id == agreement.pk and clause.organisation_id == personas.org.pk
    assert clause.triggers == ["vendor_instructions_update", "delegate_signal"]
    assert clause.minimum_frequency_months == 12 and clause.include_committee
    assert list(clause.tools.all()) == [tool]
    assert list(clause.participants.all()) == [personas.staff_rep]


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"scope": "galaxy"},
        {"triggers": ["moon_phase"]},
        {"minimum_frequency_months": "0"},
        {"minimum_frequency_months": "61"},
        {"minimum_frequency_months": "douze"},
        {"notice_days": "181"},
        {"notice_days": ""},
        {"scope": "category"},
        {"scope": "category", "categories": ["astrology"]},
        {"scope": "tools"},
        {"tools": ["999999999"], "scope": "tools"},
        {"include_committee": None},
        {"triggers": None, "minimum_frequency_months": None},
    ],
)
def test_bad_clause_input_is_400_and_writes_nothing(
    personas: Personas, agreement: Agreement, overrides: dict[str, Any]
) -> None:
    response = personas.client("manager").post(
        url("clause_new", personas, agreement_id=agreement.pk), form_data(**overrides)
    )
    assert response.status_code == 400
    assert not ReviewClause.objects.exists()


def test_a_tool_body_or_person_of_another_organisation_is_400(
    personas: Personas, agreement: Agreement
) -> None:
    tool = make_tool(personas.other_org, personas.outsider, name="Leur outil")
    body = StaffBody.objects.create(organisation=personas.other_org, kind="cse", name="Leur CSE")
    client = personas.client("manager")
    target = url("clause_new", personas, agreement_id=agreement.pk)
    for extra in (
        {"scope": "tools", "tools": [str(tool.pk)]},
        {"staff_bodies": [str(body.pk)]},
        {"participants": [str(personas.outsider.pk)]},
    ):
        response = client.post(target, form_data(**extra))
        assert response.status_code == 400, extra
    assert not ReviewClause.objects.exists()


def test_a_staff_rep_cannot_add_change_or_deactivate_a_clause(
    personas: Personas, agreement: Agreement
) -> None:
    clause = make_clause(personas.org, agreement=agreement, include_committee=True)
    client = personas.client("staff_rep")
    assert client.get(url("clause_new", personas, agreement_id=agreement.pk)).status_code == 403
    assert client.post(url("clause_new", personas, agreement_id=agreement.pk), form_data()).status_code == 403
    assert client.post(url("clause_edit", personas, clause_id=clause.pk), form_data()).status_code == 403
    assert (
        client.post(
            url("clause_deactivate", personas, clause_id=clause.pk), {"action": "deactivate"}
        ).status_code
        == 403
    )
    clause.refresh_from_db()
    assert clause.active and clause.title == "Clause de revoyure"
    assert ReviewClause.objects.count() == 1


def test_an_employee_cannot_add_a_clause(personas: Personas, agreement: Agreement) -> None:
    response = personas.client("employee").post(
        url("clause_new", personas, agreement_id=agreement.pk), form_data()
    )
    assert response.status_code == 403
    assert not ReviewClause.objects.exists()


def test_an_outsider_gets_404_on_the_clause_pages(personas: Personas, agreement: Agreement) -> None:
    clause = make_clause(personas.org, agreement=agreement)
    client = personas.client("outsider")
    assert client.get(url("clause_new", personas, agreement_id=agreement.pk)).status_code == 404
    assert client.get(url("clause_edit", personas, clause_id=clause.pk)).status_code == 404
    assert (
        client.post(
            url("clause_deactivate", personas, clause_id=clause.pk), {"action": "deactivate"}
        ).status_code
        == 404
    )
    assert client.get(url("clause_deactivate", personas, clause_id=clause.pk)).status_code == 404
    clause.refresh_from_db()
    assert clause.active


def test_a_clause_of_another_organisation_is_404(personas: Personas) -> None:
    theirs = make_clause(personas.other_org)
    client = personas.client("manager")
    assert client.get(url("clause_edit", personas, clause_id=theirs.pk)).status_code == 404
    assert (
        client.post(
            url("clause_deactivate", personas, clause_id=theirs.pk), {"action": "deactivate"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.active


def test_a_manager_changes_a_clause(personas: Personas, agreement: Agreement) -> None:
    clause = make_clause(personas.org, agreement=agreement, include_committee=True)
    client = personas.client("manager")
    page = client.get(url("clause_edit", personas, clause_id=clause.pk))
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    response = client.post(
        url("clause_edit", personas, clause_id=clause.pk),
        form_data(title="Clause révisée", notice_days="30", reason="Avenant n°2"),
    )
    assert response.status_code == 302
    clause.refresh_from_db()
    assert (clause.title, clause.notice_days) == ("Clause révisée", 30)
    assert clause.history.latest().history_change_reason == "Avenant n°2"


def test_bad_input_on_the_clause_edit_is_400_and_changes_nothing(
    personas: Personas, agreement: Agreement
) -> None:
    clause = make_clause(personas.org, agreement=agreement, include_committee=True)
    response = personas.client("manager").post(
        url("clause_edit", personas, clause_id=clause.pk), form_data(notice_days="500")
    )
    assert response.status_code == 400
    clause.refresh_from_db()
    assert clause.notice_days == 15


def test_deactivate_and_reactivate_through_the_pages(personas: Personas, agreement: Agreement) -> None:
    clause = make_clause(personas.org, agreement=agreement)
    client = personas.client("delegate")
    deactivate = url("clause_deactivate", personas, clause_id=clause.pk)
    assert client.post(deactivate, {"action": "deactivate"}).status_code == 302
    clause.refresh_from_db()
    assert not clause.active
    # Twice is refused, and says so.
    assert client.post(deactivate, {"action": "deactivate"}).status_code == 400
    activate = url("clause_activate", personas, clause_id=clause.pk)
    assert client.post(activate, {"action": "activate", "reason": "Reprise"}).status_code == 302
    clause.refresh_from_db()
    assert clause.active
    assert clause.history.latest().history_change_reason == "Reprise"


@pytest.mark.parametrize("data", [{}, {"action": "activate"}, {"action": "deactivate", "reason": "x" * 3000}])
def test_a_post_that_is_not_the_button_changes_nothing(
    personas: Personas, agreement: Agreement, data: dict[str, Any]
) -> None:
    clause = make_clause(personas.org, agreement=agreement)
    response = personas.client("manager").post(url("clause_deactivate", personas, clause_id=clause.pk), data)
    assert response.status_code == 400
    clause.refresh_from_db()
    assert clause.active


def test_the_agreement_page_offers_the_buttons_to_managers_only(
    personas: Personas, agreement: Agreement
) -> None:
    make_clause(personas.org, agreement=agreement)
    page = url("agreement_detail", personas, agreement_id=agreement.pk)
    manager = personas.client("manager").get(page).content.decode()
    staff_rep = personas.client("staff_rep").get(page).content.decode()
    assert 'name="action" value="deactivate"' in manager
    assert 'name="action"' not in staff_rep


def test_deactivate_only_answers_post(personas: Personas, agreement: Agreement) -> None:
    clause = make_clause(personas.org, agreement=agreement)
    assert (
        personas.client("manager").get(url("clause_deactivate", personas, clause_id=clause.pk)).status_code
        == 405
    )
    clause.refresh_from_db()
    assert clause.active
