"""Pages of the review meetings and measures: list, detail, reschedule, cancel, minutes, closing, measures
and the .ics file; permissions (outsider 404, reader 403 on writes), bad input (400, nothing written),
a constant number of queries on the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from revoyure.core.models import AuditEntry
from revoyure.reviews import services_meetings as services
from revoyure.reviews.models import Measure, MeasureStatus, MeetingNotice, MeetingStatus, ReviewMeeting
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause
from tests.reviews.test_meetings_services import held_meeting, make_meeting, staffed_clause

pytestmark = pytest.mark.django_db


def url(name: str, org: str = "acme", **kwargs: Any) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": org, **kwargs})


def meeting_url(name: str, meeting: ReviewMeeting) -> str:
    return url(name, review_meeting_id=meeting.pk)


def measure_url(name: str, measure: Measure) -> str:
    return url(name, measure_id=measure.pk)


def add_measure(personas: Personas, meeting: ReviewMeeting, owner: Any = None, **values: Any) -> Measure:
    values.setdefault("due_on", dt.date(2030, 1, 1))
    return services.add_measure(
        meeting,
        personas.delegate,
        text=values.pop("text", "Train the team"),
        owner=owner or personas.manager,
        **values,
    )


# The list of meetings ------------------------------------------------------------------------------------------


def test_upcoming_meetings_come_first_the_soonest_at_the_top(personas: Personas) -> None:
    clause = staffed_clause(personas)
    now = timezone.now()
    past = make_meeting(personas, clause=clause, title="Past", starts_at=now - dt.timedelta(days=10))
    later = make_meeting(personas, clause=clause, title="Later", starts_at=now + dt.timedelta(days=20))
    soon = make_meeting(personas, clause=clause, title="Soon", starts_at=now + dt.timedelta(days=5))
    response = personas.client("staff_rep").get(url("home"))
    assert response.status_code == 200
    assert [m.pk for m in response.context["meetings"]] == [soon.pk, later.pk, past.pk]
    assert url("measure_list") in response.content.decode()


def test_the_list_filters_by_status(personas: Personas) -> None:
    clause = staffed_clause(personas)
    kept = make_meeting(personas, clause=clause, title="Kept")
    cancelled = make_meeting(personas, clause=clause, title="Dropped")
    services.cancel_meeting(cancelled, personas.delegate)
    response = personas.client("manager").get(url("home"), {"status": "cancelled"})
    assert [m.pk for m in response.context["meetings"]] == [cancelled.pk]
    assert kept.title not in response.content.decode()


def test_a_bad_filter_is_a_400(personas: Personas) -> None:
    client = personas.client("manager")
    assert client.get(url("home"), {"status": "zzz"}).status_code == 400
    assert client.get(url("home"), {"page": "999"}).status_code == 400


def test_the_list_is_refused_to_employees_and_hidden_from_outsiders(personas: Personas) -> None:
    assert personas.client("employee").get(url("home")).status_code == 403
    assert personas.client("outsider").get(url("home")).status_code == 404
    assert personas.client("outsider").get(url("measure_list")).status_code == 404


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_of_meetings_takes_a_constant_number_of_queries(personas: Personas, tool: Any) -> None:
    clause = staffed_clause(personas)
    client = personas.client("manager")
    for _ in range(2):
        add_measure(personas, make_meeting(personas, clause=clause, tools=[tool]))
    few = _queries(client, url("home"))
    other = make_tool(personas.org, personas.delegate, name="Other tool")
    for _ in range(10):
        add_measure(personas, make_meeting(personas, clause=clause, tools=[tool, other]))
    assert _queries(client, url("home")) == few


def test_the_list_of_measures_takes_a_constant_number_of_queries(personas: Personas, tool: Any) -> None:
    meeting = make_meeting(personas, tools=[tool])
    client = personas.client("manager")
    for _ in range(2):
        add_measure(personas, meeting, tool=tool)
    few = _queries(client, url("measure_list"))
    for _ in range(10):
        add_measure(personas, meeting, owner=personas.staff_rep, tool=tool)
    assert _queries(client, url("measure_list")) == few


# A meeting -----------------------------------------------------------------------------------------------------


def test_the_meeting_page_shows_agenda_tools_participants_measures_and_outcome(
    personas: Personas, tool: Any
) -> None:
    meeting = held_meeting(personas, tools=[tool])
    add_measure(personas, meeting, text="Publish the new notice to the staff", tool=tool)
    services.close_meeting(meeting, personas.delegate, outcome="measures", outcome_text="One measure decided")
    response = personas.client("auditor").get(meeting_url("meeting_detail", meeting))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Assess its impact on the tool in use",
        tool.name,
        "Clause de revoyure",
        "Sam Rep",
        "CSE Acme — Secretary",
        "Discussed the new notice.",
        "Publish the new notice to the staff",
        "Measures decided",
        "One measure decided",
    ):
        assert text in page, text
    assert meeting_url("meeting_edit", meeting) not in page  # a reader sees no action


def test_another_organisation_s_meeting_is_a_404(personas: Personas) -> None:
    theirs = make_meeting(personas, clause=make_clause(personas.other_org))
    client = personas.client("admin")
    assert client.get(url("meeting_detail", review_meeting_id=theirs.pk)).status_code == 404
    assert client.get(url("meeting_ics", review_meeting_id=theirs.pk)).status_code == 404
    assert (
        client.post(url("meeting_cancel", review_meeting_id=theirs.pk), {"confirm": "yes"}).status_code == 404
    )
    assert ReviewMeeting.objects.get(pk=theirs.pk).status == MeetingStatus.PLANNED


def test_the_ics_download_carries_the_meeting_s_uid_and_sequence(personas: Personas) -> None:
    meeting = make_meeting(personas)
    response = personas.client("staff_rep").get(meeting_url("meeting_ics", meeting))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["UID"]) == meeting.ical_uid and int(event["SEQUENCE"]) == 0
    services.cancel_meeting(meeting, personas.delegate)
    cal = Calendar.from_ical(personas.client("staff_rep").get(meeting_url("meeting_ics", meeting)).content)
    assert str(cal["METHOD"]) == "CANCEL"
    assert int(next(iter(cal.walk("VEVENT")))["SEQUENCE"]) == 1


# Writes on a meeting ------------------------------------------------------------------------------------------


def _edit_data(meeting: ReviewMeeting, **changes: Any) -> dict[str, str]:
    start = timezone.localtime(meeting.starts_at) + dt.timedelta(days=1)
    data = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Salle B",
        "agenda": meeting.agenda,
    }
    data.update(changes)
    return data


def test_rescheduling_sends_an_update(personas: Personas) -> None:
    meeting = make_meeting(personas)
    response = personas.client("manager").post(meeting_url("meeting_edit", meeting), _edit_data(meeting))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "Salle B" and meeting.ical_sequence == 1
    assert MeetingNotice.objects.filter(meeting=meeting, sequence=1, kind="request").exists()


def test_rescheduling_with_bad_input_is_a_400_and_writes_nothing(personas: Personas) -> None:
    meeting = make_meeting(personas)
    client = personas.client("manager")
    data = _edit_data(meeting)
    data["ends_at"] = data["starts_at"]
    for bad in (data, {"starts_at": "tomorrow", "ends_at": ""}, {}):
        assert client.post(meeting_url("meeting_edit", meeting), bad).status_code == 400
    meeting.refresh_from_db()
    assert meeting.location == "Salle du CSE" and meeting.ical_sequence == 0
    assert MeetingNotice.objects.filter(meeting=meeting).count() == 1


def test_readers_cannot_write_on_a_meeting(personas: Personas) -> None:
    meeting = make_meeting(personas, starts_at=timezone.now() - dt.timedelta(hours=1))
    client = personas.client("staff_rep")
    assert client.get(meeting_url("meeting_edit", meeting)).status_code == 403
    assert client.post(meeting_url("meeting_edit", meeting), _edit_data(meeting)).status_code == 403
    assert client.post(meeting_url("meeting_cancel", meeting), {"confirm": "yes"}).status_code == 403
    assert client.post(meeting_url("meeting_minutes", meeting), {"action": "minutes"}).status_code == 403
    assert (
        client.post(meeting_url("measure_new", meeting), {"text": "x", "due_on": "2030-01-01"}).status_code
        == 403
    )
    assert personas.client("employee").get(meeting_url("meeting_detail", meeting)).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not Measure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="review.").exists()


def test_cancelling_asks_first_then_cancels(personas: Personas) -> None:
    meeting = make_meeting(personas)
    client = personas.client("delegate")
    assert client.get(meeting_url("meeting_cancel", meeting)).status_code == 200
    assert client.post(meeting_url("meeting_cancel", meeting), {"confirm": "no"}).status_code == 400
    assert ReviewMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    response = client.post(meeting_url("meeting_cancel", meeting), {"confirm": "yes"})
    assert response.status_code == 302
    assert ReviewMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    assert client.post(meeting_url("meeting_cancel", meeting), {"confirm": "yes"}).status_code == 400


def test_the_minutes_page_records_attendance_and_holds_the_meeting(personas: Personas) -> None:
    meeting = make_meeting(personas, starts_at=timezone.now() - dt.timedelta(hours=2))
    client = personas.client("manager")
    form = client.get(meeting_url("meeting_minutes", meeting)).context["form"]
    keys = form.person_keys  # field name -> participant
    assert set(keys.values()) == {
        "staff_rep@acme.example",
        "delegate@acme.example",
        "lou@law.example",
        "manager@acme.example",
    }
    data = {"action": "minutes", "minutes": "All went well"}
    data.update(
        {name: ("present" if key == "staff_rep@acme.example" else "absent") for name, key in keys.items()}
    )
    response = client.post(meeting_url("meeting_minutes", meeting), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.minutes == "All went well"
    assert [p.email for p in meeting.participants.filter(present=True)] == ["staff_rep@acme.example"]


def test_garbage_minutes_are_a_400_and_write_nothing(personas: Personas) -> None:
    meeting = make_meeting(personas, starts_at=timezone.now() - dt.timedelta(hours=2))
    client = personas.client("manager")
    for data in ({"minutes": "x"}, {"action": "minutes", "person_0": "maybe"}):
        assert client.post(meeting_url("meeting_minutes", meeting), data).status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes == ""
    assert not meeting.participants.exists()


def test_closing_shows_the_outcome_on_the_tool_s_history_page(personas: Personas, tool: Any) -> None:
    meeting = held_meeting(personas, tools=[tool])
    client = personas.client("delegate")
    response = client.post(
        meeting_url("meeting_close", meeting),
        {"outcome": "no_change", "outcome_text": "Nothing changes for us"},
    )
    assert response.status_code == 302
    page = client.get(
        reverse("registry:tool_history", kwargs={"org": "acme", "pk": tool.pk})
    ).content.decode()
    assert "No change to the tool&#x27;s use" in page or "No change to the tool's use" in page
    assert "Nothing changes for us" in page
    assert "No field of the record changed in this version." in page


def test_closing_a_planned_meeting_or_with_no_outcome_is_a_400(personas: Personas, tool: Any) -> None:
    planned = make_meeting(personas, tools=[tool])
    client = personas.client("delegate")
    assert client.post(meeting_url("meeting_close", planned), {"outcome": "no_change"}).status_code == 400
    held = held_meeting(personas, clause=planned.clause, tools=[tool])
    assert client.post(meeting_url("meeting_close", held), {"outcome": "zzz"}).status_code == 400
    assert client.post(meeting_url("meeting_close", held), {"outcome": "measures"}).status_code == 400
    assert ReviewMeeting.objects.get(pk=held.pk).status == MeetingStatus.HELD
    assert not AuditEntry.objects.filter(action="tool.history_noted").exists()


# Measures ------------------------------------------------------------------------------------------------------


def test_a_measure_is_recorded_from_the_meeting(personas: Personas, tool: Any) -> None:
    meeting = make_meeting(personas, tools=[tool])
    client = personas.client("manager")
    assert client.get(meeting_url("measure_new", meeting)).status_code == 200
    response = client.post(
        meeting_url("measure_new", meeting),
        {
            "text": "Update the staff notice",
            "owner": personas.staff_rep.pk,
            "due_on": "2030-02-01",
            "tool": tool.pk,
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.owner, measure.tool, measure.due_on) == (personas.staff_rep, tool, dt.date(2030, 2, 1))


def test_a_bad_measure_is_a_400_and_nothing_is_written(personas: Personas) -> None:
    meeting = make_meeting(personas)
    foreign = make_tool(personas.other_org, personas.outsider, name="Theirs")
    client = personas.client("manager")
    for data in (
        {"text": "x", "due_on": "2030-01-01"},  # no owner
        {"text": "x", "owner": personas.outsider.pk, "due_on": "2030-01-01"},
        {"text": "x", "owner_name": "Jo", "due_on": "31/02/2030"},
        {"text": "x", "owner_name": "Jo", "due_on": "2030-01-01", "tool": foreign.pk},
    ):
        assert client.post(meeting_url("measure_new", meeting), data).status_code == 400, data
    assert not Measure.objects.exists()


def test_the_owner_may_mark_their_own_measure_done(personas: Personas) -> None:
    measure = add_measure(personas, make_meeting(personas), owner=personas.staff_rep)
    other = add_measure(personas, measure.meeting, owner=personas.manager)
    client = personas.client("staff_rep")
    assert client.post(measure_url("measure_done", other), {"done_on": "2026-01-01"}).status_code == 403
    response = client.post(measure_url("measure_done", measure), {"done_on": "2026-01-01", "note": "Done"})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE and measure.done_note == "Done"
    assert Measure.objects.get(pk=other.pk).status == MeasureStatus.OPEN


def test_an_employee_owner_reaches_their_measure_only(personas: Personas) -> None:
    measure = add_measure(personas, make_meeting(personas), owner=personas.employee)
    other = add_measure(personas, measure.meeting)
    client = personas.client("employee")
    assert client.get(measure_url("measure_done", other)).status_code == 403
    assert client.get(measure_url("measure_done", measure)).status_code == 200
    response = client.post(measure_url("measure_done", measure), {"done_on": "2026-01-01"})
    assert response.status_code == 302
    assert response["Location"] == measure_url("measure_done", measure)
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.DONE
    assert client.post(measure_url("measure_done", measure), {"done_on": "2026-01-01"}).status_code == 400


def test_measures_are_changed_and_cancelled_by_managers_only(personas: Personas) -> None:
    measure = add_measure(personas, make_meeting(personas))
    reader = personas.client("committee")
    assert reader.post(measure_url("measure_cancel", measure), {"confirm": "yes"}).status_code == 403
    assert reader.get(measure_url("measure_edit", measure)).status_code == 403
    client = personas.client("manager")
    data = {"text": "Changed", "owner": personas.manager.pk, "due_on": "2030-05-01"}
    assert client.post(measure_url("measure_edit", measure), data).status_code == 302
    assert Measure.objects.get(pk=measure.pk).text == "Changed"
    assert client.post(measure_url("measure_cancel", measure), {"note": "x"}).status_code == 400
    assert (
        client.post(measure_url("measure_cancel", measure), {"confirm": "yes", "note": "Moot"}).status_code
        == 302
    )
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.CANCELLED


def test_the_measures_page_filters_late_ones_and_mine(personas: Personas) -> None:
    meeting = make_meeting(personas)
    late = add_measure(personas, meeting, text="Late one", due_on=dt.date(2020, 1, 1))
    mine = add_measure(personas, meeting, text="Staff rep's", owner=personas.staff_rep)
    client = personas.client("staff_rep")
    response = client.get(url("measure_list"), {"state": "late"})
    assert [m.pk for m in response.context["measures"]] == [late.pk]
    assert 'class="message-error">late<' in response.content.decode()
    response = client.get(url("measure_list"), {"owner": "mine"})
    assert [m.pk for m in response.context["measures"]] == [mine.pk]
    assert client.get(url("measure_list"), {"state": "nope"}).status_code == 400
