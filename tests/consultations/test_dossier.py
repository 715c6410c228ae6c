"""The information dossier PDF and sending the documents to the staff body."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader

from revoyure.assessments.services import create_response, save_answers
from revoyure.consultations import services
from revoyure.consultations.models import ConsultationDocument
from revoyure.studies.models import FramingNote, ImpactStudy, PanelMember, PanelSession, PanelTest

pytestmark = pytest.mark.django_db


def _text(document: ConsultationDocument) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def study(personas: Any, new_tech: Any) -> Any:
    response = create_response(
        personas.org, personas.manager, "working-conditions-impact", "Étude", tool=new_tech
    )
    definition = response.definition.parsed
    first = definition.sections[0]
    text_question = next(q for q in first.questions if q.type == "text" and q.when is None)
    save_answers(response, personas.manager, {text_question.id: "Réduire les délais de réponse"})
    study = ImpactStudy.objects.create(
        organisation=personas.org, tool=new_tech, title="Étude chatbot", response=response
    )
    panel = PanelTest.objects.create(study=study, objective="Tester", results_summary="Bon accueil du panel")
    PanelMember.objects.create(panel=panel, full_name="Agent A")
    PanelSession.objects.create(panel=panel, held_on=dt.date(2026, 5, 2), location="Lyon", findings="Lent")
    FramingNote.objects.create(
        study=study,
        responsibilities=[{"department": "DSI", "role": "Maître d'œuvre", "person": "Paul"}],
        calendar=[{"milestone": "Pilote", "date": "2026-09-01", "workload": "faible"}],
        budget=12000,
    )
    return study, first


def test_dossier_pdf_has_the_tool_rules_and_study(personas: Any, new_tech: Any, cse: Any, study: Any) -> None:
    impact, first_section = study
    c = services.open_consultation(new_tech, personas.manager, subject="S", staff_bodies=[cse], study=impact)
    document = services.generate_dossier(c, personas.manager)
    assert document.kind == "dossier"
    assert document.content_type == "application/pdf"
    with document.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    assert document.size == len(data)
    import hashlib

    assert document.sha256 == hashlib.sha256(data).hexdigest()
    text = _text(document)
    assert "Chatbot RH" in text
    assert "CT-2" in text
    assert first_section.title["en"] in text
    assert "Réduire les délais de réponse" in text
    assert "Bon accueil du panel" in text
    assert "Maître d" in text


def test_send_documents_sets_the_information_date_and_mails_members(
    personas: Any, consultation: Any, body: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        document = services.generate_dossier(consultation, personas.manager)
        with django_capture_on_commit_callbacks(execute=True):
            body = services.send_documents(body, personas.manager, [document])
    assert body.informed_on == dt.date(2026, 6, 15)
    assert body.deadline == dt.date(2026, 7, 15)
    assert body.documents_sent_at is not None
    assert list(body.documents.all()) == [document]
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "elue@acme.example"
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"


def test_send_nothing_is_refused(personas: Any, body: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.send_documents(body, personas.manager, [])
    body.refresh_from_db()
    assert body.informed_on is None
