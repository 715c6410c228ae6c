"""The model review clause (issue 6 §1): a French text generated from the organisation's settings or from
one of its clauses, shown on a page and downloadable as text and PDF."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from revoyure.committee.models import Committee
from revoyure.organisations.models import StaffBody
from revoyure.registry.choices import DomainCategory
from revoyure.reviews import agenda, model_clause, triggers
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause

pytestmark = pytest.mark.django_db

LEGAL_QUOTE = "« définit ses conditions de suivi et comporte des clauses de rendez-vous »"


def url(name: str, personas: Personas) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": personas.org.slug})


def french_agenda() -> list[str]:
    with translation.override("fr"):
        return agenda.agenda_points()


def test_the_model_names_the_legal_basis_every_trigger_and_the_agenda(personas: Personas) -> None:
    text = model_clause.text(personas.org)
    assert "L. 2222-5-1" in text and LEGAL_QUOTE in text
    for kind in triggers.load().values():
        assert kind.labels["fr"] in text
    for number, point in enumerate(french_agenda(), start=1):
        assert f"{number}. {point}" in text
    assert "Événements externes à l'entreprise" in text and "Événements internes à l'entreprise" in text
    assert "15 jours" in text and "tous les 12 mois" in text
    assert "compte rendu écrit" in text and "registre" in text
    assert "Suivi des mesures" in text


def test_the_model_names_the_organisation_s_staff_bodies_and_committee(personas: Personas) -> None:
    StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE de Toulouse")
    StaffBody.objects.create(organisation=personas.other_org, kind="cse", name="CSE des autres")
    text = model_clause.text(personas.org)
    assert "CSE de Toulouse" in text and "CSE des autres" not in text
    assert "comité IA" not in text
    Committee.objects.create(organisation=personas.org)
    assert "comité IA" in model_clause.text(personas.org)


def test_the_model_follows_a_clause(personas: Personas) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Tri de CV")
    body = StaffBody.objects.create(organisation=personas.org, kind="cssct", name="CSSCT")
    clause = make_clause(
        personas.org,
        title="Clause recrutement",
        scope="tools",
        tools=[tool],
        triggers=["authority_warning", "dpo_annual_report"],
        minimum_frequency_months=6,
        notice_days=30,
    )
    clause.staff_bodies.set([body])
    clause.participants.set([personas.staff_rep])
    text = model_clause.text(personas.org, clause)
    assert "Clause recrutement" in text and "Accord IA" in text
    assert "Tri de CV" in text and "CSSCT" in text and "Staff_Rep" in text
    assert "30 jours" in text and "tous les 6 mois" in text
    assert triggers.get("authority_warning").labels["fr"] in text  # type: ignore[union-attr]
    assert triggers.get("dpo_annual_report").labels["fr"] in text  # type: ignore[union-attr]
    assert triggers.get("vendor_instructions_update").labels["fr"] not in text  # type: ignore[union-attr]
    assert "comité IA" not in text


def test_the_model_of_a_clause_on_categories_names_them_in_french(personas: Personas) -> None:
    clause = make_clause(
        personas.org, scope="category", categories=["recruitment"], minimum_frequency_months=None
    )
    text = model_clause.text(personas.org, clause)
    with translation.override("fr"):
        assert str(DomainCategory.RECRUITMENT.label) in text
    assert "Aucune fréquence minimale" in text


def test_the_model_is_french_whatever_the_reader_s_language(personas: Personas) -> None:
    with translation.override("en"):
        english_reader = model_clause.text(personas.org)
    with translation.override("fr"):
        french_reader = model_clause.text(personas.org)
    assert english_reader == french_reader
    assert "Événements déclencheurs" in english_reader


def test_the_organisation_name_is_not_escaped_in_the_text(personas: Personas) -> None:
    personas.org.name = "L'Atelier & Cie"
    personas.org.save(update_fields=["name"])
    assert "L'Atelier & Cie" in model_clause.text(personas.org)


@pytest.mark.parametrize("who", ["staff_rep", "committee", "auditor", "manager"])
def test_the_page_shows_the_text_to_members_with_review_access(personas: Personas, who: str) -> None:
    response = personas.client(who).get(url("model_clause", personas))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<textarea" in body and "readonly" in body
    assert "L. 2222-5-1" in body
    assert url("model_clause_txt", personas) in body and url("model_clause_pdf", personas) in body


def test_the_page_starts_from_a_chosen_clause(personas: Personas) -> None:
    clause = make_clause(personas.org, title="Clause logistique", notice_days=45)
    response = personas.client("staff_rep").get(url("model_clause", personas), {"clause": clause.pk})
    assert response.status_code == 200
    assert "45 jours" in response.context["text"]
    assert f"?clause={clause.pk}" in response.content.decode()


def test_an_employee_cannot_see_the_model(personas: Personas) -> None:
    assert personas.client("employee").get(url("model_clause", personas)).status_code == 403


def test_an_outsider_gets_404_on_the_model(personas: Personas) -> None:
    client = personas.client("outsider")
    for name in ("model_clause", "model_clause_txt", "model_clause_pdf"):
        assert client.get(url(name, personas)).status_code == 404


@pytest.mark.parametrize("value", ["abc", "99999999", "-1", "1" * 30])
def test_a_bad_clause_parameter_is_400(personas: Personas, value: str) -> None:
    response = personas.client("manager").get(url("model_clause", personas), {"clause": value})
    assert response.status_code == 400


def test_a_clause_of_another_organisation_is_refused(personas: Personas) -> None:
    theirs = make_clause(personas.other_org, title="Leur clause secrète")
    for name in ("model_clause", "model_clause_txt", "model_clause_pdf"):
        response = personas.client("manager").get(url(name, personas), {"clause": theirs.pk})
        assert response.status_code == 400
        assert "Leur clause secrète" not in response.content.decode(errors="replace")


def test_the_text_download(personas: Personas) -> None:
    clause = make_clause(personas.org)
    response = personas.client("staff_rep").get(url("model_clause_txt", personas), {"clause": clause.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.decode() == model_clause.text(personas.org, clause)


def test_the_pdf_download(personas: Personas) -> None:
    response = personas.client("staff_rep").get(url("model_clause_pdf", personas))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    extracted = " ".join(page.extract_text() for page in pages)
    assert "2222-5-1" in extracted
    assert "Événements déclencheurs" in extracted


def test_the_model_pages_refuse_writes(personas: Personas) -> None:
    assert personas.client("manager").post(url("model_clause", personas)).status_code == 405
