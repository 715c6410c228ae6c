"""The accessibility audit (axe) on the page types of issue 6, the review clause: agreements and their
clauses, the model clause, a tool's timeline, trigger events (the organisation's and the platform
administrator's), watched feeds, review meetings with their attendance, minutes, measures and outcome, and
the outgoing webhooks with their delivery log. With realistic data and in the states people meet: lists
with rows and empty lists, forms showing their errors, a planned, a held and a closed meeting, the
signing secret shown once. Same rules as test_accessibility_pages.py: a violation is fixed in the page,
never excluded here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from revoyure.organisations import services as organisation_services
from revoyure.organisations.models import Agreement
from revoyure.registry.models import Tool
from revoyure.reviews import fanout, services_clauses, services_events, services_feeds
from revoyure.reviews import services_meetings as meeting_services
from revoyure.reviews.models import (
    FeedSource,
    Measure,
    MeetingOutcome,
    ReviewClause,
    ReviewMeeting,
    TriggerEvent,
)
from revoyure.webhooks import services as webhook_services
from revoyure.webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import (
    ClauseEditPage,
    ClauseNewPage,
    EventListPage,
    EventNewPage,
    EventPage,
    FeedEditPage,
    FeedListPage,
    FeedNewPage,
    MeasureDonePage,
    MeasureEditPage,
    MeasureListPage,
    MeasureNewPage,
    ModelClausePage,
    PlatformEventListPage,
    PlatformEventNewPage,
    PlatformEventPage,
    PlatformFeedListPage,
    PlatformFeedNewPage,
    ReviewAgreementEditPage,
    ReviewAgreementListPage,
    ReviewAgreementPage,
    ReviewCloseMeetingPage,
    ReviewHomePage,
    ReviewMeetingEditPage,
    ReviewMeetingPage,
    ReviewMinutesPage,
    ToolTimelinePage,
    WebhookDeliveryPage,
    WebhookEditPage,
    WebhookListPage,
    WebhookNewPage,
    WebhookPage,
)

# `world` is the fixture of the main audit (one organisation after some months of use), reused here.
from tests.browser.test_accessibility_pages import World, world  # noqa: F401

# A public address literal: the outbound checks of feeds and webhooks accept it without DNS.
PUBLIC_HOST = "https://93.184.215.14"
SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]{40,}$")
ALL_TRIGGERS = [
    "vendor_instructions_update",
    "vendor_post_market_evaluation",
    "authority_warning",
    "tool_new_version",
    "delegate_signal",
    "dpo_annual_report",
    "founded_report",
]


@dataclass
class Issue6:
    world: World
    agreement: Agreement
    clause: ReviewClause  # active, every trigger, the CSE and three named members
    old_clause: ReviewClause  # inactive, named tools
    event: TriggerEvent  # the organisation's vendor event, confirmed: it led to `closed`
    pending: TriggerEvent  # entered by management, awaiting the delegate
    installation_event: TriggerEvent  # the platform administrator's, confirmed: it led to `held`
    platform_pending: TriggerEvent  # an installation event awaiting the platform administrator
    closed: ReviewMeeting  # held, measures done, closed with its outcome
    held: ReviewMeeting  # attendance and minutes recorded, measures open (one late)
    planned: ReviewMeeting  # to come
    open_measure: Measure  # late
    employee_measure: Measure  # owned by an employee, who sees no review page but this one
    done_measure: Measure
    endpoint: WebhookEndpoint
    failed: WebhookDelivery
    delivered: WebhookDelivery
    feed: FeedSource


def _move_to_past(meeting: ReviewMeeting, actor: Any, days: int) -> ReviewMeeting:
    """The meeting was held `days` ago (rescheduled through the service, as the delegate would)."""
    starts = timezone.now() - dt.timedelta(days=days)
    return meeting_services.update_meeting(
        meeting,
        actor,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        location="Salle du CSE",
        agenda=meeting.agenda,
    )


def _attendance(meeting: ReviewMeeting, present: set[str]) -> dict[str, str]:
    rows = meeting_services.attendance_rows(meeting)
    return {row["key"]: "present" if row["key"] in present else "excused" for row in rows}


@pytest.fixture
def issue6(world: World) -> Issue6:  # noqa: F811 - the imported fixture
    p = world.personas
    today = timezone.localdate()
    writing = Tool.objects.get(organisation=p.org, name="Assistant de rédaction")
    agreement = Agreement.objects.get(organisation=p.org, title="Accord sur le numérique")
    organisation_services.update_agreement(
        agreement,
        p.admin,
        reason="Parties précisées",
        signed_on=dt.date(2026, 1, 15),
        parties="Direction générale\nCSE central\nSyndicat CFDT",
    )
    agreement.refresh_from_db()
    clause = services_clauses.create_clause(
        agreement,
        p.delegate,
        title="Clause de revoyure du numérique",
        triggers=ALL_TRIGGERS,
        minimum_frequency_months=12,
        notice_days=10,
        staff_bodies=[world.body],
        participants=[p.delegate, p.staff_rep, p.manager],
    )
    old_clause = services_clauses.create_clause(
        agreement,
        p.delegate,
        title="Clause de l'assistant de rédaction",
        scope="tools",
        tools=[writing],
        triggers=["tool_new_version"],
        include_committee=True,
    )
    services_clauses.set_clause_active(old_clause, p.delegate, False, "Remplacée par la clause générale")

    # A webhook of the administrator, subscribed before the meetings are scheduled: they are delivered.
    endpoint, _secret = webhook_services.create_endpoint(
        p.org,
        p.admin,
        url=f"{PUBLIC_HOST}/hooks/revoyure",
        events=[EventType.MEETING_SCHEDULED, EventType.TOOL_CHANGED],
        description="SIRH",
    )

    # Three events: the organisation's, confirmed by the delegate; the installation's; a pending one.
    event, _created = services_events.create_event(
        organisation_id=p.org.pk,
        kind="vendor_instructions_update",
        origin="manual",
        title="Planifix publie la notice d'utilisation v5",
        occurred_on=today - dt.timedelta(days=40),
        actor=p.delegate,
        confirmed=True,
        source="Notes de version Planifix",
        vendor=world.vendor,
        evidence_url="https://planifix.example/notice-v5",
    )
    installation_event, _created = services_events.create_event(
        organisation_id=None,
        kind="vendor_post_market_evaluation",
        origin="manual",
        title="Planifix : évaluation après commercialisation",
        occurred_on=today - dt.timedelta(days=20),
        actor=world.superuser,
        confirmed=True,
        source="Planifix",
        vendor=world.vendor,
    )
    signal, _created = services_events.create_event(
        organisation_id=p.org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Le délégué signale des plannings hors contrat",
        occurred_on=today - dt.timedelta(days=1),
        actor=p.delegate,
        confirmed=True,
        tool=world.tool,
    )
    pending, _created = services_events.create_event(
        organisation_id=p.org.pk,
        kind="dpo_annual_report",
        origin="manual",
        title="Le rapport du DPO mentionne la badgeuse",
        occurred_on=today - dt.timedelta(days=3),
        actor=p.manager,
        description="Le rapport annuel relève une conservation trop longue des badgeages.",
    )
    platform_pending, _created = services_events.create_event(
        organisation_id=None,
        kind="authority_warning",
        origin="manual",
        title="La CNIL publie une mise en garde sur la planification automatisée",
        occurred_on=today - dt.timedelta(days=2),
        actor=world.superuser,
        category="scheduling",
        source="CNIL",
    )
    for confirmed in (event, installation_event, signal):
        fanout.fan_out_event(confirmed.pk)
    closed = ReviewMeeting.objects.get(event=event)
    held = ReviewMeeting.objects.get(event=installation_event)
    planned = ReviewMeeting.objects.get(event=signal)

    # The first meeting: held, two measures (one done), closed with measures decided.
    closed = _move_to_past(closed, p.delegate, days=30)
    meeting_services.record_minutes(
        closed,
        p.delegate,
        _attendance(closed, {p.delegate.email, p.staff_rep.email}),
        "La notice v5 change les règles de repos.\nLe CSE demande une formation des responsables.",
    )
    done_measure = meeting_services.add_measure(
        closed,
        p.delegate,
        text="Former les responsables à la notice v5",
        owner=p.manager,
        due_on=today - dt.timedelta(days=5),
        tool=world.tool,
    )
    meeting_services.complete_measure(
        done_measure, p.manager, done_on=today - dt.timedelta(days=7), note="Deux sessions en mars"
    )
    legal = meeting_services.add_measure(
        closed,
        p.delegate,
        text="Mettre à jour la fiche du registre",
        owner_name="Service juridique",
        due_on=today - dt.timedelta(days=15),
    )
    meeting_services.complete_measure(legal, p.delegate, done_on=today - dt.timedelta(days=10))
    closed = meeting_services.close_meeting(
        closed,
        p.delegate,
        outcome=MeetingOutcome.MEASURES,
        outcome_text="Les mesures sont suivies par le comité.",
    )

    # The second meeting: held, measures open (one late), not closed.
    held = _move_to_past(held, p.delegate, days=6)
    meeting_services.record_minutes(
        held,
        p.delegate,
        _attendance(held, {p.delegate.email, p.manager.email}),
        "L'évaluation du fournisseur ne concerne pas notre paramétrage.",
    )
    open_measure = meeting_services.add_measure(
        held,
        p.delegate,
        text="Demander à Planifix le rapport complet",
        owner=p.delegate,
        due_on=today - dt.timedelta(days=2),
        tool=world.tool,
    )
    employee_measure = meeting_services.add_measure(
        held,
        p.delegate,
        text="Afficher le résumé du rapport en salle de pause",
        owner=p.employee,
        due_on=today + dt.timedelta(days=20),
    )

    # The webhook's log: one delivered, one failed for good, one retrying, one test message waiting.
    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))
    assert len(deliveries) == 3, deliveries
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=deliveries[0].pk).update(
        status=DeliveryStatus.SUCCEEDED, attempts=1, last_attempt_at=now, response_status=204
    )
    WebhookDelivery.objects.filter(pk=deliveries[1].pk).update(
        status=DeliveryStatus.FAILED,
        attempts=8,
        last_attempt_at=now,
        response_status=503,
        response_excerpt="Service Unavailable",
        error="The receiver answered 503.",
    )
    WebhookDelivery.objects.filter(pk=deliveries[2].pk).update(
        status=DeliveryStatus.RETRYING,
        attempts=2,
        last_attempt_at=now,
        next_attempt_at=now + dt.timedelta(minutes=10),
        error="Connection refused",
    )
    webhook_services.send_test(endpoint, p.admin)

    # Watched feeds: the organisation's (one read, one in error) and the installation's.
    feed = services_feeds.create_feed(
        organisation=p.org,
        actor=p.delegate,
        title="Notes de version Planifix",
        url=f"{PUBLIC_HOST}/planifix/releases.atom",
        kind="vendor_instructions_update",
        vendor=world.vendor,
        product_keywords=["Planificateur", "Planifix RH"],
    )
    FeedSource.objects.filter(pk=feed.pk).update(last_fetched_at=now, last_status="ok")
    broken = services_feeds.create_feed(
        organisation=p.org,
        actor=p.delegate,
        title="Alertes du comité d'éthique",
        url=f"{PUBLIC_HOST}/ethique/alertes.rss",
        kind="authority_warning",
    )
    FeedSource.objects.filter(pk=broken.pk).update(
        last_fetched_at=now, last_status="error", last_error="The server answered 404."
    )
    services_feeds.create_feed(
        organisation=None,
        actor=world.superuser,
        title="Mises en garde de la CNIL",
        url=f"{PUBLIC_HOST}/cnil/alertes.rss",
        kind="authority_warning",
    )
    services_feeds.create_feed(
        organisation=None,
        actor=world.superuser,
        title="Notices Planifix (installation)",
        url=f"{PUBLIC_HOST}/planifix/notices.rss",
        kind="vendor_instructions_update",
        vendor=world.vendor,
    )

    for obj in (event, installation_event, pending, platform_pending, closed, held, planned):
        obj.refresh_from_db()
    return Issue6(
        world=world,
        agreement=agreement,
        clause=clause,
        old_clause=old_clause,
        event=event,
        pending=pending,
        installation_event=installation_event,
        platform_pending=platform_pending,
        closed=closed,
        held=held,
        planned=planned,
        open_measure=open_measure,
        employee_measure=employee_measure,
        done_measure=done_measure,
        endpoint=endpoint,
        failed=WebhookDelivery.objects.get(pk=deliveries[1].pk),
        delivered=WebhookDelivery.objects.get(pk=deliveries[0].pk),
        feed=feed,
    )


# What to do on a page before auditing it -----------------------------------------------------------------


def _submit_expecting_400(page: Page, submit: Callable[[], None]) -> None:
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit()
    assert answer.value.status == 400, f"{answer.value.url} answered {answer.value.status}"
    expect(page.locator('main [role="alert"]').first).to_be_visible()


def submit_an_empty_agreement(page: Page, d: Issue6) -> None:
    form = ReviewAgreementEditPage(page)
    form.field("title").fill("   ")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def submit_a_clause_without_title_or_notice(page: Page, d: Issue6) -> None:
    form = ClauseNewPage(page)
    form.field("title").fill("")
    form.field("notice_days").fill("999")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors).to_have_count(2)


def choose_a_clause_for_the_model(page: Page, d: Issue6) -> None:
    model = ModelClausePage(page)
    model.start_from(f"{d.agreement.title} — {d.clause.title}")
    expect(model.main).to_contain_text(d.clause.title)


def submit_an_empty_event(page: Page, d: Issue6) -> None:
    form = EventNewPage(page)
    form.field("evidence_url").fill("pas une adresse")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def submit_an_empty_platform_event(page: Page, d: Issue6) -> None:
    form = PlatformEventNewPage(page)
    form.field("vendor_name").fill("Fournisseur inconnu")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def submit_a_feed_without_address(page: Page, d: Issue6) -> None:
    form = FeedNewPage(page)
    form.field("title").fill("Flux du fournisseur")
    form.field("url").fill("ftp://planifix.example/flux")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def submit_an_empty_platform_feed(page: Page, d: Issue6) -> None:
    form = PlatformFeedNewPage(page)
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def reschedule_with_the_end_before_the_start(page: Page, d: Issue6) -> None:
    form = ReviewMeetingEditPage(page)
    form.field("ends_at").fill("2020-01-01T08:00")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def record_minutes_before_the_meeting(page: Page, d: Issue6) -> None:
    minutes = ReviewMinutesPage(page)
    minutes.field("minutes").fill("Compte rendu écrit trop tôt")
    _submit_expecting_400(page, minutes.save)
    expect(minutes.main).to_contain_text("The minutes can be recorded once the meeting has started.")


def close_without_an_outcome(page: Page, d: Issue6) -> None:
    form = ReviewCloseMeetingPage(page)
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def submit_an_empty_measure(page: Page, d: Issue6) -> None:
    form = MeasureNewPage(page)
    form.field("text").fill("   ")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def mark_done_in_the_future(page: Page, d: Issue6) -> None:
    form = MeasureDonePage(page)
    form.field("done_on").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    _submit_expecting_400(page, form.submit)


def submit_an_http_webhook(page: Page, d: Issue6) -> None:
    form = WebhookNewPage(page)
    form.field("url").fill("http://sirh.acme.example/hooks")
    _submit_expecting_400(page, form.submit)
    expect(form.field_errors.first).to_be_visible()


def create_a_webhook(page: Page, d: Issue6) -> None:
    form = WebhookNewPage(page)
    form.subscribe(f"{PUBLIC_HOST}/hooks/paie", "Paie", "A review meeting was scheduled")
    expect(form.heading).to_have_text("Signing secret")
    expect(form.secret).to_have_value(SECRET)


# Every page type -----------------------------------------------------------------------------------------

Url = Callable[[Issue6], str]
Action = Callable[[Page, Issue6], None]


@dataclass(frozen=True)
class Visit6:
    name: str
    who: str  # a persona, or "superuser" (the platform administrator)
    url: Url
    status: int = 200
    act: Action | None = None


def acme(page_class: Any, **kwargs: Callable[[Issue6], Any]) -> Url:
    return lambda d: page_class.path(org="acme", **{k: f(d) for k, f in kwargs.items()})


def other(page_class: Any) -> Url:
    """The other organisation, which has no agreement, event, meeting, feed or webhook: empty lists."""
    return lambda d: page_class.path(org="other")


def platform(page_class: Any, **kwargs: Callable[[Issue6], Any]) -> Url:
    return lambda d: page_class.path(**{k: f(d) for k, f in kwargs.items()})


VISITS = [
    # Agreements, clauses, the model clause, the timeline
    Visit6("agreements", "delegate", acme(ReviewAgreementListPage)),
    Visit6("agreements of a staff representative", "staff_rep", acme(ReviewAgreementListPage)),
    Visit6("agreements, none yet", "outsider", other(ReviewAgreementListPage)),
    Visit6(
        "agreement with its clauses and timeline",
        "delegate",
        acme(ReviewAgreementPage, agreement_id=lambda d: d.agreement.pk),
    ),
    Visit6(
        "agreement edit", "delegate", acme(ReviewAgreementEditPage, agreement_id=lambda d: d.agreement.pk)
    ),
    Visit6(
        "agreement edit with errors",
        "delegate",
        acme(ReviewAgreementEditPage, agreement_id=lambda d: d.agreement.pk),
        act=submit_an_empty_agreement,
    ),
    Visit6("clause new", "delegate", acme(ClauseNewPage, agreement_id=lambda d: d.agreement.pk)),
    Visit6(
        "clause new with errors",
        "delegate",
        acme(ClauseNewPage, agreement_id=lambda d: d.agreement.pk),
        act=submit_a_clause_without_title_or_notice,
    ),
    Visit6("clause edit", "delegate", acme(ClauseEditPage, clause_id=lambda d: d.clause.pk)),
    Visit6(
        "clause edit (inactive clause)", "delegate", acme(ClauseEditPage, clause_id=lambda d: d.old_clause.pk)
    ),
    Visit6("model clause", "staff_rep", acme(ModelClausePage)),
    Visit6(
        "model clause from a clause", "delegate", acme(ModelClausePage), act=choose_a_clause_for_the_model
    ),
    Visit6("tool timeline", "delegate", acme(ToolTimelinePage, tool_id=lambda d: d.world.tool.pk)),
    Visit6(
        "tool timeline, nothing yet",
        "delegate",
        acme(ToolTimelinePage, tool_id=lambda d: Tool.objects.get(name="Tri des candidatures").pk),
    ),
    # Meetings and measures
    Visit6("review meetings", "delegate", acme(ReviewHomePage)),
    Visit6("review meetings of a committee member", "committee", acme(ReviewHomePage)),
    Visit6(
        "review meetings filtered", "delegate", lambda d: ReviewHomePage.path("status=closed", org="acme")
    ),
    Visit6("review meetings, none yet", "outsider", other(ReviewHomePage)),
    Visit6("meeting planned", "delegate", acme(ReviewMeetingPage, review_meeting_id=lambda d: d.planned.pk)),
    Visit6(
        "meeting held (participants, minutes, measures)",
        "delegate",
        acme(ReviewMeetingPage, review_meeting_id=lambda d: d.held.pk),
    ),
    Visit6(
        "meeting held, read by a staff representative",
        "staff_rep",
        acme(ReviewMeetingPage, review_meeting_id=lambda d: d.held.pk),
    ),
    Visit6(
        "meeting closed with its outcome",
        "delegate",
        acme(ReviewMeetingPage, review_meeting_id=lambda d: d.closed.pk),
    ),
    Visit6("meeting edit", "delegate", acme(ReviewMeetingEditPage, review_meeting_id=lambda d: d.planned.pk)),
    Visit6(
        "meeting edit with errors",
        "delegate",
        acme(ReviewMeetingEditPage, review_meeting_id=lambda d: d.planned.pk),
        act=reschedule_with_the_end_before_the_start,
    ),
    Visit6("minutes", "delegate", acme(ReviewMinutesPage, review_meeting_id=lambda d: d.held.pk)),
    Visit6(
        "minutes before the meeting, refused",
        "delegate",
        acme(ReviewMinutesPage, review_meeting_id=lambda d: d.planned.pk),
        act=record_minutes_before_the_meeting,
    ),
    Visit6("meeting close", "delegate", acme(ReviewCloseMeetingPage, review_meeting_id=lambda d: d.held.pk)),
    Visit6(
        "meeting close with errors",
        "delegate",
        acme(ReviewCloseMeetingPage, review_meeting_id=lambda d: d.held.pk),
        act=close_without_an_outcome,
    ),
    Visit6("measure new", "delegate", acme(MeasureNewPage, review_meeting_id=lambda d: d.held.pk)),
    Visit6(
        "measure new with errors",
        "delegate",
        acme(MeasureNewPage, review_meeting_id=lambda d: d.held.pk),
        act=submit_an_empty_measure,
    ),
    Visit6("measure edit", "delegate", acme(MeasureEditPage, measure_id=lambda d: d.open_measure.pk)),
    Visit6("measure done", "delegate", acme(MeasureDonePage, measure_id=lambda d: d.open_measure.pk)),
    Visit6(
        "measure done with errors",
        "delegate",
        acme(MeasureDonePage, measure_id=lambda d: d.open_measure.pk),
        act=mark_done_in_the_future,
    ),
    Visit6(
        "measure done, already done (its owner)",
        "manager",
        acme(MeasureDonePage, measure_id=lambda d: d.done_measure.pk),
    ),
    Visit6(
        "measure done by its owner (an employee)",
        "employee",
        acme(MeasureDonePage, measure_id=lambda d: d.employee_measure.pk),
    ),
    Visit6("measures", "delegate", acme(MeasureListPage)),
    Visit6("measures late", "delegate", lambda d: MeasureListPage.path("state=late", org="acme")),
    Visit6("measures, none yet", "outsider", other(MeasureListPage)),
    # Watched feeds
    Visit6("feeds", "delegate", acme(FeedListPage)),
    Visit6("feeds read by a staff representative", "staff_rep", acme(FeedListPage)),
    Visit6("feeds, none yet", "outsider", other(FeedListPage)),
    Visit6("feed new", "delegate", acme(FeedNewPage)),
    Visit6("feed new with errors", "delegate", acme(FeedNewPage), act=submit_a_feed_without_address),
    Visit6("feed edit", "delegate", acme(FeedEditPage, feed_id=lambda d: d.feed.pk)),
    Visit6("platform feeds", "superuser", platform(PlatformFeedListPage)),
    Visit6("platform feed new", "superuser", platform(PlatformFeedNewPage)),
    Visit6(
        "platform feed new with errors",
        "superuser",
        platform(PlatformFeedNewPage),
        act=submit_an_empty_platform_feed,
    ),
    # Webhooks
    Visit6("webhooks", "admin", acme(WebhookListPage)),
    Visit6("webhooks, none yet", "outsider", other(WebhookListPage)),
    Visit6("webhook new", "admin", acme(WebhookNewPage)),
    Visit6("webhook new with errors", "admin", acme(WebhookNewPage), act=submit_an_http_webhook),
    Visit6("webhook secret shown once", "admin", acme(WebhookNewPage), act=create_a_webhook),
    Visit6("webhook with deliveries", "admin", acme(WebhookPage, webhook_id=lambda d: d.endpoint.pk)),
    Visit6("webhook edit", "admin", acme(WebhookEditPage, webhook_id=lambda d: d.endpoint.pk)),
    Visit6("webhook delivery failed", "admin", acme(WebhookDeliveryPage, delivery_id=lambda d: d.failed.pk)),
    Visit6(
        "webhook delivery delivered",
        "admin",
        acme(WebhookDeliveryPage, delivery_id=lambda d: d.delivered.pk),
    ),
    # Trigger events (written last: these pages were being finished alongside)
    Visit6("events", "delegate", acme(EventListPage)),
    Visit6("events of a staff representative", "staff_rep", acme(EventListPage)),
    Visit6("events filtered", "delegate", lambda d: EventListPage.path("status=pending", org="acme")),
    Visit6("events, none yet", "outsider", other(EventListPage)),
    Visit6("event new (delegate)", "delegate", acme(EventNewPage)),
    Visit6("event new (management)", "manager", acme(EventNewPage)),
    Visit6("event new with errors", "delegate", acme(EventNewPage), act=submit_an_empty_event),
    Visit6("event confirmed with its meeting", "delegate", acme(EventPage, event_id=lambda d: d.event.pk)),
    Visit6("event pending, to decide", "delegate", acme(EventPage, event_id=lambda d: d.pending.pk)),
    Visit6(
        "installation event that reached us",
        "delegate",
        acme(EventPage, event_id=lambda d: d.installation_event.pk),
    ),
    Visit6("platform events", "superuser", platform(PlatformEventListPage)),
    Visit6("platform event new", "superuser", platform(PlatformEventNewPage)),
    Visit6(
        "platform event new with errors",
        "superuser",
        platform(PlatformEventNewPage),
        act=submit_an_empty_platform_event,
    ),
    Visit6(
        "platform event confirmed with its reach",
        "superuser",
        platform(PlatformEventPage, event_id=lambda d: d.installation_event.pk),
    ),
    Visit6(
        "platform event pending, to decide",
        "superuser",
        platform(PlatformEventPage, event_id=lambda d: d.platform_pending.pk),
    ),
]


def open_visit(page: Page, issue6: Issue6, login: Callable[[Page, Any], None], target: Visit6) -> None:
    login(page, issue6.world.user(target.who))
    url = target.url(issue6)
    response = page.goto(url)
    assert response is not None
    assert response.status == target.status, f"{url} answered {response.status}"
    if target.act:
        target.act(page, issue6)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


@pytest.mark.parametrize("target", VISITS, ids=[v.name for v in VISITS])
def test_issue6_page_is_accessible(
    page: Page, issue6: Issue6, login: Callable[[Page, Any], None], target: Visit6
) -> None:
    open_visit(page, issue6, login, target)
    assert_accessible(page)
