"""The annual dossier: content (strategy, tools deployed, register changes with reason and author, new
introductions with their consultations, obligations, trainings, notes, contributed sections), PDF text,
bounded query count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from revoyure.committee import dossier, services
from revoyure.committee.models import NoteKind, Trainee, Training
from revoyure.core import hooks
from revoyure.registry import services as registry_services
from tests.factories import make_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2026(personas: Any, committee: Any) -> int:
    with time_machine.travel(dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        old = make_tool(personas.org, personas.delegate, name="Old planner", status="in_service")
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        new = make_tool(personas.org, personas.delegate, name="Chatbot RH", reason="Added for HR")
        registry_services.update_tool(old, personas.manager, {"purpose": "Plan shifts"}, "Purpose clarified")
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        registry_services.change_status(new, personas.delegate, "pilot", "Pilot with HR")
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        make_tool(personas.org, personas.delegate, name="Next year tool")
    make_tool(personas.other_org, personas.outsider, name="Foreign tool")
    training = Training.objects.create(
        organisation=personas.org, title="AI literacy 101", given_on=dt.date(2026, 4, 2), trainer="Delegate"
    )
    Trainee.objects.create(training=training, full_name="A")
    Trainee.objects.create(training=training, full_name="B")
    Training.objects.create(organisation=personas.org, title="Old training", given_on=dt.date(2025, 4, 2))
    services.add_note(
        committee,
        personas.delegate,
        kind=NoteKind.REGULATION,
        title="Omnibus news",
        noted_on=dt.date(2026, 5, 1),
    )
    services.add_note(
        committee, personas.delegate, kind=NoteKind.VENDOR, title="Ancient note", noted_on=dt.date(2024, 5, 1)
    )
    return 2026


def _contributed(organisation: Any, year: int) -> dict[str, Any]:
    return {"title": "Staff reports", "summary": f"2 reports in {year}", "rows": [["Report 1", "founded"]]}


def test_dossier_content(personas: Any, committee: Any, year_2026: int) -> None:
    hooks.annual_dossier_sections.append(_contributed)
    try:
        data = dossier.build(committee, year_2026)
    finally:
        hooks.annual_dossier_sections.remove(_contributed)
    assert data["strategy"] == "Use AI only to relieve repetitive tasks."
    assert sorted(t.name for t in data["deployed"]) == ["Chatbot RH", "Old planner"]
    changes = [(c["tool"], c["reason"], c["who"]) for c in data["changes"]]
    assert changes == [
        ("Chatbot RH", "Added for HR", "delegate@acme.example"),
        ("Old planner", "Purpose clarified", "manager@acme.example"),
        ("Chatbot RH", "Pilot with HR", "delegate@acme.example"),
    ]
    assert [i["name"] for i in data["introductions"]] == ["Chatbot RH"]
    assert [t.title for t in data["trainings"]] == ["AI literacy 101"]
    assert data["trainings"][0].trainee_count == 2
    assert [n.title for n in data["notes"]] == ["Omnibus news"]
    assert {
        "title": "Staff reports",
        "summary": "2 reports in 2026",
        "columns": [],
        "rows": [["Report 1", "founded"]],
    } in data["sections"]
    # The year before: only the old tool, deployed, and its creation.
    before = dossier.build(committee, 2025)
    assert [t.name for t in before["deployed"]] == ["Old planner"]
    assert [i["name"] for i in before["introductions"]] == ["Old planner"]


def test_dossier_query_count_is_bounded(personas: Any, committee: Any, year_2026: int) -> None:
    with CaptureQueriesContext(connection) as few:
        dossier.build(committee, year_2026)
    for i in range(5):
        tool = make_tool(personas.org, personas.delegate, name=f"Extra {i}")
        registry_services.change_status(tool, personas.delegate, "pilot", "go")
        services.add_note(
            committee, personas.delegate, kind=NoteKind.VENDOR, title=f"N{i}", noted_on=timezone.localdate()
        )
    with CaptureQueriesContext(connection) as many:
        dossier.build(committee, timezone.localdate().year)
    assert len(many) <= len(few) + 2


def test_dossier_pdf_text(personas: Any, committee: Any, year_2026: int) -> None:
    pdf = dossier.render_dossier_pdf(committee, year_2026)
    assert pdf.startswith(b"%PDF")
    # Table cells wrap: compare with whitespace collapsed.
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    for expected in (
        "Annual dossier 2026",
        "Use AI only",
        "Chatbot RH",
        "Purpose clarified",
        "AI literacy 101",
        "Omnibus news",
    ):
        assert expected in text, expected
    assert "Foreign tool" not in text
    assert "Ancient note" not in text


def test_dossier_pages(personas: Any, committee: Any, year_2026: int) -> None:
    client = personas.client("staff_rep")
    page = client.get(f"/o/acme/committee/dossier/{year_2026}/")
    assert page.status_code == 200
    assert "Purpose clarified" in page.content.decode()
    pdf = client.get(f"/o/acme/committee/dossier/{year_2026}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get("/o/acme/committee/dossier/1900/").status_code == 404
    assert personas.client("employee").get(f"/o/acme/committee/dossier/{year_2026}/").status_code == 403
    assert personas.client("outsider").get(f"/o/acme/committee/dossier/{year_2026}.pdf").status_code == 404
