"""The accessibility audit (axe) on the page types of issue 4: impact studies, panel test, framing note,
DUERP updates, questionnaires and consultations of the staff bodies, with realistic data and in the states
people meet (forms showing their errors). Same rules as test_accessibility_pages.py: a violation is fixed in
the page, never excluded here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from revoyure.assessments import services as assessment_services
from revoyure.assessments.models import Response
from revoyure.consultations import services as consultation_services
from revoyure.consultations.models import Consultation
from revoyure.organisations import services as organisation_services
from revoyure.organisations.models import StaffBody
from revoyure.registry.models import Tool
from revoyure.studies import services as study_services
from revoyure.studies.models import ImpactStudy
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import (
    BasePage,
    ConsultationListPage,
    ConsultationNewPage,
    ConsultationPage,
    DuerpListPage,
    FramingNoteEditPage,
    FramingNotePage,
    PanelPage,
    ResponseComparePage,
    ResponseCreatePage,
    ResponseListPage,
    ResponsePage,
    SectionPage,
    StudyCreatePage,
    StudyListPage,
    StudyPage,
)

# `world` is the fixture of the main audit (one organisation after some months of use), reused here.
from tests.browser.test_accessibility_pages import PDF, World, world  # noqa: F401

# Answers that complete every part of the working-conditions study and change working conditions.
FULL_ANSWERS: dict[str, dict[str, Any]] = {
    "purpose": {
        "purpose_description": "Aider à rédiger les courriers aux usagers",
        "change_kind": "new_features",
        "headcount_reduction_expected": "no",
        "planned_go_live": "2027-01-15",
    },
    "prevention": {
        "workload_change": "lasting_increase",
        "workload_measures": "Renfort de deux personnes pendant six mois",
        "mental_load": 3,
        "physical_health": "some",
        "duerp_update": "yes",
    },
    "hr": {"jobs_affected": "jobs", "jobs_affected_detail": "Les rédacteurs deviennent relecteurs"},
    "it": {"overlaps_existing": "no"},
    "dpo": {"personal_data": "yes", "dpia_status": "in_progress"},
}


@dataclass
class Issue4:
    world: World
    study: ImpactStudy  # in progress: parts assigned, some answers, a panel and a framing note
    signed_off: ImpactStudy  # signed off, changes working conditions: a DUERP update is pending
    consultation: Consultation  # the CSE informed, an establishment CSE only informed, documents

    @property
    def org(self) -> str:
        return "acme"


@pytest.fixture
def issue4(world: World) -> Issue4:  # noqa: F811 - the imported fixture
    p = world.personas
    today = timezone.localdate()
    screening = Tool.objects.get(organisation=p.org, name="Tri des candidatures")
    writing = Tool.objects.get(organisation=p.org, name="Assistant de rédaction")

    study = study_services.create_study(
        screening,
        p.manager,
        kind="new_tool",
        title="Étude d'impact du tri des candidatures",
        with_fria=True,
    )
    study_services.assign_part(
        study, p.manager, "purpose", assignee=p.manager, department="Direction du projet", due_on=today
    )
    study_services.assign_part(
        study,
        p.manager,
        "prevention",
        assignee=p.delegate,
        department="Service prévention",
        due_on=today + dt.timedelta(days=14),
    )
    study_services.assign_part(study, p.manager, "hr", department="DRH")
    assessment_services.save_answers(study.response, p.manager, FULL_ANSWERS["purpose"])
    assessment_services.complete_section(study.response, p.manager, "purpose")
    assessment_services.save_answers(
        study.response, p.delegate, {"workload_change": "temporary_increase", "mental_load": 2}
    )

    panel = study_services.create_panel(study, p.manager, "Tester le tri avec des recruteurs de terrain")
    nadia = study_services.add_member(
        panel, p.manager, full_name="Nadia Benali", member_user=p.employee, job="Recruteuse", department="RH"
    )
    study_services.add_member(
        panel, p.manager, full_name="Paul Girard", job="Manager", represents="Sites de province"
    )
    study_services.add_session(
        panel,
        p.manager,
        held_on=today - dt.timedelta(days=3),
        location="Salle Hélios",
        participants=[nadia],
        scenarios="Tri de 40 candidatures réelles anonymisées",
        findings="Les motifs de rejet ne sont pas expliqués",
    )
    evaluation = study_services.start_evaluation(nadia, p.manager)
    assessment_services.save_answers(
        evaluation.response,
        p.employee,
        {
            "ease_of_use": 4,
            "fits_tasks": 3,
            "workload_effect": "same",
            "mental_load_effect": "heavier",
            "training_needed": "short",
            "trust_results": 2,
            "improvements": "Expliquer chaque rejet",
        },
    )
    assessment_services.submit_response(evaluation.response, p.manager)
    study_services.share_panel_results(panel, p.manager, [world.body])
    study_services.save_framing_note(
        study,
        p.manager,
        {
            "needs": "Réduire le délai de réponse aux candidats",
            "responsibilities": [
                {"department": "DRH", "role": "Maître d'ouvrage", "person": "Manager"},
                {"department": "DSI", "role": "Maître d'œuvre", "person": ""},
            ],
            "calendar": [{"milestone": "Pilote", "date": "2027-01-15", "workload": "Hors période de paie"}],
            "workload_compatibility": "Pas de déploiement pendant les campagnes de recrutement",
            "budget": None,
            "budget_notes": "Licence incluse dans le contrat RH",
        },
    )

    signed_off = study_services.create_study(
        writing, p.manager, kind="change", title="Étude d'impact de l'assistant de rédaction"
    )
    for section_id, values in FULL_ANSWERS.items():
        assessment_services.save_answers(signed_off.response, p.manager, values)
        assessment_services.complete_section(signed_off.response, p.manager, section_id)
    study_services.request_review(signed_off, p.manager)
    signed_off = study_services.sign_off(signed_off, p.manager, "Validé en comité")

    establishment = organisation_services.create_staff_body(
        p.org, p.admin, kind="cse_establishment", name="CSE de l'établissement de Lyon", establishment="Lyon"
    )
    consultation = consultation_services.open_consultation(
        writing,
        p.manager,
        subject="Nouvelles fonctions de l'assistant de rédaction",
        staff_bodies=[world.body, establishment],
        study=signed_off,
        purposes={establishment.pk: "information"},
    )
    cse, informed = consultation.bodies.order_by("pk")
    consultation_services.record_information(cse, p.manager, today - dt.timedelta(days=5))
    consultation_services.record_information(informed, p.manager, today - dt.timedelta(days=5))
    consultation_services.add_document(
        consultation, p.manager, SimpleUploadedFile("note.pdf", PDF), "Note de présentation"
    )
    consultation_services.generate_dossier(consultation, p.manager)
    return Issue4(world, study, signed_off, consultation)


# What to do on a page before auditing it -----------------------------------------------------------------


def send_for_review_too_early(page: Page, issue4: Issue4) -> None:
    study = StudyPage(page)
    study.request_review()
    expect(study.main.locator('[role="alert"]')).to_contain_text("Some parts are not done yet")


def submit_a_wrong_number(page: Page, issue4: Issue4) -> None:
    section = SectionPage(page)
    section.answer("users_count", "beaucoup")
    section.save_draft()
    expect(section.error_summary).to_be_visible()


def complete_with_a_missing_answer(page: Page, issue4: Issue4) -> None:
    section = SectionPage(page)
    section.complete()
    expect(section.error_summary).to_be_visible()


def submit_an_empty_opinion(page: Page, issue4: Issue4) -> None:
    consultation = ConsultationPage(page)
    consultation.record_opinion("CSE central")
    expect(consultation.field_errors.first).to_be_visible()


def submit_a_framing_note_with_a_bad_date(page: Page, issue4: Issue4) -> None:
    note = FramingNoteEditPage(page)
    note.field("calendar").fill("Pilote | mi-janvier | Hors paie")
    note.save()
    expect(note.field_errors.first).to_be_visible()


# Every page type -----------------------------------------------------------------------------------------

Url = Callable[[Issue4], str]
Action = Callable[[Page, Issue4], None]


@dataclass(frozen=True)
class Visit4:
    name: str
    who: str
    url: Url
    status: int = 200
    act: Action | None = None


def of_study(page_class: type[BasePage], which: str = "study") -> Url:
    return lambda d: page_class.path(org="acme", study_id=getattr(d, which).pk)


def section(section_id: str, which: str = "study") -> Url:
    return lambda d: SectionPage.path(
        org="acme", response_id=getattr(d, which).response_id, section_id=section_id
    )


def compare(d: Issue4) -> str:
    return ResponseComparePage.path(f"a={d.study.response_id}&b={d.signed_off.response_id}", org="acme")


def consultation(d: Issue4) -> str:
    return ConsultationPage.path(org="acme", consultation_id=d.consultation.pk)


def new_consultation(d: Issue4) -> str:
    return ConsultationNewPage.path(org="acme", pk=d.study.tool_id)


def an_evaluation(d: Issue4) -> str:
    response = Response.objects.get(panel_evaluation__panel__study=d.study)
    return ResponsePage.path(org="acme", response_id=response.pk)


def imported_surveyjs(d: Issue4) -> str:
    from revoyure.assessments.services import import_surveyjs_definition

    data = (Path(__file__).parent.parent / "assessments" / "data" / "surveyjs_large.json").read_bytes()
    definition, _problems = import_surveyjs_definition(
        d.world.personas.org, d.world.personas.manager, data, name="Enquête numérique"
    )
    return f"/o/acme/questionnaires/definitions/{definition.pk}/"


def add_a_body_without_choosing(page: Page, issue4: Issue4) -> None:
    # A body not yet part of the consultation, so that the form to add one is offered.
    StaffBody.objects.create(organisation=issue4.world.personas.org, kind="cssct", name="CSSCT Acme")
    page.reload()
    page.get_by_role("button", name="Add the staff body").click()
    expect(page.locator(".field-error").first).to_be_visible()


VISITS = [
    # Impact studies
    Visit4("study list", "manager", lambda d: StudyListPage.path(org="acme")),
    Visit4("study create", "manager", lambda d: StudyCreatePage.path(org="acme", pk=d.study.tool_id)),
    Visit4("study detail", "manager", of_study(StudyPage)),
    Visit4("study detail of a staff representative", "staff_rep", of_study(StudyPage)),
    Visit4("study detail with an error", "manager", of_study(StudyPage), act=send_for_review_too_early),
    Visit4("study detail signed off", "staff_rep", of_study(StudyPage, "signed_off")),
    Visit4("panel", "manager", of_study(PanelPage)),
    Visit4("panel without a panel yet", "manager", of_study(PanelPage, "signed_off")),
    Visit4("framing note", "staff_rep", of_study(FramingNotePage)),
    Visit4("framing note edit", "manager", of_study(FramingNoteEditPage)),
    Visit4(
        "framing note edit with an error",
        "manager",
        of_study(FramingNoteEditPage),
        act=submit_a_framing_note_with_a_bad_date,
    ),
    Visit4("DUERP list", "manager", lambda d: DuerpListPage.path(org="acme")),
    # Questionnaires
    Visit4("questionnaire list", "manager", lambda d: ResponseListPage.path(org="acme")),
    Visit4("questionnaire start", "manager", lambda d: ResponseCreatePage.path(org="acme")),
    Visit4(
        "response overview",
        "manager",
        lambda d: ResponsePage.path(org="acme", response_id=d.study.response_id),
    ),
    Visit4("panel evaluation (submitted)", "manager", an_evaluation),
    Visit4("section form (choices, date, number, text)", "manager", section("purpose")),
    Visit4("section form (scale, choices, text)", "delegate", section("prevention")),
    Visit4("section form with an error", "manager", section("purpose"), act=submit_a_wrong_number),
    Visit4(
        "section form missing answers", "delegate", section("prevention"), act=complete_with_a_missing_answer
    ),
    Visit4("section of a submitted response", "manager", section("prevention", "signed_off")),
    Visit4("compare", "manager", compare),
    Visit4("SurveyJS import", "manager", lambda d: "/o/acme/questionnaires/import/"),
    Visit4("imported SurveyJS questionnaire", "staff_rep", imported_surveyjs),
    # Consultations
    Visit4("consultation list", "staff_rep", lambda d: ConsultationListPage.path(org="acme")),
    Visit4("consultation new", "manager", new_consultation),
    Visit4("consultation detail", "manager", consultation),
    Visit4("consultation detail of a staff representative", "staff_rep", consultation),
    Visit4("consultation detail with an error", "manager", consultation, act=submit_an_empty_opinion),
    Visit4(
        "consultation detail with a staff body error",
        "manager",
        consultation,
        act=add_a_body_without_choosing,
    ),
]


def open_visit(page: Page, issue4: Issue4, login: Callable[[Page, Any], None], target: Visit4) -> None:
    login(page, issue4.world.user(target.who))
    url = target.url(issue4)
    response = page.goto(url)
    assert response is not None
    assert response.status == target.status, f"{url} answered {response.status}"
    if target.act:
        target.act(page, issue4)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


@pytest.mark.parametrize("target", VISITS, ids=[v.name for v in VISITS])
def test_issue4_page_is_accessible(
    page: Page, issue4: Issue4, login: Callable[[Page, Any], None], target: Visit4
) -> None:
    open_visit(page, issue4, login, target)
    assert_accessible(page)


# In French, the default language ----------------------------------------------------------------------------

FRENCH = {
    "study detail": "Étude d'impact du tri des candidatures",
    "panel": "Test par un panel d'utilisateurs",
    "consultation detail": "Nouvelles fonctions de l'assistant de rédaction",
    "study list": "Études d'impact",
}
FRENCH_VISITS = [v for v in VISITS if v.name in FRENCH]


@pytest.mark.parametrize("target", FRENCH_VISITS, ids=[v.name for v in FRENCH_VISITS])
def test_issue4_page_is_accessible_in_french(
    page: Page,
    issue4: Issue4,
    login: Callable[[Page, Any], None],
    target: Visit4,
    settings: Any,
    live_server: Any,
) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    open_visit(page, issue4, login, target)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(FRENCH[target.name])
    assert_accessible(page)
