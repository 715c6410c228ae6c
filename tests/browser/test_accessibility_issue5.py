"""The accessibility audit (axe) on the page types of issue 5: the AI committee (settings, members, meetings
with their attendance and decisions, notes, annual dossier, communications), the training records, and the
staff reports (the forms, the follow-up code, the follow-up page, the case pages of the committee), with
realistic data and in the states people meet (forms showing their errors, the follow-up code shown once,
too many wrong codes). Same rules as test_accessibility_pages.py: a violation is fixed in the page, never
excluded here."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import Page, expect

from revoyure.committee import services as committee_services
from revoyure.committee import services_trainings as training_services
from revoyure.committee.models import Committee, CommitteeMember, Meeting, Quality, Training, TrainingPlan
from revoyure.committee.services_trainings import Person
from revoyure.registry.models import Tool, Vendor
from revoyure.reports import intake
from revoyure.reports import services as report_services
from revoyure.reports.anonymity import WRONG_CODES, CleanFile, reset_rate_limits
from revoyure.reports.models import Channel, Report
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import (
    CaseListPage,
    CasePage,
    CommitteeHomePage,
    CommitteeMemberEditPage,
    CommitteeMembersPage,
    CommitteeSettingsPage,
    CommunicationNewPage,
    CommunicationsPage,
    DecisionListPage,
    DossierPage,
    FollowUpPage,
    MeetingListPage,
    MeetingNewPage,
    MeetingPage,
    MyReportPage,
    MyReportsPage,
    NotesPage,
    PublicReportPage,
    ReportFormPage,
    TrainingListPage,
    TrainingNewPage,
    TrainingPage,
    TrainingPeoplePage,
    TrainingPersonPage,
    TrainingPlanListPage,
    TrainingPlanNewPage,
    TrainingPlanPage,
    TrainingToolPage,
)

# `world` is the fixture of the main audit (one organisation after some months of use), reused here.
from tests.browser.test_accessibility_pages import World, world  # noqa: F401


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


@dataclass
class Issue5:
    world: World
    committee: Committee
    lawyer: CommitteeMember
    held: Meeting  # the annual meeting, held, with attendance, minutes and decisions
    planned: Meeting  # an extraordinary meeting to come
    training: Training
    plan: TrainingPlan
    signed: Report  # the employee's own report, answered by the committee
    anonymous: Report  # sent through the public link, a message from the committee
    code: str  # its follow-up code
    received: Report  # a new report, no step yet
    founded: Report  # founded, serious incident: the forms of the delegate are shown

    @property
    def org(self) -> str:
        return "acme"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.fixture
def issue5(world: World) -> Issue5:  # noqa: F811 - the imported fixture
    p = world.personas
    now = timezone.now()
    today = timezone.localdate()
    writing = Tool.objects.get(organisation=p.org, name="Assistant de rédaction")
    Vendor.objects.filter(pk=world.vendor.pk).update(alert_contact_email="alertes@planifix.example")

    committee = committee_services.get_or_create_committee(p.org)
    committee_services.update_settings(
        committee,
        p.admin,
        delegate=p.delegate,
        deputy=p.manager,
        reporting_email="comite-ia@acme.example",
        public_reporting_enabled=True,
        strategy="N'utiliser l'IA que pour soulager les tâches répétitives.",
        annual_meeting_month=3,
    )
    committee.refresh_from_db()
    add = committee_services.add_member
    add(committee, p.delegate, full_name="Marc Dupont", quality=Quality.MANAGEMENT, user=p.manager)
    add(
        committee,
        p.delegate,
        full_name="Sophie Leroy",
        quality=Quality.STAFF_REP,
        user=p.staff_rep,
        affiliation="CSE central",
    )
    lawyer = add(
        committee,
        p.delegate,
        full_name="Lou Avocat",
        quality=Quality.LAWYER,
        email="lou@avocats.example",
        affiliation="Cabinet Lou",
    )
    add(committee, p.delegate, full_name="Claire Chercheuse", quality=Quality.QUALIFIED, affiliation="INRIA")

    held = committee_services.create_meeting(
        committee,
        p.delegate,
        kind="annual",
        title="Réunion annuelle du comité IA",
        starts_at=now - dt.timedelta(days=20),
        location="Salle du conseil",
        agenda="1. Revue du registre\n2. Formations\n3. Signalements",
    )
    members = list(committee.members.order_by("pk"))
    committee_services.record_attendance(
        held,
        p.delegate,
        {members[0].pk: "present", members[1].pk: "present", members[2].pk: "excused"},
        "Le registre est à jour. Le plan de formation est validé.",
    )
    committee_services.mark_held(held, p.delegate)
    committee_services.add_decision(
        held,
        p.delegate,
        text="Former les rédacteurs avant la généralisation",
        owner="DRH",
        due_on=today + dt.timedelta(days=60),
        tool=writing,
    )
    committee_services.add_decision(held, p.delegate, text="Publier le registre sur l'intranet")
    planned = committee_services.create_meeting(
        committee,
        p.delegate,
        title="Réunion extraordinaire du comité IA",
        starts_at=now + dt.timedelta(days=12),
        location="Visioconférence",
        agenda="Instruction d'un signalement",
    )
    committee_services.add_note(
        committee,
        p.delegate,
        kind="vendor",
        title="Planifix annonce la version 5",
        noted_on=today - dt.timedelta(days=3),
        body="Nouveau module d'optimisation des tournées.",
        vendor=world.vendor,
        tool=world.tool,
    )
    committee_services.add_note(
        committee,
        p.delegate,
        kind="regulation",
        title="Lignes directrices de la Commission sur l'article 4",
        noted_on=today - dt.timedelta(days=10),
        url="https://digital-strategy.ec.europa.eu/",
    )
    published = committee_services.create_communication(
        committee, p.delegate, **committee_services.draft_from_meeting(held), meeting=held
    )
    committee_services.publish_communication(published, p.delegate)
    committee_services.create_communication(
        committee, p.delegate, title="Brouillon : prochaines formations", body="Les dates arrivent."
    )

    plan = training_services.create_plan(
        p.org,
        p.delegate,
        title="Formation des membres du comité",
        objectives="Comprendre le règlement sur l'IA et les biais des systèmes",
        planned_by=today + dt.timedelta(days=90),
        members=members[:3],
    )
    training = training_services.create_training(
        p.org,
        p.delegate,
        title="Sensibilisation à l'IA générative",
        topic="Usages permis, données à ne pas saisir, vérifier les réponses",
        given_on=today - dt.timedelta(days=7),
        duration_hours="3.5",
        trainer="Cabinet Lou",
        tools=[writing],
        plan=plan,
        members=[p.employee, p.manager],
        others=[Person("Luc Martin", "Accueil"), Person("Nadia Benali", "")],
    )
    training_services.create_training(
        p.org,
        p.manager,
        title="Prise en main du planificateur",
        given_on=today - dt.timedelta(days=40),
        tools=[world.tool],
        members=[p.employee],
    )

    signed, _code = intake.create_report(
        p.org,
        channel=Channel.WEB,
        title="Réponses inventées par l'assistant",
        description="L'assistant a cité un article de loi qui n'existe pas.",
        occurred_on=today - dt.timedelta(days=2),
        tool=writing,
        reporter=p.employee,
    )
    report_services.write_message(signed, p.delegate, body="Merci, le comité instruit votre signalement.")
    intake.add_reporter_message(signed, "J'ajoute une capture.", author=p.employee)
    anonymous, code = intake.create_report(
        p.org,
        channel=Channel.PUBLIC,
        title="Plannings hors contrat",
        description="Le planificateur me donne des horaires au-delà de mon contrat.",
        tool=world.tool,
        attachments=[CleanFile(png_bytes(), "image/png")],
    )
    report_services.write_message(anonymous, p.delegate, body="Le comité se réunit pour instruire ce point.")
    received, _code = intake.create_report(
        p.org,
        channel=Channel.WEB,
        title="Badgeuse qui se déclenche seule",
        description="La badgeuse enregistre des sorties que je n'ai pas faites.",
        tool=Tool.objects.get(organisation=p.org, name="Badgeuse connectée"),
        anonymous=True,
    )
    founded, _code = intake.create_report(
        p.org,
        channel=Channel.WEB,
        title="Tri des candidatures discriminant",
        description="Les candidatures de plus de 50 ans sont toujours écartées.",
        tool=world.tool,
        anonymous=True,
    )
    report_services.convene_committee(founded, p.delegate, starts_at=now + dt.timedelta(days=2))
    report_services.record_expertise(
        founded,
        p.delegate,
        sandbox="Copie des données de mai dans le bac à sable",
        steps="Rejeu de 200 candidatures",
        evidence="140 rejets au-delà de 50 ans",
        similar_cases="Deux signalements en 2025",
        reproduced=True,
    )
    report_services.record_finding(founded, p.delegate, founded=True, reasons="Biais reproduit sur l'âge")
    report_services.mark_serious_incident(founded, p.delegate, kind="general", aware_on=today)
    for report in (signed, anonymous, received, founded):
        report.refresh_from_db()
    return Issue5(
        world, committee, lawyer, held, planned, training, plan, signed, anonymous, code, received, founded
    )


# What to do on a page before auditing it -----------------------------------------------------------------


def record_an_empty_decision(page: Page, issue5: Issue5) -> None:
    meeting = MeetingPage(page)
    meeting.record_decision("   ", owner="DRH")
    expect(meeting.main.locator("#error-summary-decision")).to_be_visible()


def submit_an_empty_training(page: Page, issue5: Issue5) -> None:
    form = TrainingNewPage(page)
    form.field("title").fill("   ")
    form.main.get_by_role("button", name="Record the training").click()
    expect(form.main.locator("#error-summary")).to_be_visible()


def send_an_empty_report(page: Page, issue5: Issue5) -> None:
    form = ReportFormPage(page)
    form.fill(title="", description="", occurred_on="2999-01-01")
    form.send()
    expect(form.error_summary).to_be_visible()


def send_an_anonymous_report(page: Page, issue5: Issue5) -> None:
    form = ReportFormPage(page)
    path = issue5.world.file("capture.png", png_bytes())
    form.fill(
        title="Le chatbot répond à côté",
        description="Il m'a donné une date de congés fausse.",
        tool="Assistant de rédaction",
        files=(path,),
        anonymous=True,
    )
    form.send()
    expect(form.heading).to_have_text("Report sent")
    expect(form.followup_code).to_have_text(re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$"))


def open_with_the_code(page: Page, issue5: Issue5) -> None:
    followup = FollowUpPage(page)
    followup.enter_code(issue5.code.lower())
    expect(followup.committee_messages).to_contain_text(["Le comité se réunit pour instruire ce point."])


def enter_a_wrong_code(page: Page, issue5: Issue5) -> None:
    followup = FollowUpPage(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        followup.enter_code("AAAA-BBBB-CCCC-DDDD-EEEE")
    assert answer.value.status == 400
    expect(followup.field_errors).to_contain_text("This code does not match any report")


def enter_codes_too_often(page: Page, issue5: Issue5) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    for _attempt in range(WRONG_CODES.per_client):
        WRONG_CODES.hit(request, issue5.world.personas.org.pk)
    followup = FollowUpPage(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        followup.enter_code(issue5.code)
    assert answer.value.status == 429
    expect(followup.heading).to_have_text("Too many attempts")


def send_an_empty_message_to_the_reporter(page: Page, issue5: Issue5) -> None:
    case = CasePage(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        case.take("Write to the reporter", "Send the message")
    assert answer.value.status == 400
    expect(case.panel("Write to the reporter").locator(".field-error")).to_be_visible()


def send_a_bad_vendor_address(page: Page, issue5: Issue5) -> None:
    case = CasePage(page)
    case.take(
        "Formally alert the vendor (AI Act art. 26(5))",
        "Generate and send the letter",
        {"recipient_email": "pas-une-adresse"},
    )
    expect(
        case.panel("Formally alert the vendor (AI Act art. 26(5))").locator(".field-error")
    ).to_be_visible()


# Every page type -----------------------------------------------------------------------------------------

Url = Callable[[Issue5], str]
Action = Callable[[Page, Issue5], None]


@dataclass(frozen=True)
class Visit5:
    name: str
    who: str | None  # None: not logged in
    url: Url
    status: int = 200
    act: Action | None = None


def org(page_class: Any, **kwargs: Callable[[Issue5], Any]) -> Url:
    return lambda d: page_class.path(org="acme", **{k: f(d) for k, f in kwargs.items()})


def case(which: str) -> Url:
    return lambda d: CasePage.path(org="acme", report_id=getattr(d, which).pk)


def public_link(d: Issue5) -> str:
    return PublicReportPage.path(token=d.committee.public_reporting_token)


def followup(d: Issue5) -> str:
    return FollowUpPage.path(org_slug="acme")


VISITS = [
    # The committee
    Visit5("committee home", "delegate", org(CommitteeHomePage)),
    Visit5("committee home of a member", "committee", org(CommitteeHomePage)),
    Visit5("committee settings", "delegate", org(CommitteeSettingsPage)),
    Visit5("committee members", "delegate", org(CommitteeMembersPage)),
    Visit5(
        "committee member edit",
        "delegate",
        org(CommitteeMemberEditPage, committee_member_id=lambda d: d.lawyer.pk),
    ),
    Visit5("meetings", "delegate", org(MeetingListPage)),
    Visit5(
        "meeting held (attendance, decisions)", "delegate", org(MeetingPage, meeting_id=lambda d: d.held.pk)
    ),
    Visit5("meeting planned", "delegate", org(MeetingPage, meeting_id=lambda d: d.planned.pk)),
    Visit5("meeting of a member", "committee", org(MeetingPage, meeting_id=lambda d: d.held.pk)),
    Visit5(
        "meeting with a decision error",
        "delegate",
        org(MeetingPage, meeting_id=lambda d: d.held.pk),
        act=record_an_empty_decision,
    ),
    Visit5("meeting new", "delegate", org(MeetingNewPage)),
    Visit5("decisions", "delegate", org(DecisionListPage)),
    Visit5("notes", "delegate", org(NotesPage)),
    Visit5("dossier of the year", "delegate", org(DossierPage, year=lambda d: d.held.starts_at.year)),
    Visit5("communications of the delegate", "delegate", org(CommunicationsPage)),
    Visit5("communications of an employee", "employee", org(CommunicationsPage)),
    Visit5("communication new", "delegate", org(CommunicationNewPage)),
    Visit5(
        "communication new from a meeting",
        "delegate",
        lambda d: CommunicationNewPage.path(f"meeting={d.held.pk}", org="acme"),
    ),
    # Trainings
    Visit5("trainings", "delegate", org(TrainingListPage)),
    Visit5("training detail", "delegate", org(TrainingPage, training_id=lambda d: d.training.pk)),
    Visit5("training new", "delegate", org(TrainingNewPage)),
    Visit5("training new with errors", "delegate", org(TrainingNewPage), act=submit_an_empty_training),
    Visit5("trainings of a tool", "delegate", org(TrainingToolPage, pk=lambda d: d.world.tool.pk)),
    Visit5(
        "my trainings (employee)",
        "employee",
        org(TrainingPersonPage, user_id=lambda d: d.world.personas.employee.pk),
    ),
    Visit5("everyone trained", "delegate", org(TrainingPeoplePage)),
    Visit5("training plans", "delegate", org(TrainingPlanListPage)),
    Visit5("training plan detail", "delegate", org(TrainingPlanPage, plan_id=lambda d: d.plan.pk)),
    Visit5("training plan new", "delegate", org(TrainingPlanNewPage)),
    # Staff reports: the reporter's side
    Visit5("report form", "employee", org(ReportFormPage)),
    Visit5("report form with errors", "employee", org(ReportFormPage), act=send_an_empty_report),
    Visit5(
        "report sent with its follow-up code", "employee", org(ReportFormPage), act=send_an_anonymous_report
    ),
    Visit5("my reports", "employee", org(MyReportsPage)),
    Visit5("my report", "employee", org(MyReportPage, report_id=lambda d: d.signed.pk)),
    Visit5("public report form", None, public_link),
    Visit5("follow-up code form", None, followup),
    Visit5("follow-up wrong code", None, followup, act=enter_a_wrong_code),
    Visit5("follow-up too many attempts", None, followup, act=enter_codes_too_often),
    Visit5("follow-up status page", None, followup, act=open_with_the_code),
    # Staff reports: the committee's side
    Visit5("case list", "delegate", org(CaseListPage)),
    Visit5("case list filtered", "delegate", lambda d: CaseListPage.path("status=founded", org="acme")),
    Visit5("case received (staff representative on the committee)", "staff_rep", case("received")),
    Visit5("case founded, serious incident (delegate)", "delegate", case("founded")),
    Visit5("case with a form error", "delegate", case("founded"), act=send_an_empty_message_to_the_reporter),
    Visit5("case with a bad vendor address", "delegate", case("founded"), act=send_a_bad_vendor_address),
]


def open_visit(page: Page, issue5: Issue5, login: Callable[[Page, Any], None], target: Visit5) -> None:
    if target.who is not None:
        login(page, issue5.world.user(target.who))
    url = target.url(issue5)
    response = page.goto(url)
    assert response is not None
    assert response.status == target.status, f"{url} answered {response.status}"
    if target.act:
        target.act(page, issue5)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


@pytest.mark.parametrize("target", VISITS, ids=[v.name for v in VISITS])
def test_issue5_page_is_accessible(
    page: Page, issue5: Issue5, login: Callable[[Page, Any], None], target: Visit5
) -> None:
    open_visit(page, issue5, login, target)
    assert_accessible(page)


# In French, the default language ----------------------------------------------------------------------------

# Headings that are data (the catalogues of the committee and the reports are not translated yet).
FRENCH = {
    "meeting held (attendance, decisions)": "Réunion annuelle du comité IA",
    "training detail": "Sensibilisation à l'IA générative",
    "training plan detail": "Formation des membres du comité",
    "case founded, serious incident (delegate)": "Tri des candidatures discriminant",
}
FRENCH_VISITS = [v for v in VISITS if v.name in FRENCH]


@pytest.mark.parametrize("target", FRENCH_VISITS, ids=[v.name for v in FRENCH_VISITS])
def test_issue5_page_is_accessible_in_french(
    page: Page,
    issue5: Issue5,
    login: Callable[[Page, Any], None],
    target: Visit5,
    settings: Any,
    live_server: Any,
) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    open_visit(page, issue5, login, target)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_contain_text(FRENCH[target.name])
    assert_accessible(page)
