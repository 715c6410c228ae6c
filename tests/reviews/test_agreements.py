"""Agreements (issue 6 §1): their parties, the agreement services, and the review pages listing and editing
them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from revoyure.core import hooks
from revoyure.core.models import AuditEntry
from revoyure.organisations import services
from revoyure.organisations.forms import AgreementForm
from revoyure.organisations.models import Agreement, StaffBody
from revoyure.reviews.models import ReviewClause, ReviewMeeting
from tests.conftest import Personas
from tests.reviews.conftest import make_clause

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name: str, personas: Personas, **kwargs: Any) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": personas.org.slug, **kwargs})


def agreement_of(personas: Personas, **values: Any) -> Agreement:
    values.setdefault("title", "Accord sur l'IA")
    values.setdefault("kind", "collective")
    values.setdefault("signed_on", dt.date(2026, 3, 1))
    return services.create_agreement(personas.org, personas.admin, **values)


def meeting_for(clause: ReviewClause) -> ReviewMeeting:
    starts = timezone.now()
    return ReviewMeeting.objects.create(
        organisation=clause.organisation,
        clause=clause,
        reason="periodic",
        period_due_on=dt.date(2026, 6, 1),
        title="Rendez-vous",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        ical_uid=f"test-{uuid.uuid4()}",
    )


@pytest.fixture
def fired(monkeypatch: Any) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(hooks, "organisation_changed", [calls.append])
    return calls


# Services ------------------------------------------------------------------------------------------------


def test_it_records_the_parties_one_per_line(personas: Personas) -> None:
    agreement = agreement_of(personas, parties="  Acme SAS \n\nCFDT\n CGT  ")
    assert agreement.parties == "Acme SAS\nCFDT\nCGT"
    entry = AuditEntry.objects.get(action="agreement.created", object_id=str(agreement.pk))
    assert entry.data["parties"] == "Acme SAS\nCFDT\nCGT"


def test_the_settings_form_has_the_parties() -> None:
    form = AgreementForm(
        {"title": "Charte IA", "kind": "charter", "signed_on": "2026-01-02", "parties": "Direction\nCSE"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["parties"] == "Direction\nCSE"


def test_update_agreement_writes_history_audit_and_hook(personas: Personas, fired: list[int]) -> None:
    agreement = agreement_of(personas)
    fired.clear()
    updated = services.update_agreement(
        agreement, personas.manager, reason="Avenant n°1", title="Accord IA (avenant)", parties="Acme\nCFDT"
    )
    assert (updated.title, updated.parties) == ("Accord IA (avenant)", "Acme\nCFDT")
    latest = updated.history.latest()
    assert latest.history_change_reason == "Avenant n°1"
    assert latest.history_user == personas.manager
    entry = AuditEntry.objects.get(action="agreement.updated")
    assert entry.data["changes"] == {"title": "Accord IA (avenant)", "parties": "Acme\nCFDT"}
    assert fired == [personas.org.pk]


def test_update_agreement_without_change_writes_nothing(personas: Personas, fired: list[int]) -> None:
    agreement = agreement_of(personas, parties="Acme")
    fired.clear()
    versions = agreement.history.count()
    services.update_agreement(agreement, personas.manager, title=agreement.title, parties="Acme\n")
    assert agreement.history.count() == versions
    assert not AuditEntry.objects.filter(action="agreement.updated").exists()
    assert fired == []


def test_update_agreement_replaces_the_document_and_deletes_the_old_one(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    agreement = agreement_of(personas, document=SimpleUploadedFile("a.pdf", PDF))
    old_name = agreement.document.name
    storage = agreement.document.storage
    with django_capture_on_commit_callbacks(execute=True):
        updated = services.update_agreement(
            agreement, personas.manager, document=SimpleUploadedFile("b.txt", b"Texte de l'avenant")
        )
    assert updated.document.name != old_name and updated.document.name.endswith(".txt")
    assert storage.exists(updated.document.name)
    assert not storage.exists(old_name)


def test_update_agreement_refuses_a_bad_document_and_keeps_everything(personas: Personas) -> None:
    agreement = agreement_of(personas, document=SimpleUploadedFile("a.pdf", PDF))
    with pytest.raises(ValidationError) as caught:
        services.update_agreement(
            agreement,
            personas.manager,
            title="Changed",
            document=SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>"),
        )
    assert "document" in caught.value.message_dict
    agreement.refresh_from_db()
    assert agreement.title == "Accord sur l'IA" and agreement.document.name.endswith(".pdf")


def test_update_agreement_refuses_an_unknown_kind(personas: Personas) -> None:
    agreement = agreement_of(personas)
    with pytest.raises(ValidationError):
        services.update_agreement(agreement, personas.manager, kind="treaty")
    agreement.refresh_from_db()
    assert agreement.kind == "collective"


def test_an_agreement_whose_clauses_have_meetings_cannot_be_deleted(personas: Personas) -> None:
    agreement = agreement_of(personas)
    clause = make_clause(personas.org, agreement=agreement)
    meeting_for(clause)
    with pytest.raises(ValidationError) as caught:
        services.delete_agreement(agreement, personas.admin)
    assert caught.value.code == "has_meetings"
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    assert ReviewMeeting.objects.filter(clause=clause).exists()
    assert not AuditEntry.objects.filter(action="agreement.deleted").exists()


def test_deleting_an_agreement_with_clauses_but_no_meeting_deletes_its_clauses(personas: Personas) -> None:
    agreement = agreement_of(personas)
    make_clause(personas.org, agreement=agreement)
    make_clause(personas.org, agreement=agreement, title="Seconde clause")
    services.delete_agreement(agreement, personas.admin)
    assert not Agreement.objects.filter(pk=agreement.pk).exists()
    assert not ReviewClause.objects.exists()
    assert AuditEntry.objects.get(action="agreement.deleted").data["review_clauses"] == 2


# Pages ---------------------------------------------------------------------------------------------------


def test_the_settings_page_shows_the_parties(personas: Personas) -> None:
    agreement_of(personas, parties="Acme SAS\nSyndicat CFDT")
    response = personas.client("admin").get(reverse("organisations:agreements", args=[personas.org.slug]))
    assert response.status_code == 200
    assert "Syndicat CFDT" in response.content.decode()


@pytest.mark.parametrize("who", ["admin", "delegate", "manager", "staff_rep", "committee", "auditor"])
def test_members_with_review_access_see_the_agreements(personas: Personas, who: str) -> None:
    agreement = agreement_of(personas)
    make_clause(personas.org, agreement=agreement, title="Clause de revoyure IA")
    response = personas.client(who).get(url("agreement_list", personas))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Accord sur l&#x27;IA" in body and "Clause de revoyure IA" in body


def test_an_employee_cannot_see_the_agreements(personas: Personas) -> None:
    assert personas.client("employee").get(url("agreement_list", personas)).status_code == 403


def test_an_outsider_gets_404_on_the_agreements(personas: Personas) -> None:
    agreement = agreement_of(personas)
    client = personas.client("outsider")
    assert client.get(url("agreement_list", personas)).status_code == 404
    assert client.get(url("agreement_detail", personas, agreement_id=agreement.pk)).status_code == 404


def test_an_agreement_of_another_organisation_is_404(personas: Personas) -> None:
    theirs = services.create_agreement(
        personas.other_org, personas.outsider, title="Leur accord", kind="charter"
    )
    response = personas.client("admin").get(url("agreement_detail", personas, agreement_id=theirs.pk))
    assert response.status_code == 404


def test_the_detail_shows_parties_document_clauses_and_timeline(personas: Personas) -> None:
    agreement = agreement_of(personas, parties="Acme SAS\nCFE-CGC", document=SimpleUploadedFile("a.pdf", PDF))
    clause = make_clause(
        personas.org, agreement=agreement, title="Clause outils RH", minimum_frequency_months=6
    )
    meeting_for(clause)
    response = personas.client("staff_rep").get(url("agreement_detail", personas, agreement_id=agreement.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "CFE-CGC" in body and "Clause outils RH" in body and "Rendez-vous" in body
    assert reverse("organisations:agreement_document", args=[personas.org.slug, agreement.pk]) in body
    # A staff representative reads; the edit links are not offered.
    assert url("agreement_edit", personas, agreement_id=agreement.pk) not in body
    assert len(response.context["entries"]) == 1


def test_a_manager_edits_an_agreement(personas: Personas) -> None:
    agreement = agreement_of(personas)
    response = personas.client("manager").post(
        url("agreement_edit", personas, agreement_id=agreement.pk),
        {
            "title": "Accord IA 2026",
            "kind": "charter",
            "signed_on": "2026-04-02",
            "parties": "Direction\nCSE",
            "reason": "Signature",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.title, agreement.kind, agreement.signed_on, agreement.parties) == (
        "Accord IA 2026",
        "charter",
        dt.date(2026, 4, 2),
        "Direction\nCSE",
    )
    assert agreement.history.latest().history_change_reason == "Signature"


def test_the_edit_form_replaces_the_document(personas: Personas) -> None:
    agreement = agreement_of(personas)
    response = personas.client("delegate").post(
        url("agreement_edit", personas, agreement_id=agreement.pk),
        {"title": agreement.title, "kind": "collective", "document": SimpleUploadedFile("n.pdf", PDF)},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document.name.endswith(".pdf")


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"kind": "treaty"},
        {"signed_on": "not a date"},
        {"document": "html"},
    ],
)
def test_bad_input_on_the_edit_form_is_400_and_writes_nothing(
    personas: Personas, changes: dict[str, Any]
) -> None:
    agreement = agreement_of(personas)
    data: dict[str, Any] = {"title": "Changed", "kind": "collective", "signed_on": "2026-01-01", **changes}
    if data.get("document") == "html":
        data["document"] = SimpleUploadedFile("x.html", b"<html><script>x</script></html>")
    versions = agreement.history.count()
    response = personas.client("manager").post(
        url("agreement_edit", personas, agreement_id=agreement.pk), data
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.title == "Accord sur l'IA"
    assert agreement.history.count() == versions


def test_a_staff_rep_cannot_edit_an_agreement(personas: Personas) -> None:
    agreement = agreement_of(personas)
    client = personas.client("staff_rep")
    edit = url("agreement_edit", personas, agreement_id=agreement.pk)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "Pris", "kind": "collective"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.title == "Accord sur l'IA"


def test_an_employee_cannot_edit_an_agreement(personas: Personas) -> None:
    agreement = agreement_of(personas)
    response = personas.client("employee").post(
        url("agreement_edit", personas, agreement_id=agreement.pk), {"title": "Pris", "kind": "collective"}
    )
    assert response.status_code == 403


def test_the_list_takes_a_constant_number_of_queries(
    personas: Personas, tool: Any, django_assert_max_num_queries: Any
) -> None:
    client = personas.client("manager")

    body = StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE central")

    def add(n: int) -> None:
        for i in range(n):
            agreement = agreement_of(personas, title=f"Accord {i}")
            clause = make_clause(personas.org, agreement=agreement, scope="tools", tools=[tool])
            clause.staff_bodies.set([body])
            clause.participants.set([personas.staff_rep])

    add(1)
    client.get(url("agreement_list", personas))  # warm the caches (session, menu)
    with django_assert_max_num_queries(15) as small:
        client.get(url("agreement_list", personas))
    add(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("agreement_list", personas))
    assert response.content.decode().count("Planning assistant") == 11


def test_the_settings_form_records_the_parties(personas: Personas) -> None:
    response = personas.client("admin").post(
        reverse("organisations:agreements", kwargs={"org": personas.org.slug}),
        {"title": "Charte IA", "kind": "charter", "signed_on": "2026-02-01", "parties": "Direction\nCSE"},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(title="Charte IA").parties == "Direction\nCSE"


def test_the_settings_page_refuses_to_delete_an_agreement_whose_clauses_met(personas: Personas) -> None:
    clause = make_clause(personas.org)
    now = timezone.now()
    ReviewMeeting.objects.create(
        organisation=personas.org,
        clause=clause,
        reason="periodic",
        period_due_on=dt.date(2026, 6, 1),
        title="Rendez-vous",
        starts_at=now,
        ends_at=now,
        ical_uid=f"{uuid.uuid4()}@test",
    )
    response = personas.client("admin").post(
        reverse(
            "organisations:agreement_delete",
            kwargs={"org": personas.org.slug, "agreement_id": clause.agreement_id},
        ),
        {"confirm": "yes"},
    )
    assert response.status_code == 400
    assert Agreement.objects.filter(pk=clause.agreement_id).exists()
