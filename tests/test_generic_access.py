"""Cross-cutting rules, written once and run for every URL pattern and API endpoint (ENGINEERING.md):

- an outsider (member of another organisation) gets 404 on every organisation URL;
- an anonymous visitor is sent to the login page (pages) or gets 401 (API);
- malformed input posted to every URL gives a 4xx and writes nothing.

URL patterns are discovered from the resolver, so a new view is covered as soon as it is routed. Each path
parameter name must be known below: a new name makes the test fail until it is added.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from revoyure.assessments import services as assessment_services
from revoyure.assessments.models import Answer, PiaImport, QuestionnaireDefinition
from revoyure.assessments.models import Response as AssessmentResponse
from revoyure.assessments.services_pia import import_pia
from revoyure.committee import services as committee_services
from revoyure.committee import services_trainings as training_services
from revoyure.committee.models import (
    CommitteeMember,
    Communication,
    Decision,
    DelegateNote,
    Meeting,
    Trainee,
    Training,
    TrainingPlan,
)
from revoyure.consultations import services as consultation_services
from revoyure.consultations.models import BodyConsultation, Consultation, ConsultationDocument
from revoyure.core.models import AuditEntry
from revoyure.organisations.models import (
    Agreement,
    ApiToken,
    Invitation,
    Membership,
    StaffBody,
    StaffBodyMember,
)
from revoyure.qualification.models import CalendarFeed, Obligation, ToolQualification
from revoyure.registry import services
from revoyure.registry.models import Attachment, Tool, Vendor
from revoyure.reports import intake as report_intake
from revoyure.reports.models import CaseStep, Report
from revoyure.reports.models import Message as ReportMessage
from revoyure.reviews import services_meetings as review_meeting_services
from revoyure.reviews.models import (
    FeedSource,
    Measure,
    MeetingNotice,
    ReviewClause,
    ReviewMeeting,
    TriggerEvent,
)
from revoyure.reviews.services_events import create_event
from revoyure.studies import services as study_services
from revoyure.studies.models import DuerpUpdate, FramingNote, ImpactStudy, PanelMember
from revoyure.webhooks.models import WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # e.g. "o/<slug:org>/register/<int:pk>/"

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def org_scoped(self) -> bool:
        return (
            "<slug:org>" in self.pattern or "<org>" in self.pattern or "organisations/<slug>" in self.pattern
        )


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(name, prefix + str(entry.pattern))


# Routes deliberately open to anonymous visitors: they answer without a login by design.
PUBLIC_ROUTES = {
    "ping",
    "set_language",
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "organisations:accept_invitation",
    "api:openapi-json",
    "api:openapi-view",
    "qualification_feed:ical",  # a private calendar URL: the token in it is the credential
    "reports:public_report",  # the public report link: 404 unless enabled, the token is the credential
    "reports:followup",  # anonymous follow-up: the code posted is the credential
}
# Routes whose public access is governed by an organisation switch (public transparency, open data).
PUBLIC_PREFIXES = ("public/",)


def all_routes() -> list[Route]:
    routes = [r for r in _walk(get_resolver().url_patterns) if not r.pattern.startswith("static/")]
    return sorted(set(routes), key=lambda r: (r.pattern, r.name))


ROUTES = all_routes()
ORG_ROUTES = [r for r in ROUTES if r.org_scoped and not r.pattern.startswith(PUBLIC_PREFIXES)]
PRIVATE_ROUTES = [
    r for r in ROUTES if r.name not in PUBLIC_ROUTES and not r.pattern.startswith(PUBLIC_PREFIXES)
]


@dataclass
class World:
    personas: Any
    tool: Tool
    values: dict[str, str]


@pytest.fixture
def world(personas: Any, tmp_path: Any, settings: Any) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    p = personas
    tool = services.create_tool(p.org, p.delegate, {"name": "Walked tool"}, "test")
    services.update_tool(tool, p.delegate, {"purpose": "Plan"}, "second version")
    vendor = Vendor.objects.create(name="Walked vendor")
    upload = SimpleUploadedFile("note.txt", b"plain text attachment", content_type="text/plain")
    attachment = services.add_attachment(p.org, p.delegate, upload, title="Note", kind="other", tool=tool)
    body = StaffBody.objects.create(organisation=p.org, kind="cse", name="CSE")
    member = StaffBodyMember.objects.create(staff_body=body, full_name="Jo")
    agreement = Agreement.objects.create(organisation=p.org, title="Accord", kind="collective")
    history = list(tool.history.order_by("history_id").values_list("history_id", flat=True))
    token = ApiToken.objects.create(
        user=p.admin,
        organisation=p.org,
        role="org_admin",
        name="t",
        prefix="rvy_x",
        token_hash=secrets.token_hex(32),
    )
    invitation = Invitation.objects.create(
        organisation=p.org,
        email="new@acme.example",
        roles=["employee"],
        token_hash=secrets.token_hex(32),
        expires_at="2099-01-01T00:00Z",
    )
    membership = Membership.objects.filter(organisation=p.org, user=p.employee).first()
    from django.utils import timezone

    from revoyure.qualification.models import Obligation

    obligation = Obligation.objects.create(
        organisation=p.org,
        tool=tool,
        rule_id="CT-999",
        family="labour_code",
        state="applies",
        responsible="employer",
        evaluated_at=timezone.now(),
    )
    pia = import_pia(tool, p.delegate, b'{"pia": {"name": "DPIA"}, "answers": []}', "dpia.json")
    # Issue 4: an impact study with a panel, a DUERP update, a questionnaire response, a consultation.
    study = study_services.create_study(tool, p.manager, kind="new_tool", title="Walked study")
    panel = study_services.create_panel(study, p.manager)
    panel_member = study_services.add_member(panel, p.manager, full_name="A")
    session = study_services.add_session(panel, p.manager, held_on=dt.date(2026, 1, 1))
    duerp = DuerpUpdate.objects.create(organisation=p.org, tool=tool, study=study, reason="r")
    questionnaire = assessment_services.create_response(
        p.org, p.manager, "working-conditions-impact", "Walked", tool=tool
    )
    consultation = consultation_services.open_consultation(
        tool, p.manager, subject="Walked consultation", staff_bodies=[body]
    )
    report, _code = report_intake.create_report(
        p.org, channel="web", title="Walked report", description="x", reporter=p.employee
    )
    committee = committee_services.get_or_create_committee(p.org)
    committee_member = committee_services.add_member(
        committee, p.delegate, full_name="Walked", quality="lawyer"
    )
    meeting = committee_services.create_meeting(
        committee, p.delegate, title="Walked meeting", starts_at=timezone.now() + dt.timedelta(days=5)
    )
    decision = committee_services.add_decision(meeting, p.delegate, text="Walked decision")
    note = committee_services.add_note(
        committee, p.delegate, kind="vendor", title="N", noted_on=dt.date(2026, 1, 1)
    )
    communication = committee_services.create_communication(committee, p.delegate, title="C", body="b")
    training = training_services.create_training(
        p.org,
        p.delegate,
        title="Walked training",
        given_on=dt.date(2026, 1, 5),
        tools=[tool],
        members=[p.employee],
    )
    training_plan = training_services.create_plan(p.org, p.delegate, title="Walked plan")
    document = consultation_services.add_document(
        consultation, p.manager, SimpleUploadedFile("avis.txt", b"plain text", content_type="text/plain")
    )
    # Issue 6: an agreement's review clause, an event, a feed, a review meeting with a measure, a webhook.
    clause = ReviewClause.objects.create(
        organisation=p.org, agreement=agreement, title="Walked clause", triggers=["delegate_signal"]
    )
    event, _created = create_event(
        organisation_id=p.org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Walked event",
        occurred_on=dt.date(2026, 1, 2),
    )
    feed = FeedSource.objects.create(
        organisation=p.org, kind="authority_warning", title="Walked feed", url="https://feeds.example/rss"
    )
    review_meeting = ReviewMeeting.objects.create(
        organisation=p.org,
        clause=clause,
        event=event,
        reason="event",
        title="Walked review meeting",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=2),
        ical_uid="walked-review@test",
    )
    measure = review_meeting_services.add_measure(
        review_meeting, p.delegate, text="Walked measure", owner=p.delegate, due_on=dt.date(2027, 1, 1)
    )
    webhook = WebhookEndpoint.objects.create(
        organisation=p.org, url="https://hooks.example/walked", events=["tool.changed"], secret="whsec_eA=="
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=webhook, event_type="tool.changed", message_id="msg_walked"
    )
    values = {
        "org": p.org.slug,
        "slug": p.org.slug,
        "org_slug": p.org.slug,
        "pk": str(tool.pk),
        "tool_id": str(tool.pk),
        "id": str(tool.pk),
        "history_id": str(history[-1]),
        "attachment_id": str(attachment.pk),
        "vendor_id": str(vendor.pk),
        "body_id": str(body.pk),
        "staff_body_id": str(body.pk),
        "member_id": str(member.pk),
        "agreement_id": str(agreement.pk),
        "token_id": str(token.pk),
        "invitation_id": str(invitation.pk),
        "user_id": str(p.employee.pk),
        "membership_id": str(membership.pk if membership else 0),
        "obligation_id": str(obligation.pk),
        "pia_id": str(pia.pk),
        "study_id": str(study.pk),
        "panel_member_id": str(panel_member.pk),
        "session_id": str(session.pk),
        "update_id": str(duerp.pk),
        "response_id": str(questionnaire.pk),
        "section_id": questionnaire.definition.parsed.sections[0].id,
        "question_id": "x",
        "definition_slug": "working-conditions-impact",
        "definition_id": str(questionnaire.definition_id),
        "version": "1",
        "consultation_id": str(consultation.pk),
        "training_id": str(training.pk),
        "report_id": str(report.pk),
        "alert_id": "1",
        "committee_member_id": str(committee_member.pk),
        "meeting_id": str(meeting.pk),
        "decision_id": str(decision.pk),
        "note_id": str(note.pk),
        "communication_id": str(communication.pk),
        "year": "2026",
        "plan_id": str(training_plan.pk),
        "document_id": str(document.pk),
        "clause_id": str(clause.pk),
        "event_id": str(event.pk),
        "feed_id": str(feed.pk),
        "review_meeting_id": str(review_meeting.pk),
        "measure_id": str(measure.pk),
        "webhook_id": str(webhook.pk),
        "delivery_id": str(delivery.pk),
        "token": "not-a-real-token",
        "uidb64": "MQ",
        "path": "x",
        "format": "json",
        "fmt": "json",
    }
    return World(p, tool, values)


_PARAM = __import__("re").compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def build_path(route: Route, values: dict[str, str]) -> str:
    def fill(match: Any) -> str:
        name = match.group("name")
        if name not in values:
            raise AssertionError(
                f"{route.name} ({route.pattern}): add a test value for path parameter <{name}>"
            )
        return values[name]

    path = _PARAM.sub(fill, route.pattern)
    return "/" + path.lstrip("^").rstrip("$").replace("\\Z", "")


def _counts() -> dict[str, int]:
    return {
        "audit": AuditEntry.objects.count(),
        "tools": Tool.objects.count(),
        "tool_versions": Tool.history.count(),
        "vendors": Vendor.objects.count(),
        "attachments": Attachment.objects.count(),
        "memberships": Membership.objects.count(),
        "staff_bodies": StaffBody.objects.count(),
        "agreements": Agreement.objects.count(),
        "tokens": ApiToken.objects.count(),
        "invitations": Invitation.objects.count(),
        "obligation_versions": Obligation.history.count(),
        "answers": ToolQualification.history.count(),
        "calendar_feeds": CalendarFeed.objects.count(),
        "pia_imports": PiaImport.objects.count(),
        "studies": ImpactStudy.history.count(),
        "panel_members": PanelMember.history.count(),
        "duerp_updates": DuerpUpdate.history.count(),
        "framing_notes": FramingNote.history.count(),
        "questionnaire_responses": AssessmentResponse.history.count(),
        "questionnaire_answers": Answer.history.count(),
        "consultations": Consultation.history.count(),
        "body_consultations": BodyConsultation.history.count(),
        "consultation_documents": ConsultationDocument.objects.count(),
        "questionnaire_definitions": QuestionnaireDefinition.objects.count(),
        "trainings": Training.history.count(),
        "trainees": Trainee.objects.count(),
        "training_plans": TrainingPlan.history.count(),
        "reports": Report.objects.count(),
        "committee_members": CommitteeMember.history.count(),
        "meetings": Meeting.history.count(),
        "decisions": Decision.history.count(),
        "delegate_notes": DelegateNote.history.count(),
        "communications": Communication.history.count(),
        "report_messages": ReportMessage.objects.count(),
        "case_steps": CaseStep.objects.count(),
        "review_clauses": ReviewClause.history.count(),
        "trigger_events": TriggerEvent.history.count(),
        "feeds": FeedSource.history.count(),
        "review_meetings": ReviewMeeting.history.count(),
        "measures": Measure.history.count(),
        "meeting_notices": MeetingNotice.objects.count(),
        "webhooks": WebhookEndpoint.history.count(),
        "webhook_deliveries": WebhookDelivery.objects.count(),
    }


def test_routes_are_discovered() -> None:
    names = {r.name for r in ROUTES}
    assert "registry:tool_list" in names
    assert any(r.is_api for r in ROUTES)
    assert len(ORG_ROUTES) >= 5


@pytest.mark.parametrize("route", ORG_ROUTES, ids=lambda r: r.name or r.pattern)
def test_outsider_gets_404(route: Route, world: World) -> None:
    client = world.personas.client("outsider")
    path = build_path(route, world.values)
    before = _counts()
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (
            f"{method.upper()} {path} gave {response.status_code} to an outsider"
        )
    assert _counts() == before


@pytest.mark.parametrize("route", PRIVATE_ROUTES, ids=lambda r: r.name or r.pattern)
def test_anonymous_is_refused(route: Route, world: World) -> None:
    client = Client()
    path = build_path(route, world.values)
    before = _counts()
    response = client.get(path)
    if route.is_api:
        assert response.status_code == 401, f"GET {path} gave {response.status_code} to an anonymous caller"
    else:
        assert response.status_code in (302, 404), f"GET {path} gave {response.status_code} anonymously"
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), response["Location"]
    assert _counts() == before


MALFORMED_BODIES: list[dict[str, Any]] = [
    {
        "name": "",
        "reason": "",
        "status": "no-such-status",
        "file": "not a file",
        "email": "not-an-email",
        "roles": "no-such-role",
        "a": "x",
        "b": "y",
        "page": "-1",
        "headcount": "-5",
        "date": "31/02/2026",
    },
    {
        "name": "x" * 5000,
        "risk_health": "99",
        "system_created_on": "yesterday",
        "vendor": "999999999999",
        "affected_public": "aliens",
        "security_measures": "nonsense | |",
        "limit": "abc",
        "offset": "-1",
    },
]


@pytest.mark.parametrize("route", PRIVATE_ROUTES, ids=lambda r: r.name or r.pattern)
def test_malformed_input_gives_4xx_and_writes_nothing(route: Route, world: World) -> None:
    """Posted as the organisation administrator (who may do everything): garbage is refused cleanly."""
    client = world.personas.client("admin")
    path = build_path(route, world.values)
    before = _counts()
    responses = [client.post(path, data) for data in MALFORMED_BODIES]
    responses.append(client.post(path, data=b"\x00\xff{not json", content_type="application/json"))
    responses.append(
        client.post(path, data=json.dumps({"name": ["x"] * 3, "reason": {}}), content_type="application/json")
    )
    responses.append(
        client.get(
            path,
            {
                "page": "abc",
                "sort": "'; DROP TABLE",
                "status": "zzz",
                "q": "\x00" * 3,
                "limit": "-1",
                "offset": "x",
                "a": "0",
                "b": "-3",
            },
        )
    )
    for response in responses[:-1]:
        assert 400 <= response.status_code < 500, (
            f"POST {path} with malformed input gave {response.status_code}"
        )
    assert responses[-1].status_code < 500, f"GET {path} with a bad query string gave a server error"
    assert _counts() == before, f"POST {path} with malformed input wrote something"
