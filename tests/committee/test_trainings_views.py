# ruff: noqa: F811 - the fixtures imported from test_trainings_support are parameters of the tests
"""Training pages: access per persona on every view, forms (400 and nothing written on bad input), per-tool
and per-person views, list filters, CSV export (content and formula injection), plans, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revoyure.committee import services_trainings as services
from revoyure.committee.models import Training, TrainingPlan
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

pytestmark = pytest.mark.django_db

VIEWERS = ("admin", "delegate", "manager", "staff_rep", "committee", "auditor")
MANAGERS = ("admin", "delegate", "manager")
READ_ONLY = ("staff_rep", "committee", "auditor", "employee")


def _url(name: str, **kw: Any) -> str:
    return reverse(f"committee:{name}", kwargs={"org": "acme", **kw})


@pytest.fixture
def urls(personas: Any, tool: Any, training: Training, plan: TrainingPlan) -> dict[str, list[str]]:
    read = [
        _url("training_list"),
        _url("training_export"),
        _url("training_detail", training_id=training.pk),
        _url("training_people"),
        _url("training_person", user_id=personas.staff_rep.pk),
        _url("training_tool", pk=tool.pk),
        _url("training_plan_list"),
        _url("training_plan_detail", plan_id=plan.pk),
    ]
    write = [
        _url("training_new"),
        _url("training_edit", training_id=training.pk),
        _url("training_delete", training_id=training.pk),
        _url("training_plan_new"),
        _url("training_plan_edit", plan_id=plan.pk),
        _url("training_plan_delete", plan_id=plan.pk),
    ]
    return {"read": read, "write": write}


@pytest.mark.parametrize("who", VIEWERS)
def test_viewers_see_every_read_page(personas: Any, urls: dict[str, list[str]], who: str) -> None:
    client = personas.client(who)
    for url in urls["read"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(_url("training_list")).content.decode()
    assert "Using the planning assistant" in page
    assert ("Record a training" in page) == (who in MANAGERS)


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_open_every_form(personas: Any, urls: dict[str, list[str]], who: str) -> None:
    client = personas.client(who)
    for url in urls["write"]:
        assert client.get(url).status_code == 200, url


def test_employee_outsider_anonymous(personas: Any, urls: dict[str, list[str]]) -> None:
    employee, outsider, anonymous = personas.client("employee"), personas.client("outsider"), Client()
    for url in urls["read"] + urls["write"]:
        assert employee.get(url).status_code == 403, url
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url).status_code == 404, url
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", READ_ONLY)
def test_read_only_roles_cannot_write(
    personas: Any, urls: dict[str, list[str]], training: Training, who: str
) -> None:
    client = personas.client(who)
    before = counts()
    for url in urls["write"]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"confirm": "yes", "title": "X", "given_on": "2026-01-01"}).status_code == 403
    assert counts() == before


def test_outsider_cannot_reach_across_organisations(
    personas: Any, training: Training, foreign_tool: Any
) -> None:
    # A member of acme asking for the other organisation's tool, or acme's training under another slug.
    assert personas.client("delegate").get(_url("training_tool", pk=foreign_tool.pk)).status_code == 404
    other = reverse("committee:training_detail", kwargs={"org": "other", "training_id": training.pk})
    assert personas.client("outsider").get(other).status_code == 404


# Per person ----------------------------------------------------------------------------------------------


def test_employee_sees_own_trainings_only(personas: Any, training: Training) -> None:
    client = personas.client("employee")
    own = client.get(_url("training_person", user_id=personas.employee.pk))
    assert own.status_code == 200
    page = own.content.decode()
    assert "My trainings" in page and "Using the planning assistant" in page and "Planning assistant" in page
    # No link to pages the employee may not open.
    assert _url("training_detail", training_id=training.pk) not in page
    assert client.get(_url("training_person", user_id=personas.staff_rep.pk)).status_code == 403
    assert client.get(_url("training_person", user_id=999999)).status_code == 403


def test_person_page_for_viewers(personas: Any, training: Training) -> None:
    client = personas.client("auditor")
    page = client.get(_url("training_person", user_id=personas.employee.pk)).content.decode()
    assert "Trainings of Employee" in page and "Using the planning assistant" in page
    assert "Accueil" in page
    untrained = client.get(_url("training_person", user_id=personas.admin.pk))
    assert (
        untrained.status_code == 200
        and "No training recorded for this person yet." in untrained.content.decode()
    )
    assert client.get(_url("training_person", user_id=personas.outsider.pk)).status_code == 404
    assert client.get(_url("training_person", user_id=999999)).status_code == 404


def test_people_overview(personas: Any, training: Training) -> None:
    page = personas.client("committee").get(_url("training_people")).content.decode()
    assert "Temp Worker" in page and "no account" in page
    assert _url("training_person", user_id=personas.employee.pk) in page


# Per tool ------------------------------------------------------------------------------------------------


def test_tool_page_lists_that_tools_trainings(
    personas: Any, tool: Any, other_tool: Any, training: Training
) -> None:
    services.create_training(
        personas.org,
        personas.delegate,
        title="Chatbot session",
        given_on=DAY,
        tools=[other_tool],
        members=[personas.admin],
    )
    page = personas.client("staff_rep").get(_url("training_tool", pk=tool.pk)).content.decode()
    assert "Using the planning assistant" in page and "Chatbot session" not in page
    assert "Trainings for Planning assistant" in page
    empty = personas.client("delegate").get(_url("training_tool", pk=tool.pk + 1000))
    assert empty.status_code == 404


# Writes through the pages --------------------------------------------------------------------------------


def _form(personas: Any, tool: Any, **change: Any) -> dict[str, Any]:
    data = {
        "title": "Prompting safely",
        "topic": "Do not paste personal data",
        "given_on": "2026-02-03",
        "duration_hours": "1.5",
        "trainer": "DPO",
        "tools": [str(tool.pk)],
        "members": [str(personas.employee.pk)],
        "others": "Temp Worker; Logistique\n\nSecond Person",
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def test_create_edit_delete_through_the_pages(personas: Any, tool: Any, other_tool: Any) -> None:
    client = personas.client("manager")
    response = client.post(_url("training_new"), _form(personas, tool))
    training = Training.objects.get(title="Prompting safely")
    assert response.status_code == 302
    assert response["Location"] == _url("training_detail", training_id=training.pk)
    assert training.created_by == personas.manager
    assert sorted(t.full_name for t in training.trainees.all()) == [
        "Employee",
        "Second Person",
        "Temp Worker",
    ]
    assert training.trainees.get(full_name="Temp Worker").department == "Logistique"

    edit = client.get(_url("training_edit", training_id=training.pk)).content.decode()
    assert "Temp Worker; Logistique" in edit
    response = client.post(
        _url("training_edit", training_id=training.pk),
        _form(personas, tool, title="Prompting safely (v2)", tools=[str(other_tool.pk)], others=""),
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert training.title == "Prompting safely (v2)" and list(training.tools.all()) == [other_tool]
    assert [t.full_name for t in training.trainees.all()] == ["Employee"]

    delete = _url("training_delete", training_id=training.pk)
    assert client.post(delete).status_code == 400  # not the confirmation form's own submission
    assert Training.objects.filter(pk=training.pk).exists()
    assert client.post(delete, {"confirm": "yes"}).status_code == 302
    assert not Training.objects.filter(pk=training.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"given_on": "31/02/2026"},
        {"given_on": "2999-01-01"},
        {"duration_hours": "-1"},
        {"duration_hours": "1.25"},
        {"members": None, "others": ""},
        {"others": "; Dept only"},
        {"members": ["999999"]},
        {"plan": "999999"},
    ],
)
def test_invalid_form_gives_400_and_writes_nothing(personas: Any, tool: Any, change: dict[str, Any]) -> None:
    before = counts()
    response = personas.client("delegate").post(_url("training_new"), _form(personas, tool, **change))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The training could not be saved" in page and 'id="error-summary"' in page
    assert counts() == before


def test_tools_and_people_of_another_organisation_are_refused(
    personas: Any, tool: Any, foreign_tool: Any, training: Training
) -> None:
    client = personas.client("delegate")
    before = counts()
    for change in ({"tools": [str(foreign_tool.pk)]}, {"members": [str(personas.outsider.pk)]}):
        assert client.post(_url("training_new"), _form(personas, tool, **change)).status_code == 400
        assert (
            client.post(
                _url("training_edit", training_id=training.pk), _form(personas, tool, **change)
            ).status_code
            == 400
        )
    assert counts() == before


def test_new_form_prefills_tool_and_plan(personas: Any, tool: Any, plan: TrainingPlan) -> None:
    page = personas.client("delegate").get(_url("training_new"), {"tool": tool.pk, "plan": plan.pk}).content
    text = page.decode()
    assert f'value="{tool.pk}" id="id_tools_0" checked' in text or f'value="{tool.pk}" checked' in text
    assert f'<option value="{plan.pk}" selected>' in text


# Filters and CSV -----------------------------------------------------------------------------------------


@pytest.fixture
def several(personas: Any, tool: Any, other_tool: Any, training: Training) -> list[Training]:
    return [
        training,
        services.create_training(
            personas.org,
            personas.delegate,
            title='=HYPERLINK("http://evil")',
            topic="+1+2",
            given_on=dt.date(2025, 6, 1),
            trainer="@trainer",
            tools=[other_tool],
            members=[personas.admin],
            others=[services.Person("-Minus", "=Dept")],
        ),
    ]


def test_list_filters(personas: Any, tool: Any, other_tool: Any, several: list[Training]) -> None:
    client = personas.client("auditor")

    def titles(params: dict[str, Any]) -> set[str]:
        response = client.get(_url("training_list"), params)
        assert response.status_code == 200
        return {t.title for t in response.context["trainings"]}

    first, second = several
    assert titles({}) == {first.title, second.title}
    assert titles({"tool": tool.pk}) == {first.title}
    assert titles({"tool": other_tool.pk}) == {second.title}
    assert titles({"person": personas.admin.pk}) == {second.title}
    assert titles({"year": 2026}) == {first.title}
    assert titles({"year": 2024}) == set()
    assert titles({"year": 2025, "tool": tool.pk}) == set()
    for bad in ({"year": "abc"}, {"tool": "999999"}, {"person": "x"}, {"year": "99999"}):
        response = client.get(_url("training_list"), bad)
        assert response.status_code == 400, bad
        assert "Some filters are not valid" in response.content.decode()


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_one_row_per_person(personas: Any, several: list[Training]) -> None:
    rows = _csv(
        personas.client("staff_rep").get(_url("training_export"), {"tool": several[0].tools.get().pk})
    )
    assert rows[0] == [
        "Date",
        "Training",
        "Topic",
        "Duration (hours)",
        "Given by",
        "Tools",
        "Person",
        "Department",
    ]
    assert sorted(rows[1:]) == sorted(
        [
            [
                "2026-03-10",
                "Using the planning assistant",
                "Limits of the suggestions\nHow to override them",
                "2.5",
                "Vendor trainer",
                "Planning assistant",
                name,
                dept,
            ]
            for name, dept in (
                ("Employee", "Accueil"),
                ("Staff_Rep", "Atelier"),
                ("Temp Worker", "Logistique"),
            )
        ]
    )
    everyone = _csv(personas.client("staff_rep").get(_url("training_export")))
    assert len(everyone) == 1 + 3 + 2
    only = _csv(personas.client("staff_rep").get(_url("training_export"), {"person": personas.employee.pk}))
    assert [r[6] for r in only[1:]] == ["Employee"]
    assert personas.client("staff_rep").get(_url("training_export"), {"year": "x"}).status_code == 400


def test_csv_is_safe_from_formula_injection(personas: Any, several: list[Training]) -> None:
    rows = _csv(personas.client("delegate").get(_url("training_export"), {"year": 2025}))
    body = rows[1:]
    assert {r[6] for r in body} == {"Admin", "'-Minus"}
    for row in body:
        assert row[1] == '\'=HYPERLINK("http://evil")'
        assert row[2] == "'+1+2" and row[4] == "'@trainer"
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "'=Dept" in {r[7] for r in body}


# Plans through the pages ---------------------------------------------------------------------------------


def test_plan_pages(personas: Any, committee_members: dict[str, Any]) -> None:
    client = personas.client("delegate")
    response = client.post(
        _url("training_plan_new"),
        {
            "title": "Literacy",
            "objectives": "AI Act",
            "planned_by": "2026-12-01",
            "members": [str(committee_members["rep"].pk), str(committee_members["researcher"].pk)],
        },
    )
    plan = TrainingPlan.objects.get(title="Literacy")
    assert response.status_code == 302
    services.create_training(
        personas.org, personas.delegate, title="Basics", given_on=DAY, plan=plan, members=[personas.staff_rep]
    )
    page = personas.client("committee").get(_url("training_plan_detail", plan_id=plan.pk)).content.decode()
    assert "1 of 2 planned members trained." in page and "Basics" in page and "Not yet" in page
    listing = personas.client("committee").get(_url("training_plan_list")).content.decode()
    assert "Literacy" in listing and "1 of 2" in listing

    before = counts()
    bad = client.post(_url("training_plan_edit", plan_id=plan.pk), {"title": "", "members": ["999999"]})
    assert bad.status_code == 400 and counts() == before
    assert client.post(_url("training_plan_new"), {"title": "x", "planned_by": "soon"}).status_code == 400
    assert counts() == before

    assert (
        client.post(_url("training_plan_edit", plan_id=plan.pk), {"title": "Literacy 2"}).status_code == 302
    )
    plan.refresh_from_db()
    assert plan.title == "Literacy 2" and plan.members.count() == 0
    assert client.post(_url("training_plan_delete", plan_id=plan.pk)).status_code == 400
    assert client.post(_url("training_plan_delete", plan_id=plan.pk), {"confirm": "yes"}).status_code == 302
    assert not TrainingPlan.objects.filter(pk=plan.pk).exists()


def test_plan_of_another_organisation_is_404(personas: Any) -> None:
    foreign = services.create_plan(personas.other_org, personas.outsider, title="Theirs")
    client = personas.client("delegate")
    assert client.get(_url("training_plan_detail", plan_id=foreign.pk)).status_code == 404
    assert client.get(_url("training_plan_edit", plan_id=foreign.pk)).status_code == 404


# Menu and query counts -----------------------------------------------------------------------------------


def test_menu_entry_for_viewers_only(personas: Any) -> None:
    page = personas.client("auditor").get(_url("training_list")).content.decode()
    assert f'href="{_url("training_list")}" aria-current="page"' in page
    own = (
        personas.client("employee")
        .get(_url("training_person", user_id=personas.employee.pk))
        .content.decode()
    )
    assert f'href="{_url("training_list")}"' not in own


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _add(personas: Any, tools: list[Any], n: int) -> None:
    for i in range(n):
        services.create_training(
            personas.org,
            personas.delegate,
            title=f"T{i}",
            given_on=DAY - dt.timedelta(days=i),
            tools=tools,
            members=[personas.employee, personas.admin],
            others=[services.Person(f"P{i}")],
        )


def test_query_counts_do_not_grow(personas: Any, tool: Any, other_tool: Any, plan: TrainingPlan) -> None:
    client = personas.client("delegate")
    pages = [
        _url("training_list"),
        _url("training_tool", pk=tool.pk),
        _url("training_person", user_id=personas.employee.pk),
        _url("training_people"),
        _url("training_plan_list"),
        _url("training_plan_detail", plan_id=plan.pk),
    ]
    _add(personas, [tool, other_tool], 3)
    few = [_queries(client, url) for url in pages]
    _add(personas, [tool, other_tool], 12)
    assert [_queries(client, url) for url in pages] == few
    assert _queries(client, _url("training_export")) <= few[0] + 2


def test_the_register_group_g_links_to_the_tools_trainings(personas: Any, training: Any) -> None:
    tool = training.tools.first()
    page = personas.client("staff_rep").get(
        reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk})
    )
    html = page.content.decode()
    group_g = html[html.index('id="group-G"') : html.index('id="group-H"')]
    assert _url("training_tool", pk=tool.pk) in group_g
