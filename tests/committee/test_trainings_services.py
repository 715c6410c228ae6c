# ruff: noqa: F811 - the fixtures imported from test_trainings_support are parameters of the tests
"""Training services: records, trained people, plans and their progress, history and audit, validation
(nothing written on refusal), and the read functions used by the register and the annual dossier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from revoyure.committee import services_trainings as services
from revoyure.committee.models import Committee, CommitteeMember, Trainee, Training
from revoyure.core.audit import verify_chain
from revoyure.core.models import AuditEntry
from revoyure.organisations.models import Membership
from tests.committee.test_trainings_support import (  # noqa: F401 - fixtures
    DAY,
    committee,
    committee_members,
    counts,
    departments,
    foreign_tool,
    other_tool,
    plan,
    training,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _people(training: Training) -> list[tuple[Any, str, str]]:
    return sorted(((t.user_id, t.full_name, t.department) for t in training.trainees.all()), key=_by_name)


def _by_name(row: tuple[Any, str, str]) -> str:
    return row[1]


def test_create_records_people_tools_history_and_audit(personas: Any, tool: Any, training: Training) -> None:
    assert training.organisation == personas.org
    assert training.duration_hours == Decimal("2.5")
    assert training.created_by == personas.delegate
    assert list(training.tools.all()) == [tool]
    assert _people(training) == sorted(
        [
            (personas.employee.pk, "Employee", "Accueil"),
            (personas.staff_rep.pk, "Staff_Rep", "Atelier"),
            (None, "Temp Worker", "Logistique"),
        ],
        key=_by_name,
    )
    versions = list(training.history.order_by("history_id"))
    assert versions[0].history_type == "+" and versions[0].history_user == personas.delegate
    assert versions[0].history_change_reason == "Training recorded"
    entry = AuditEntry.objects.get(action="committee.training_created")
    assert entry.organisation_id == personas.org.pk and entry.object_id == str(training.pk)
    assert {p["name"] for p in entry.data["trainees"]} == {"Employee", "Staff_Rep", "Temp Worker"}
    assert entry.data["tools"] == [tool.pk]
    assert verify_chain().intact


def test_duplicates_are_merged(personas: Any) -> None:
    training = services.create_training(
        personas.org,
        personas.delegate,
        title="T",
        given_on=DAY,
        members=[personas.employee, personas.employee],
        others=[services.Person("Jo", "A"), services.Person(" jo ", "a")],
    )
    assert training.trainees.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"given_on": "2026-01-01"}, "given_on"),
        ({"given_on": dt.date(1980, 1, 1)}, "given_on"),
        ({"duration_hours": "0"}, "duration_hours"),
        ({"duration_hours": "1.25"}, "duration_hours"),
        ({"duration_hours": "5000"}, "duration_hours"),
        ({"duration_hours": "abc"}, "duration_hours"),
        ({"duration_hours": "NaN"}, "duration_hours"),
        ({"trainer": "x" * 201}, "trainer"),
        ({"members": [], "others": []}, "members"),
        ({"others": [services.Person("", "Dept")]}, "others"),
        ({"others": [services.Person("x" * 201)]}, "others"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_written(
    personas: Any, tool: Any, change: dict[str, Any], field: str
) -> None:
    kwargs: dict[str, Any] = {
        "title": "T",
        "given_on": DAY,
        "tools": [tool],
        "members": [personas.employee],
        **change,
    }
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.create_training(personas.org, personas.delegate, **kwargs)
    assert field in caught.value.message_dict
    assert counts() == before


def test_future_dates_are_refused(personas: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.create_training(
                personas.org,
                personas.delegate,
                title="T",
                given_on=dt.date(2026, 6, 2),
                members=[personas.admin],
            )
        assert "given_on" in caught.value.message_dict
        assert services.create_training(
            personas.org, personas.delegate, title="T", given_on=dt.date(2026, 6, 1), members=[personas.admin]
        ).pk


def test_tools_users_and_plans_of_another_organisation_are_refused(
    personas: Any, tool: Any, foreign_tool: Any
) -> None:
    foreign_committee = Committee.objects.create(organisation=personas.other_org)
    foreign_plan = services.create_plan(personas.other_org, personas.outsider, title="Theirs")
    stranger = UserFactory()  # no membership anywhere
    before = counts()
    cases = [
        ({"tools": [tool, foreign_tool]}, "tools"),
        ({"members": [personas.employee, personas.outsider]}, "members"),
        ({"members": [stranger]}, "members"),
        ({"plan": foreign_plan}, "plan"),
    ]
    for change, field in cases:
        kwargs = {"title": "T", "given_on": DAY, "members": [personas.employee], **change}
        with pytest.raises(ValidationError) as caught:
            services.create_training(personas.org, personas.delegate, **kwargs)
        assert field in caught.value.message_dict
    assert counts() == before
    assert foreign_committee.training_plans.count() == 1


def test_update_keeps_remaining_people_and_replaces_the_others(
    personas: Any, tool: Any, other_tool: Any, training: Training
) -> None:
    kept = training.trainees.get(user=personas.employee)
    # The department recorded is the one at the time of the training, even if the person moves later.
    Membership.objects.filter(user=personas.employee).update(department="Direction")
    services.update_training(
        training,
        personas.manager,
        title="Using the planning assistant (2)",
        given_on=dt.date(2026, 3, 11),
        duration_hours=None,
        trainer="",
        tools=[other_tool],
        members=[personas.employee, personas.auditor],
        others=[services.Person("Intern", "")],
    )
    training.refresh_from_db()
    assert training.title == "Using the planning assistant (2)"
    assert training.duration_hours is None
    assert list(training.tools.all()) == [other_tool]
    assert training.trainees.get(user=personas.employee).pk == kept.pk
    assert _people(training) == sorted(
        [
            (personas.employee.pk, "Employee", "Accueil"),
            (personas.auditor.pk, "Auditor", ""),
            (None, "Intern", ""),
        ],
        key=_by_name,
    )
    latest = training.history.order_by("-history_id").first()
    assert latest.history_user == personas.manager
    assert training.history.filter(history_change_reason="Training updated").exists()
    entry = AuditEntry.objects.get(action="committee.training_updated")
    assert entry.data["before"]["tools"] == [tool.pk] and entry.data["after"]["tools"] == [other_tool.pk]
    assert {p["name"] for p in entry.data["before"]["trainees"]} == {"Employee", "Staff_Rep", "Temp Worker"}
    assert {p["name"] for p in entry.data["after"]["trainees"]} == {"Employee", "Auditor", "Intern"}


def test_update_refused_changes_nothing(personas: Any, training: Training, foreign_tool: Any) -> None:
    before = counts()
    with pytest.raises(ValidationError):
        services.update_training(
            training,
            personas.manager,
            title="New",
            given_on=DAY,
            tools=[foreign_tool],
            members=[personas.admin],
        )
    assert counts() == before
    training.refresh_from_db()
    assert training.title == "Using the planning assistant"


def test_delete_keeps_history_and_audit(personas: Any, training: Training) -> None:
    pk = training.pk
    services.delete_training(training, personas.admin)
    assert not Training.objects.filter(pk=pk).exists()
    assert not Trainee.objects.filter(training_id=pk).exists()
    deleted = Training.history.filter(id=pk, history_type="-").get()
    assert deleted.history_user == personas.admin
    entry = AuditEntry.objects.get(action="committee.training_deleted")
    assert entry.object_id == str(pk) and len(entry.data["trainees"]) == 3


# Plans ---------------------------------------------------------------------------------------------------


def test_plan_is_created_on_the_committee_with_history(
    personas: Any, plan: Any, committee_members: dict[str, CommitteeMember]
) -> None:
    assert plan.committee.organisation == personas.org
    assert set(plan.members.all()) == set(committee_members.values())
    assert plan.history.first().history_user == personas.delegate
    assert AuditEntry.objects.filter(
        action="committee.training_plan_created", object_id=str(plan.pk)
    ).exists()


def test_plan_creates_the_committee_when_missing(personas: Any) -> None:
    assert not Committee.objects.filter(organisation=personas.org).exists()
    plan = services.create_plan(personas.org, personas.admin, title="First")
    assert plan.committee.organisation == personas.org


def test_plan_refuses_members_of_another_committee_and_bad_dates(personas: Any, committee: Any) -> None:
    foreign = Committee.objects.create(organisation=personas.other_org)
    stranger = CommitteeMember.objects.create(committee=foreign, full_name="X", quality="lawyer")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.create_plan(personas.org, personas.admin, title="P", members=[stranger])
    assert "members" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.create_plan(personas.org, personas.admin, title="", planned_by=dt.date(3000, 1, 1))
    assert {"title", "planned_by"} <= set(caught.value.message_dict)
    assert counts() == before


def test_plan_progress_matches_members_by_account_or_name(
    personas: Any, plan: Any, committee_members: dict[str, CommitteeMember]
) -> None:
    progress = {p.member.pk: p for p in services.plan_progress(plan)}
    assert not any(p.done for p in progress.values())
    linked = services.create_training(
        personas.org,
        personas.delegate,
        title="AI Act basics",
        given_on=DAY,
        plan=plan,
        members=[personas.staff_rep],
        others=[services.Person("dr researcher")],
    )
    # A training outside the plan does not count, even with the lawyer in it.
    services.create_training(
        personas.org, personas.delegate, title="Other", given_on=DAY, others=[services.Person("Maître Law")]
    )
    progress = {p.member.pk: p for p in services.plan_progress(plan)}
    assert progress[committee_members["rep"].pk].trainings == [linked]
    assert progress[committee_members["researcher"].pk].done
    assert not progress[committee_members["lawyer"].pk].done


def test_update_and_delete_plan(
    personas: Any, plan: Any, committee_members: dict[str, CommitteeMember]
) -> None:
    services.update_plan(
        plan,
        personas.manager,
        title="Renamed",
        objectives="",
        planned_by=None,
        members=[committee_members["rep"]],
    )
    plan.refresh_from_db()
    assert plan.title == "Renamed" and list(plan.members.all()) == [committee_members["rep"]]
    linked = services.create_training(
        personas.org, personas.delegate, title="T", given_on=DAY, plan=plan, members=[personas.staff_rep]
    )
    services.delete_plan(plan, personas.admin)
    linked.refresh_from_db()
    assert linked.plan is None
    assert linked.history.filter(history_change_reason="Training plan deleted").exists()
    entry = AuditEntry.objects.get(action="committee.training_plan_deleted")
    assert entry.data["trainings_unlinked"] == [linked.pk]


# Reads ---------------------------------------------------------------------------------------------------


def test_trainings_for_tool_and_in_year(
    personas: Any, tool: Any, other_tool: Any, foreign_tool: Any, training: Training
) -> None:
    older = services.create_training(
        personas.org,
        personas.delegate,
        title="Older",
        given_on=dt.date(2025, 5, 1),
        tools=[tool, other_tool],
        members=[personas.admin],
    )
    services.create_training(
        personas.org,
        personas.delegate,
        title="No tool",
        given_on=dt.date(2026, 1, 5),
        members=[personas.admin],
    )
    services.create_training(
        personas.other_org,
        personas.outsider,
        title="Foreign",
        given_on=DAY,
        tools=[foreign_tool],
        members=[personas.outsider],
    )
    assert list(services.trainings_for_tool(tool)) == [training, older]
    assert list(services.trainings_for_tool(other_tool)) == [older]
    assert [t.title for t in services.trainings_for_tool(foreign_tool)] == ["Foreign"]
    assert [t.title for t in services.trainings_in_year(personas.org, 2026)] == [
        "No tool",
        "Using the planning assistant",
    ]
    assert list(services.trainings_in_year(personas.org, 2025)) == [older]
    assert list(services.trainings_in_year(personas.org, 2024)) == []


def test_trained_people_summary(personas: Any, training: Training) -> None:
    services.create_training(
        personas.org,
        personas.delegate,
        title="Second",
        given_on=dt.date(2026, 4, 1),
        duration_hours="1",
        members=[personas.employee],
        others=[services.Person("temp worker", "logistique")],
    )
    people = {p.full_name.casefold(): p for p in services.trained_people(personas.org)}
    assert people["employee"].trainings == 2 and people["employee"].hours == Decimal("3.5")
    assert people["employee"].last_on == dt.date(2026, 4, 1)
    assert people["temp worker"].trainings == 2 and people["temp worker"].user_id is None
    assert people["staff_rep"].trainings == 1
