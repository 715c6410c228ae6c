"""The organisation's obligations dashboard and the month calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from revoyure.qualification.models import Obligation, ObligationState, ObligationStatus
from tests.factories import make_tool

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2028, 3, 1, 10, tzinfo=dt.UTC)


def dashboard(query: str = "") -> str:
    base = reverse("qualification:dashboard", kwargs={"org": "acme"})
    return f"{base}?{query}" if query else base


def calendar(query: str = "") -> str:
    base = reverse("qualification:calendar", kwargs={"org": "acme"})
    return f"{base}?{query}" if query else base


def add(org: Any, tool: Any, rule_id: str, due: dt.date | None, **values: Any) -> Obligation:
    values.setdefault("state", ObligationState.APPLIES)
    values.setdefault("family", "labour_code")
    return Obligation.objects.create(
        organisation=org,
        tool=tool,
        rule_id=rule_id,
        responsible=values.pop("responsible", "employer"),
        due_on=due,
        because=[["sys.used_at_workplace", True]],
        evaluated_at=timezone.now(),
        **values,
    )


@pytest.fixture
def obligations(personas: Any) -> dict[str, Obligation]:
    org = personas.org
    planning = make_tool(org, personas.delegate, name="Planning")
    cv = make_tool(org, personas.delegate, name="CV sorter")
    Obligation.objects.all().delete()  # only the rows below
    return {
        "overdue": add(org, planning, "CT-1", dt.date(2028, 2, 20)),
        "soon": add(org, cv, "CT-2", dt.date(2028, 3, 20), family="ai_act"),
        "later": add(org, cv, "CT-3", dt.date(2028, 5, 1), responsible="deployer"),
        "far": add(org, planning, "CT-4", dt.date(2029, 1, 1)),
        "done": add(org, planning, "CT-5", dt.date(2028, 2, 1), status=ObligationStatus.DONE, evidence="ok"),
        "org": add(org, None, "CT-6", dt.date(2028, 3, 5)),
        "lapsed": add(org, planning, "CT-7", dt.date(2028, 3, 2), state=ObligationState.LAPSED),
        "other_org": add(personas.other_org, None, "CT-8", dt.date(2028, 3, 3)),
    }


def section(html: str, title: str) -> str:
    start = html.index(f">{title} (")
    end = html.find("<h2", start)
    return html[start : end if end != -1 else len(html)]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("staff_rep", 200), ("auditor", 200), ("employee", 403), ("outsider", 404)],
)
def test_dashboard_and_calendar_access(personas: Any, who: str, status: int) -> None:
    client = personas.client(who)
    assert client.get(dashboard()).status_code == status
    assert client.get(calendar()).status_code == status


@time_machine.travel(TODAY, tick=False)
def test_buckets(personas: Any, obligations: dict[str, Obligation]) -> None:
    html = personas.client("staff_rep").get(dashboard()).content.decode()
    assert "CT-1" in section(html, "Overdue")
    soon = section(html, "Due within 30 days")
    assert "CT-2" in soon and "CT-6" in soon and "The organisation itself" in soon
    assert "CT-3" in section(html, "Due within 90 days")
    rest = section(html, "Other obligations")
    assert "CT-4" in rest and "CT-5" in rest  # far away; done is never overdue
    assert "CT-7" not in html and "CT-8" not in html  # lapsed; another organisation
    assert "6 obligations" in html


@time_machine.travel(TODAY, tick=False)
def test_buckets_move_as_time_passes(personas: Any, obligations: dict[str, Obligation]) -> None:
    with time_machine.travel(dt.datetime(2028, 4, 10, 10, tzinfo=dt.UTC), tick=False):
        html = personas.client("staff_rep").get(dashboard()).content.decode()
    overdue = section(html, "Overdue")
    assert "CT-2" in overdue and "CT-6" in overdue
    assert "CT-3" in section(html, "Due within 30 days")


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("family=ai_act", ["CT-2"], ["CT-1", "CT-3"]),
        ("status=done", ["CT-5"], ["CT-1"]),
        ("responsible=deployer", ["CT-3"], ["CT-2"]),
        ("tool=cv", ["CT-2", "CT-3"], ["CT-1", "CT-6"]),
        ("state=applies&tool=plan", ["CT-1", "CT-4"], ["CT-2"]),
    ],
)
def test_filters(personas: Any, obligations: Any, query: str, shown: list[str], hidden: list[str]) -> None:
    html = personas.client("staff_rep").get(dashboard(query)).content.decode()
    for rule in shown:
        assert f">{rule} — " in html or f"{rule} —" in html
    for rule in hidden:
        assert f"{rule} —" not in html


@pytest.mark.parametrize(
    "query", ["state=zzz", "status=maybe", "family=x", "responsible=nobody", "page=abc", "page=0", "page=99"]
)
def test_bad_query_strings_are_400(personas: Any, obligations: Any, query: str) -> None:
    assert personas.client("staff_rep").get(dashboard(query)).status_code == 400


def test_unknown_parameters_are_ignored(personas: Any, obligations: Any) -> None:
    assert personas.client("staff_rep").get(dashboard("sort=';DROP&x=1")).status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_pagination(personas: Any, obligations: Any) -> None:
    tool = obligations["far"].tool
    for i in range(60):
        add(personas.org, tool, f"SC-{i}", dt.date(2030, 1, 1) + dt.timedelta(days=i))
    client = personas.client("staff_rep")
    first = client.get(dashboard()).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(dashboard("page=2")).content.decode()
    assert "Page 2 of 2" in second and "SC-59" in second and "SC-59" not in first


def test_dashboard_query_count_is_constant(
    personas: Any, obligations: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = personas.client("staff_rep")
    client.get(dashboard())
    with CaptureQueriesContext(connection) as few:
        client.get(dashboard())
    tool = obligations["far"].tool
    for i in range(40):
        add(personas.org, tool, f"SC-{i}", dt.date(2030, 1, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(dashboard()).status_code == 200


# Calendar ---------------------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_calendar_shows_the_month_with_its_obligations(personas: Any, obligations: Any) -> None:
    html = personas.client("staff_rep").get(calendar()).content.decode()
    assert "<caption>Obligations due in March 2028</caption>" in html
    assert '<th scope="col">Monday</th>' in html
    assert "CT-2" in html and "CT-6" in html
    assert "CT-1" not in html and "CT-7" not in html and "CT-8" not in html
    assert "?month=2028-02" in html and "?month=2028-04" in html
    assert reverse("qualification_feed:feeds", args=["acme"]) in html


def test_calendar_other_month_and_french_caption(personas: Any, obligations: Any) -> None:
    client = personas.client("staff_rep")
    html = client.get(calendar("month=2029-01")).content.decode()
    assert "CT-4" in html and "?month=2028-12" in html and "?month=2029-02" in html
    client.cookies["django_language"] = "fr"
    html = client.get(calendar("month=2029-01")).content.decode()
    assert "janvier 2029" in html


@pytest.mark.parametrize("month", ["2028-13", "2028-1", "abcd-ef", "2028/03", "0000-01", "2028-00"])
def test_bad_month_is_400_with_a_message(personas: Any, month: str) -> None:
    response = personas.client("staff_rep").get(calendar(f"month={month}"))
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_calendar_query_count_is_constant(
    personas: Any, obligations: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = personas.client("staff_rep")
    client.get(calendar("month=2030-01"))
    with CaptureQueriesContext(connection) as few:
        client.get(calendar("month=2030-01"))
    tool = obligations["far"].tool
    for i in range(25):
        add(personas.org, tool, f"SC-{i}", dt.date(2030, 1, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(calendar("month=2030-01")).content.decode()
    assert "SC-24" in html
