"""Timelines per tool and per agreement (issue 6 §3: « A timeline per tool and per agreement shows events,
meetings, measures and their state »)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from revoyure.registry.models import Tool
from revoyure.reviews import fanout, timeline
from revoyure.reviews.models import Measure, ReviewClause, ReviewMeeting, TriggerEvent
from revoyure.reviews.services_events import create_event
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause, put_in_service

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def confirmed_event(personas: Personas, tool: Tool | None = None, **values: Any) -> TriggerEvent:
    values.setdefault("kind", "tool_new_version" if tool else "delegate_signal")
    values.setdefault("title", "Version 3 de l'outil")
    values.setdefault("occurred_on", dt.date(2026, 11, 20))
    values.setdefault("organisation_id", personas.org.pk)
    event, _created = create_event(origin="manual", tool=tool, confirmed=False, **values)
    TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    return event


def meeting_of(event: TriggerEvent) -> ReviewMeeting:
    with time_machine.travel(NOW):
        assert fanout.fan_out_event(event.pk) >= 1
    return ReviewMeeting.objects.filter(event=event).order_by("pk").first()  # type: ignore[return-value]


def measure(meeting: ReviewMeeting, text: str, **values: Any) -> Measure:
    return Measure.objects.create(organisation=meeting.organisation, meeting=meeting, text=text, **values)


def periodic_meeting(clause: ReviewClause, day: dt.date, tools: list[Tool]) -> ReviewMeeting:
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    meeting = ReviewMeeting.objects.create(
        organisation=clause.organisation,
        clause=clause,
        reason="periodic",
        period_due_on=day,
        title=f"Rendez-vous périodique du {day}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        ical_uid=f"test-{uuid.uuid4()}",
    )
    meeting.tools.set(tools)
    return meeting


def test_a_tool_timeline_runs_from_the_event_to_the_measures_with_their_state(
    personas: Personas, tool: Tool
) -> None:
    make_clause(personas.org)
    event = confirmed_event(personas, tool)
    meeting = meeting_of(event)  # 8 December 2026
    done = measure(
        meeting,
        "Former les utilisateurs",
        due_on=dt.date(2026, 12, 20),
        status="done",
        owner=personas.manager,
    )
    late = measure(meeting, "Mettre à jour l'étude d'impact", due_on=dt.date(2026, 12, 15), owner_name="DRH")
    open_ = measure(meeting, "Informer le personnel", due_on=dt.date(2027, 2, 1))
    with time_machine.travel(dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)):
        entries = timeline.tool_timeline(tool)
    assert [(e.kind, e.pk) for e in entries] == [
        ("event", event.pk),
        ("meeting", meeting.pk),
        ("measure", late.pk),
        ("measure", done.pk),
        ("measure", open_.pk),
    ]
    assert [e.status for e in entries] == ["confirmed", "planned", "late", "done", "open"]
    assert entries[0].date == dt.date(2026, 11, 20) and entries[1].date == dt.date(2026, 12, 8)
    assert entries[0].kind_label == "New version or new feature of the tool (register)"
    assert entries[2].owner == "DRH" and entries[3].owner == personas.manager.display_name
    assert entries[2].status_label == "Late"


def test_a_measure_is_late_only_after_its_due_date(personas: Personas, tool: Tool) -> None:
    make_clause(personas.org)
    meeting = meeting_of(confirmed_event(personas, tool))
    item = measure(meeting, "Auditer les biais", due_on=dt.date(2027, 1, 10))
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)):
        assert timeline.measure_state(item, timezone.localdate()) == "open"
    with time_machine.travel(dt.datetime(2027, 1, 11, 12, tzinfo=dt.UTC)):
        assert timeline.measure_state(item, timezone.localdate()) == "late"
    item.status = "cancelled"
    assert timeline.measure_state(item, dt.date(2027, 6, 1)) == "cancelled"


def test_a_meeting_shows_its_outcome(personas: Personas, tool: Tool) -> None:
    make_clause(personas.org)
    meeting = meeting_of(confirmed_event(personas, tool))
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status="closed", outcome="reopen_study")
    entry = next(e for e in timeline.tool_timeline(tool) if e.kind == "meeting")
    assert entry.status_label == "Closed" and entry.outcome == "The impact study is reopened"


def test_a_tool_timeline_holds_vendor_events_that_led_to_a_meeting_about_it(
    personas: Personas, vendor: Any, vendor_tools: tuple[Tool, Tool]
) -> None:
    ours, theirs = vendor_tools
    make_clause(personas.org)
    make_clause(personas.other_org)
    event, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice v5",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
    )
    TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    with time_machine.travel(NOW):
        fanout.fan_out_event(event.pk)
    ours_meeting = ReviewMeeting.objects.get(organisation=personas.org)
    entries = timeline.tool_timeline(ours)
    assert [(e.kind, e.pk) for e in entries] == [("event", event.pk), ("meeting", ours_meeting.pk)]
    # The other organisation's meeting about its own tool is not ours.
    theirs_entries = timeline.tool_timeline(theirs)
    assert ours_meeting.pk not in [e.pk for e in theirs_entries if e.kind == "meeting"]


def test_a_tool_timeline_leaves_out_other_tools(personas: Personas, tool: Tool) -> None:
    other = make_tool(personas.org, personas.delegate, name="Autre outil")
    make_clause(personas.org)
    about_other = meeting_of(confirmed_event(personas, other, title="Version 2 de l'autre outil"))
    measure(about_other, "Mesure de l'autre outil")
    # A measure about our tool decided at a meeting about the other one is ours.
    ours = measure(about_other, "Mesure sur notre outil", tool=tool)
    pending, _ = create_event(
        organisation_id=personas.org.pk,
        kind="tool_new_version",
        origin="manual",
        title="Version 4 en attente",
        occurred_on=dt.date(2026, 11, 1),
        tool=tool,
    )
    entries = timeline.tool_timeline(tool)
    assert [(e.kind, e.pk, e.status) for e in entries] == [
        ("event", pending.pk, "pending"),
        ("measure", ours.pk, "open"),
    ]


def test_a_meeting_about_several_tools_appears_once(personas: Personas, tool: Tool) -> None:
    other = make_tool(personas.org, personas.delegate, name="Autre outil")
    clause = make_clause(personas.org, scope="tools", tools=[tool, other])
    meeting = periodic_meeting(clause, dt.date(2026, 10, 1), [tool, other])
    measure(meeting, "Une mesure")
    entries = timeline.tool_timeline(tool)
    assert [e.kind for e in entries] == ["meeting", "measure"]
    assert entries[0].kind_label == "Minimum frequency"


def test_a_measure_without_due_date_sits_at_its_meeting(personas: Personas, tool: Tool) -> None:
    clause = make_clause(personas.org)
    meeting = periodic_meeting(clause, dt.date(2026, 10, 1), [tool])
    item = measure(meeting, "Sans échéance")
    entry = next(e for e in timeline.tool_timeline(tool) if e.pk == item.pk and e.kind == "measure")
    assert entry.date == dt.date(2026, 10, 1) and entry.status == "open"


def test_an_agreement_timeline_goes_through_its_clauses(personas: Personas, tool: Tool) -> None:
    ours = make_clause(personas.org)
    other_agreement = make_clause(personas.org, title="Autre accord", triggers=["delegate_signal"])
    event = confirmed_event(personas, tool)  # only our clause lists tool_new_version
    meeting = meeting_of(event)
    item = measure(meeting, "Mesure")
    periodic = periodic_meeting(other_agreement, dt.date(2026, 9, 1), [tool])
    entries = timeline.agreement_timeline(ours.agreement)
    assert [(e.kind, e.pk) for e in entries] == [
        ("event", event.pk),
        ("meeting", meeting.pk),
        ("measure", item.pk),
    ]
    assert [(e.kind, e.pk) for e in timeline.agreement_timeline(other_agreement.agreement)] == [
        ("meeting", periodic.pk)
    ]


def _grow(personas: Personas, tool: Tool, clause: ReviewClause, n: int, start: int) -> None:
    for i in range(start, start + n):
        event = confirmed_event(
            personas, tool, title=f"Version {i}", occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=i)
        )
        meeting = meeting_of(event)
        measure(meeting, f"Mesure {i}", owner=personas.manager, due_on=dt.date(2026, 3, 1))
        measure(meeting, f"Mesure bis {i}", tool=tool, owner_name="DRH")


def test_timelines_take_three_queries_whatever_their_length(
    personas: Personas, tool: Tool, django_assert_num_queries: Any
) -> None:
    clause = make_clause(personas.org, scope="tools", tools=[tool])
    _grow(personas, tool, clause, 1, 0)
    with django_assert_num_queries(3):
        small = timeline.tool_timeline(tool)
    with django_assert_num_queries(3):
        timeline.agreement_timeline(clause.agreement)
    _grow(personas, tool, clause, 6, 1)
    with django_assert_num_queries(3):
        large = timeline.tool_timeline(tool)
    with django_assert_num_queries(3):
        by_agreement = timeline.agreement_timeline(clause.agreement)
    assert (len(small), len(large), len(by_agreement)) == (4, 28, 28)


def test_the_pages_take_a_constant_number_of_queries(
    personas: Personas, tool: Tool, django_assert_max_num_queries: Any
) -> None:
    clause = make_clause(personas.org, scope="tools", tools=[tool])
    client = personas.client("staff_rep")
    pages = [
        reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk]),
        reverse("reviews:agreement_detail", args=[personas.org.slug, clause.agreement_id]),
    ]
    _grow(personas, tool, clause, 1, 0)
    counts = []
    for page in pages:
        client.get(page)
        with django_assert_max_num_queries(30) as captured:
            assert client.get(page).status_code == 200
        counts.append(len(captured.captured_queries))
    _grow(personas, tool, clause, 5, 1)
    for page, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(page)
        assert response.content.decode().count("Mesure bis") == 6


def test_the_tool_timeline_page_for_a_staff_rep(personas: Personas, tool: Tool) -> None:
    make_clause(personas.org, title="Clause générale")
    meeting_of(confirmed_event(personas, tool, title="Version 7"))
    response = personas.client("staff_rep").get(
        reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Version 7" in body and "Clause générale" in body and "<caption>" in body


def test_the_tool_timeline_lists_only_the_active_clauses_covering_the_tool(
    personas: Personas, tool: Tool
) -> None:
    put_in_service(tool)
    make_clause(personas.org, title="Clause recrutement", scope="category", categories=["recruitment"])
    make_clause(personas.org, title="Clause inactive", active=False)
    make_clause(personas.org, title="Clause générale")
    response = personas.client("manager").get(
        reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk])
    )
    titles = [row["clause"].title for row in response.context["clauses"]]
    assert titles == ["Clause générale"]


def test_an_employee_cannot_see_a_tool_timeline(personas: Personas, tool: Tool) -> None:
    response = personas.client("employee").get(
        reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk])
    )
    assert response.status_code == 403


def test_an_outsider_gets_404_on_a_tool_timeline(personas: Personas, tool: Tool) -> None:
    response = personas.client("outsider").get(
        reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk])
    )
    assert response.status_code == 404


def test_a_tool_of_another_organisation_is_404(personas: Personas) -> None:
    theirs = make_tool(personas.other_org, personas.outsider, name="Leur outil")
    response = personas.client("manager").get(
        reverse("reviews:tool_timeline", args=[personas.org.slug, theirs.pk])
    )
    assert response.status_code == 404


def test_the_tool_page_links_to_its_timeline(personas: Personas, tool: Tool) -> None:
    response = personas.client("staff_rep").get(
        reverse("registry:tool_detail", args=[personas.org.slug, tool.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("reviews:tool_timeline", args=[personas.org.slug, tool.pk]) in body
    assert "Review meetings and events" in body
