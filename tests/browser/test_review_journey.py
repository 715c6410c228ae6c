"""Issue 6 in a real browser: the platform administrator enters a vendor's event for the whole installation
(« mise à jour publique par le fournisseur de la notice de l'outil ») and confirms it; the real task worker
schedules a review meeting in each of the two organisations whose agreement has a review clause and that
use the vendor's tool; each delegate finds it among their review meetings; in the first organisation the
delegate holds it — the roadmap's four-point agenda, the attendance and the minutes, two measures with
their owners and due dates, carried out — and closes it with its outcome, which the tool's timeline and
history then show."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import time_machine
from django.utils import formats, timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Page, expect

from revoyure.core.permissions import Role
from revoyure.organisations import services as organisation_services
from revoyure.organisations.models import Membership, Organisation
from revoyure.registry.models import Tool, Vendor
from revoyure.reviews import services_clauses
from revoyure.reviews.models import Measure, MeetingStatus, ReviewMeeting, ReviewParticipant, TriggerEvent
from tests.browser.pages import (
    HistoryPage,
    MeasureDonePage,
    MeasureNewPage,
    PlatformEventNewPage,
    PlatformEventPage,
    ReviewCloseMeetingPage,
    ReviewHomePage,
    ReviewMeetingPage,
    ReviewMinutesPage,
    ToolTimelinePage,
)
from tests.factories import UserFactory, make_tool
from tests.worker_support import worker

Login = Callable[[Page, Any], None]

EVENT_TITLE = "Planifix publie la notice d'utilisation v5 du planificateur"
MEETING_TITLE = f"Review meeting: {EVENT_TITLE}"
KIND = "The vendor publishes updated instructions for use"
AGENDA = [
    f"1. Inform the participants of the triggering event : {EVENT_TITLE}",
    "2. Assess its impact on the tool in use",
    "3. Examine the measures to take",
    "4. Set the follow-up of those measures",
]
OUTCOME_TEXT = "Les chefs d'équipe sont formés ; la notice v5 est affichée dans l'outil."


def expect_message(page: Page, text: str) -> None:
    expect(page.locator('main [role="status"]').first).to_contain_text(text)


def in_service(organisation: Organisation, author: Any, name: str, vendor: Vendor) -> Tool:
    tool = make_tool(organisation, author, name=name, vendor=vendor)
    # The go-live gate is tested with the consultations; here the tool simply is in service.
    Tool.objects.filter(pk=tool.pk).update(status="in_service")
    tool.refresh_from_db()
    return tool


def agreement_with_clause(organisation: Organisation, actor: Any, title: str, participants: list[Any]) -> Any:
    agreement = organisation_services.create_agreement(
        organisation, actor, title=title, kind="collective", signed_on=dt.date(2026, 1, 15)
    )
    return services_clauses.create_clause(
        agreement,
        actor,
        title="Clause de revoyure",
        triggers=["vendor_instructions_update", "vendor_post_market_evaluation", "authority_warning"],
        notice_days=10,
        participants=participants,
    )


def run_the_worker() -> None:
    """The real database worker (django-tasks-db), in the test's thread, until the queue is empty."""
    worker("journey").run()
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert not failed.exists(), list(failed.values_list("traceback", flat=True))


def test_a_vendor_event_reaches_two_organisations_and_one_holds_and_closes_its_review(
    page: Page, personas: Any, login: Login, smtp_server: Any
) -> None:
    vendor = Vendor.objects.create(name="Planifix SAS")
    ours = in_service(personas.org, personas.delegate, "Planificateur des équipes", vendor)
    theirs = in_service(personas.other_org, personas.outsider, "Planificateur", vendor)
    their_delegate = UserFactory(email="delegue@other.example", full_name="Nadia Benali")
    Membership.objects.create(organisation=personas.other_org, user=their_delegate, role=Role.DELEGATE)
    agreement_with_clause(
        personas.org, personas.admin, "Accord sur l'IA au travail", [personas.delegate, personas.staff_rep]
    )
    agreement_with_clause(personas.other_org, personas.outsider, "Charte numérique", [their_delegate])
    platform_admin = UserFactory(email="plateforme@example.org", is_superuser=True, is_staff=True)
    today = timezone.localdate()

    # The platform administrator enters the vendor's event for the whole installation.
    login(page, platform_admin)
    new_event = PlatformEventNewPage(page).open()
    expect(new_event.heading).to_have_text("Enter an installation event")
    new_event.enter(
        kind=KIND,
        title=EVENT_TITLE,
        occurred_on=(today - dt.timedelta(days=2)).isoformat(),
        vendor="Planifix SAS",
        source="Notes de version Planifix",
        description="La notice v5 change le calcul des temps de repos.",
    )
    event_page = PlatformEventPage(page)
    expect(event_page.heading).to_have_text(EVENT_TITLE)
    expect_message(page, "The installation event is recorded. It awaits your confirmation.")
    event = TriggerEvent.objects.get(title=EVENT_TITLE)
    assert event.organisation_id is None
    assert event.status == "pending"
    assert event.vendor == vendor
    assert not ReviewMeeting.objects.exists()

    # It is confirmed; the worker schedules the meetings.
    event_page.confirm("Notice vérifiée sur le site de Planifix")
    expect_message(page, "The event is confirmed")
    run_the_worker()
    event.refresh_from_db()
    assert event.status == "confirmed"
    assert event.decided_by == platform_admin
    assert event.meetings_scheduled == 2
    page.reload()
    expect(event_page.reach).to_contain_text("2 organisations reached")
    expect(event_page.reach).to_contain_text("2 review meetings scheduled")
    meetings = {m.organisation_id: m for m in ReviewMeeting.objects.filter(event=event)}
    assert set(meetings) == {personas.org.pk, personas.other_org.pk}
    ours_meeting = meetings[personas.org.pk]
    assert list(ours_meeting.tools.all()) == [ours]
    assert list(meetings[personas.other_org.pk].tools.all()) == [theirs]
    # The invitations went out by e-mail, with the calendar entry.
    invited = {address for message in smtp_server.messages for address in message["To"].split(",")}
    assert {"delegate@acme.example", "staff_rep@acme.example", "delegue@other.example"} <= {
        a.strip() for a in invited
    }

    # The meeting appears among the review meetings of the other organisation...
    page.context.clear_cookies()
    login(page, their_delegate)
    their_home = ReviewHomePage(page).open(org="other")
    expect(their_home.meeting_row(MEETING_TITLE)).to_contain_text("Planned")
    expect(their_home.meeting_row(MEETING_TITLE)).to_contain_text("Planificateur")

    # ... and of ours, where the delegate opens it.
    page.context.clear_cookies()
    login(page, personas.delegate)
    home = ReviewHomePage(page).open(org="acme")
    expect(home.meeting_links()).to_have_count(1)
    expect(home.meeting_row(MEETING_TITLE)).to_contain_text("Planned")
    home.open_meeting(MEETING_TITLE)
    meeting = ReviewMeetingPage(page)
    expect(meeting.heading).to_have_text(MEETING_TITLE)
    expect(meeting.value_of("Status")).to_have_text("Planned")
    for point in AGENDA:
        expect(meeting.agenda).to_contain_text(point)
    expect(meeting.section("Tools concerned")).to_contain_text("Planificateur des équipes")
    expect(meeting.participants).to_have_count(2)
    expect(meeting.attendance_of("Delegate")).to_have_text("Not recorded")

    # The day of the meeting: attendance and minutes.
    meeting_day = timezone.localtime(ours_meeting.starts_at) + dt.timedelta(minutes=30)
    with time_machine.travel(meeting_day, tick=True):
        day = timezone.localdate()
        meeting.act("Record the attendance and the minutes")
        minutes = ReviewMinutesPage(page)
        expect(minutes.heading).to_have_text(f"Minutes of {MEETING_TITLE}")
        minutes.record(
            {
                "Delegate (Named in the review clause)": "Present",
                "Staff_Rep (Named in the review clause)": "Excused",
            },
            "La notice v5 change le calcul des temps de repos.\nLe planning de mai est à revérifier.",
        )
        expect_message(page, "The attendance and the minutes are saved.")
        expect(meeting.value_of("Status")).to_have_text("Held")
        expect(meeting.attendance_of("Delegate")).to_have_text("Present")
        expect(meeting.attendance_of("Staff_Rep")).to_have_text("Excused")
        expect(meeting.minutes).to_contain_text("Le planning de mai est à revérifier.")

        # Two measures, with their owners and due dates.
        measures = [
            ("Former les chefs d'équipe à la notice v5", "Manager <manager@acme.example>", 14),
            ("Revérifier les plannings de mai", "Staff_Rep <staff_rep@acme.example>", 21),
        ]
        for text, owner, days in measures:
            meeting.act("Record a measure")
            MeasureNewPage(page).record(
                text,
                due_on=(day + dt.timedelta(days=days)).isoformat(),
                owner=owner,
                tool="Planificateur des équipes",
            )
            expect_message(page, "The measure is recorded.")
        expect(meeting.measures).to_have_count(2)
        expect(meeting.measure("Former les chefs d'équipe")).to_contain_text("Manager")
        expect(meeting.measure("Former les chefs d'équipe")).to_contain_text(
            formats.date_format(day + dt.timedelta(days=14), "DATE_FORMAT")
        )
        expect(meeting.measure("Revérifier les plannings")).to_contain_text("Staff_Rep")

        # Carried out, then the meeting is closed with its outcome.
        for text, _owner, _days in measures:
            meeting.mark_done(text)
            done = MeasureDonePage(page)
            expect(done.heading).to_have_text("Measure done")
            done.record(note="Fait et vérifié en comité")
            expect_message(page, "The measure is recorded as done.")
            expect(meeting.measure(text)).to_contain_text("Done")
        meeting.act("Close the meeting with its outcome")
        ReviewCloseMeetingPage(page).close("Measures decided", OUTCOME_TEXT)
        expect_message(page, "The meeting is closed; its outcome is in the history of its tools.")
        expect(meeting.value_of("Status")).to_have_text("Closed")
        expect(meeting.outcome).to_contain_text("Measures decided")
        expect(meeting.outcome).to_contain_text(OUTCOME_TEXT)
        expect(meeting.main.locator("ul.actions")).to_have_count(0)

        # The tool's timeline: the event, the closed meeting, the measures done.
        timeline = ToolTimelinePage(page).open(org="acme", tool_id=ours.pk)
        expect(timeline.timeline_rows).to_have_count(4)
        expect(timeline.timeline_row(EVENT_TITLE)).to_contain_text("Confirmed")
        expect(timeline.timeline_row(EVENT_TITLE)).to_contain_text(KIND)
        expect(timeline.timeline_row(MEETING_TITLE)).to_contain_text("Closed")
        expect(timeline.timeline_row(MEETING_TITLE)).to_contain_text("Outcome: Measures decided")
        for text, owner, _days in measures:
            expect(timeline.timeline_row(text)).to_contain_text("Done")
            expect(timeline.timeline_row(text)).to_contain_text(f"Owner: {owner.split(' <')[0]}")

        # The tool's history: the review's outcome is its latest version.
        history = HistoryPage(page).open(org="acme", pk=ours.pk)
        latest = history.versions().first
        expect(latest).to_contain_text(
            re.compile(rf"Review meeting “{re.escape(MEETING_TITLE)}” of .+: Measures decided")
        )
        expect(latest).to_contain_text(OUTCOME_TEXT)

    ours_meeting.refresh_from_db()
    assert ours_meeting.status == MeetingStatus.CLOSED
    assert ours_meeting.outcome == "measures"
    assert ours_meeting.outcome_text == OUTCOME_TEXT
    attendance = dict(ReviewParticipant.objects.filter(meeting=ours_meeting).values_list("email", "present"))
    assert attendance == {"delegate@acme.example": True, "staff_rep@acme.example": False}
    recorded = Measure.objects.filter(meeting=ours_meeting).order_by("due_on")
    assert [(m.text, m.owner.email if m.owner else None, m.status) for m in recorded] == [
        ("Former les chefs d'équipe à la notice v5", "manager@acme.example", "done"),
        ("Revérifier les plannings de mai", "staff_rep@acme.example", "done"),
    ]
    assert all(m.done_on == meeting_day.date() for m in recorded)
    # The other organisation's meeting is untouched: its delegate holds it on their own schedule.
    their_meeting = meetings[personas.other_org.pk]
    their_meeting.refresh_from_db()
    assert their_meeting.status == MeetingStatus.PLANNED
    assert not their_meeting.measures.exists()
