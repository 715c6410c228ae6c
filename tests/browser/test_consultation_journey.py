"""Issue 4 in a real browser: a planned tool goes through its impact study, a panel test, the consultation
of the CSE and the go-live gate (legal-rules CT-2: the CSE is consulted before any deployment)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from revoyure.assessments import services as assessment_services
from revoyure.consultations import tasks
from revoyure.consultations.models import Consultation, ConsultationDocument
from revoyure.organisations.models import StaffBody
from revoyure.organisations.services import create_staff_body, update_organisation
from revoyure.qualification.models import Obligation
from revoyure.registry.models import Tool
from revoyure.studies.models import DuerpUpdate, ImpactStudy, PanelTest
from tests.browser.pages import (
    ConsultationNewPage,
    ConsultationPage,
    PanelPage,
    QualificationPage,
    SectionPage,
    StudyCreatePage,
    StudyPage,
    ToolFormPage,
    ToolPage,
)
from tests.factories import make_tool

Login = Callable[[Page, Any], None]

PREVENTION = "Prevention: workload, mental load, psychosocial risks, health and safety"

# The parts of the study not filled in the browser (see the journey): enough to complete each one.
OTHER_PARTS: dict[str, dict[str, Any]] = {
    "purpose": {
        "purpose_description": "Construire les plannings des équipes de soins",
        "change_kind": "new_tool",
        "headcount_reduction_expected": "no",
        "planned_go_live": "2027-03-01",
    },
    "hr": {"jobs_affected": "tasks"},
    "it": {"overlaps_existing": "no"},
    "dpo": {"personal_data": "yes", "dpia_status": "in_progress"},
}


@pytest.fixture
def cse(personas: Any) -> StaffBody:
    """A company under the Code du travail (no public-service branch), 120 employees, with a CSE: the
    conditions of CT-2 on the organisation's side (qualification/facts.py, `org.*`)."""
    update_organisation(
        personas.org,
        personas.admin,
        {"headcount": 120, "reached_50_for_12_months": True, "public_service_branch": ""},
        "Effectif au 1er janvier",
    )
    return create_staff_body(
        personas.org,
        personas.admin,
        kind="cse",
        name="CSE Acme",
        members=[("Camille Martin", "Secrétaire"), ("Samir Haddad", "Trésorier")],
    )


def iso(day: dt.date) -> str:
    return day.isoformat()


def expect_message(page: Page, text: str) -> None:
    expect(page.locator('main [role="status"]')).to_contain_text(text)


def test_planned_tool_study_panel_consultation_opinion_go_live(
    page: Page, personas: Any, cse: StaffBody, login: Login
) -> None:
    today = timezone.localdate()
    login(page, personas.manager)

    # The manager describes the planned tool in the register.
    form = ToolFormPage(page).open(org="acme")
    form.fill(
        name="Planification des soins",
        function="Propose les plannings des équipes de soins",
        purpose="Réduire les changements d'horaires de dernière minute",
        domain_category="scheduling",
    )
    form.save()
    tool = Tool.objects.get(organisation=personas.org, name="Planification des soins")
    assert tool.status == "project"
    record = ToolPage(page)
    expect(record.heading).to_have_text("Planification des soins")

    # An impact study, started from the tool's page.
    record.follow("Start an impact study")
    create = StudyCreatePage(page)
    expect(create.heading).to_have_text("New impact study of Planification des soins")
    create.start(kind="New tool")
    expect_message(page, "The impact study is started")
    study_page = StudyPage(page)
    study = ImpactStudy.objects.get(tool=tool)
    expect(study_page.heading).to_have_text(study.title)
    expect(study_page.main).to_contain_text("0 of 5 parts done.")

    # The prevention part goes to the prevention department, then is filled through the section form.
    study_page.assign(PREVENTION, department="Service prévention", person="Manager (manager@acme.example)")
    expect_message(page, "The part is assigned.")
    expect(study_page.part_row(PREVENTION)).to_contain_text("Service prévention")
    study_page.open_part(PREVENTION)

    section = SectionPage(page)
    expect(section.heading).to_have_text(PREVENTION)
    section.choose("workload_change", "Lasting increase")
    section.choose("mental_load", "3")
    section.choose("psychosocial_factors", "Work intensity and working time")
    section.choose("physical_health", "A limited effect")
    section.save_draft()
    expect_message(page, "Your answers are saved as a draft.")
    # The lasting increase makes two more questions appear once saved.
    expect(section.question("workload_measures")).to_be_visible()
    section.answer("workload_measures", "Deux personnes de renfort pendant le déploiement")
    section.choose("duerp_update", "Yes")
    section.answer("prevention_programme", "Temps de formation et pauses protégées")
    section.complete()
    expect_message(page, "the section is marked done")

    # To keep the journey short, the other parts (purpose, HR, IT, DPO) are filled through the services,
    # as their owners would through the same form.
    for section_id, values in OTHER_PARTS.items():
        assessment_services.save_answers(study.response, personas.manager, values)
        assessment_services.complete_section(study.response, personas.manager, section_id)

    # Review and sign-off, in the browser.
    study_page = StudyPage(page).open(org="acme", study_id=study.pk)
    expect(study_page.main).to_contain_text("5 of 5 parts done.")
    study_page.request_review()
    expect_message(page, "The study is sent for review.")
    expect(study_page.value_of("Status")).to_have_text("In review")
    study_page.sign_off("Validé en comité de direction")
    expect_message(page, "The study is signed off")
    expect(study_page.value_of("Status")).to_have_text("Signed off")
    expect(study_page.results).to_contain_text("Changes working conditions: yes")
    expect(study_page.results).to_contain_text("sys.major_change_working_conditions")

    # The sign-off fed the study, the register and the qualification: CT-2 now applies.
    study.refresh_from_db()
    assert study.status == "signed_off"
    assert study.changes_working_conditions is True
    assert study.results["facts"]["sys.major_change_working_conditions"] is True
    tool.refresh_from_db()
    assert "Lasting increase" in tool.risk_health_justification
    assert "Deux personnes de renfort" in tool.rights_social_measures
    assert DuerpUpdate.objects.filter(tool=tool, done_on__isnull=True).exists()
    assert Obligation.objects.get(tool=tool, rule_id="CT-2").state == "applies"
    qualification = QualificationPage(page).open(org="acme", pk=tool.pk)
    expect(qualification.obligation("CT-2")).to_contain_text("Applies")

    # The panel test: created, one member, one session, results shared with the CSE.
    panel_page = PanelPage(page).open(org="acme", study_id=study.pk)
    panel_page.create("Tester les plannings avec l'équipe de nuit")
    expect_message(page, "The panel test is created.")
    panel_page.add_member(
        "Nadia Benali", job="Infirmière", department="Urgences", represents="Équipe de nuit, temps partiel"
    )
    expect_message(page, "The member is added to the panel.")
    expect(panel_page.table("Panel members")).to_contain_text("Nadia Benali")
    panel_page.add_session(
        iso(today),
        location="Salle de pause des urgences",
        participants=("Nadia Benali",),
        scenarios="Échange de garde entre deux infirmières",
        findings="Les notifications tombent pendant les soins",
    )
    expect_message(page, "The test session is recorded.")
    expect(panel_page.table("Test sessions")).to_contain_text("Les notifications tombent pendant les soins")
    panel_page.share_with("CSE Acme")
    expect_message(page, "The results are shared")
    expect(panel_page.value_of("Shared on")).to_contain_text("CSE Acme")
    assert list(PanelTest.objects.get(study=study).shared_with.all()) == [cse]

    # Putting the tool in service now is refused: the CSE has not been consulted (CT-2).
    record = ToolPage(page).open(org="acme", pk=tool.pk)
    record.change_status("in_service", reason="Déploiement à toutes les équipes")
    refusal = record.status_form.locator(".field-error")
    expect(refusal).to_contain_text("CT-2")
    expect(refusal).to_contain_text("CSE")
    tool.refresh_from_db()
    assert tool.status == "project"

    # The consultation of the CSE, opened from the tool's page.
    record = ToolPage(page).open(org="acme", pk=tool.pk)
    record.follow("Open a consultation")
    new = ConsultationNewPage(page)
    expect(new.main).to_contain_text("CT-2")
    new.open_consultation("CSE Acme", study=study.title)
    expect_message(page, "The consultation is open.")
    consultation_page = ConsultationPage(page)
    consultation = Consultation.objects.get(tool=tool)
    assert consultation.study_id == study.pk
    expect(consultation_page.consultation_status).to_contain_text("Open")

    consultation_page.record_information("CSE Acme", iso(today))
    expect_message(page, "The information date is recorded.")
    body = consultation_page.body("CSE Acme")
    expect(body).to_contain_text("days left")  # the statutory period runs from the information

    consultation_page.generate_dossier()
    expect_message(page, "The information dossier is generated.")
    expect(consultation_page.documents).to_have_count(1)
    expect(consultation_page.documents.first).to_contain_text("Information dossier — Planification des soins")
    document = ConsultationDocument.objects.get(consultation=consultation)
    assert document.kind == "dossier"
    assert document.file.open("rb").read(5) == b"%PDF-"

    consultation_page.record_opinion(
        "CSE Acme",
        "Favourable with reservations",
        on=iso(today),
        text="Sous réserve d'un bilan à six mois",
        votes=(8, 2, 1),
    )
    expect_message(page, "The opinion is recorded.")
    expect(consultation_page.consultation_status).to_contain_text("Closed")
    body = consultation_page.body("CSE Acme")
    expect(body).to_contain_text("Favourable with reservations")
    expect(body).to_contain_text("Votes: 8 for, 2 against, 1 abstentions")
    consultation.refresh_from_db()
    assert consultation.status == "closed"

    # The consultation closed, the tool can go into service.
    record = ToolPage(page).open(org="acme", pk=tool.pk)
    record.change_status("in_service", reason="Avis du CSE rendu")
    expect_message(page, "The status is now “In service”.")
    tool.refresh_from_db()
    assert tool.status == "in_service"
    assert tool.in_service_on == today


def test_without_an_opinion_by_the_deadline_the_opinion_is_deemed_negative_and_the_go_live_allowed(
    page: Page, personas: Any, cse: StaffBody, login: Login
) -> None:
    today = timezone.localdate()
    # A new technology for a company of 120 with a CSE: CT-2 applies from the start.
    tool = make_tool(personas.org, personas.delegate, name="Chatbot RH", new_technology_for_org="yes")
    login(page, personas.manager)

    new = ConsultationNewPage(page).open(org="acme", pk=tool.pk)
    new.open_consultation("CSE Acme", subject="Introduction du chatbot RH")
    consultation_page = ConsultationPage(page)
    consultation_page.record_information("CSE Acme", iso(today))
    expect_message(page, "The information date is recorded.")
    body = Consultation.objects.get(tool=tool).bodies.get()
    assert body.deadline is not None and body.deadline > today

    # The daily job, the day after the deadline.
    the_day_after = dt.datetime.combine(
        body.deadline + dt.timedelta(days=1), dt.time(4), tzinfo=ZoneInfo(django_settings.TIME_ZONE)
    )
    with time_machine.travel(the_day_after, tick=False):
        assert tasks.run_daily()["deemed_negative"] == 1

    consultation_page = ConsultationPage(page).open(org="acme", consultation_id=body.consultation_id)
    expect(consultation_page.body("CSE Acme")).to_contain_text("Deemed negative (deadline passed)")
    expect(consultation_page.consultation_status).to_contain_text("Closed")
    expect(consultation_page.main).to_contain_text("satisfied: a consultation of this body is closed")
    expect(consultation_page.main.get_by_role("button", name="Save the opinion")).to_have_count(0)

    record = ToolPage(page).open(org="acme", pk=tool.pk)
    record.change_status("in_service", reason="Avis réputé négatif, déploiement décidé")
    expect_message(page, "The status is now “In service”.")
    expect(record.status_form.locator(".field-error")).to_have_count(0)
    tool.refresh_from_db()
    assert tool.status == "in_service"
    assert tool.in_service_on == today
