"""Consultation pages: access per persona, forms (400 and nothing written on bad input), download."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from revoyure.consultations import services
from revoyure.consultations.models import BodyConsultation, Consultation, ConsultationDocument

pytestmark = pytest.mark.django_db

VIEWERS = ("admin", "delegate", "manager", "staff_rep", "committee", "auditor")
MANAGERS = ("admin", "delegate", "manager")


def _detail(c: Any) -> str:
    return reverse("consultations:detail", kwargs={"org": "acme", "consultation_id": c.pk})


@pytest.mark.parametrize("who", VIEWERS)
def test_viewers_see_list_and_detail(personas: Any, consultation: Any, who: str) -> None:
    client = personas.client(who)
    listing = client.get(reverse("consultations:list", kwargs={"org": "acme"}))
    assert listing.status_code == 200
    assert "Introduction du chatbot RH" in listing.content.decode()
    detail = client.get(_detail(consultation))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "CT-2" in page  # why the consultation is required
    assert ("Record the opinion" in page) == (who in MANAGERS)


def test_employee_gets_403_outsider_404_anonymous_login(personas: Any, consultation: Any) -> None:
    urls = [reverse("consultations:list", kwargs={"org": "acme"}), _detail(consultation)]
    for url in urls:
        assert personas.client("employee").get(url).status_code == 403
        assert personas.client("outsider").get(url).status_code == 404
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    assert (
        personas.client("outsider")
        .get(reverse("consultations:detail", kwargs={"org": "other", "consultation_id": consultation.pk}))
        .status_code
        == 404
    )


@pytest.mark.parametrize("who", ("staff_rep", "committee", "auditor", "employee"))
def test_read_only_roles_cannot_write(
    personas: Any, consultation: Any, body: Any, new_tech: Any, who: str
) -> None:
    client = personas.client(who)
    kw = {"org": "acme", "consultation_id": consultation.pk, "body_id": body.pk}
    assert (
        client.post(
            reverse("consultations:information", kwargs=kw), {f"b{body.pk}-info-informed_on": "2026-01-02"}
        ).status_code
        == 403
    )
    assert (
        client.get(reverse("consultations:new", kwargs={"org": "acme", "pk": new_tech.pk})).status_code == 403
    )
    assert (
        client.post(
            reverse("consultations:dossier", kwargs={"org": "acme", "consultation_id": consultation.pk})
        ).status_code
        == 403
    )
    body.refresh_from_db()
    assert body.informed_on is None


def test_open_from_the_tool(personas: Any, new_tech: Any, cse: Any) -> None:
    url = reverse("consultations:new", kwargs={"org": "acme", "pk": new_tech.pk})
    client = personas.client("manager")
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "Chatbot", "staff_bodies": [cse.pk]})
    assert response.status_code == 302
    c = Consultation.objects.get(subject="Chatbot")
    assert response["Location"] == _detail(c)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": "", "staff_bodies": []}, "This field is required."),
        ({"subject": "S", "staff_bodies": ["x"]}, "is not a valid value"),
        (
            {"subject": "S", "staff_bodies": "CSE", "agreed_period_days": "10"},
            "cannot be shorter than 15 days",
        ),
    ],
)
def test_open_bad_input_is_400_and_writes_nothing(
    personas: Any, new_tech: Any, cse: Any, data: dict, message: str
) -> None:
    if data.get("staff_bodies") == "CSE":
        data["staff_bodies"] = [cse.pk]
    response = personas.client("manager").post(
        reverse("consultations:new", kwargs={"org": "acme", "pk": new_tech.pk}), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consultation.objects.exists()


def test_record_information_expert_opinion_through_the_page(
    personas: Any, consultation: Any, body: Any
) -> None:
    client = personas.client("manager")
    kw = {"org": "acme", "consultation_id": consultation.pk, "body_id": body.pk}
    today = services.today()
    informed = today - dt.timedelta(days=3)
    assert (
        client.post(
            reverse("consultations:information", kwargs=kw),
            {f"b{body.pk}-info-informed_on": informed.isoformat()},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("consultations:expert", kwargs=kw),
            {
                f"b{body.pk}-expert-expert_name": "Cabinet",
                f"b{body.pk}-expert-expert_appointed_on": today.isoformat(),
            },
        ).status_code
        == 302
    )
    body.refresh_from_db()
    assert body.expert_name == "Cabinet"
    response = client.post(
        reverse("consultations:opinion", kwargs=kw),
        {
            f"b{body.pk}-opinion-opinion": "unfavourable",
            f"b{body.pk}-opinion-opinion_on": today.isoformat(),
            f"b{body.pk}-opinion-votes_for": "3",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "closed"


def test_bad_dates_are_400_and_nothing_written(personas: Any, consultation: Any, body: Any) -> None:
    client = personas.client("manager")
    kw = {"org": "acme", "consultation_id": consultation.pk, "body_id": body.pk}
    future = (services.today() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        reverse("consultations:information", kwargs=kw), {f"b{body.pk}-info-informed_on": future}
    )
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    response = client.post(
        reverse("consultations:opinion", kwargs=kw),
        {f"b{body.pk}-opinion-opinion": "deemed_negative", f"b{body.pk}-opinion-opinion_on": "2026-01-01"},
    )
    assert response.status_code == 400
    body.refresh_from_db()
    assert (body.informed_on, body.opinion) == (None, "")
    other_body = {"org": "acme", "consultation_id": consultation.pk, "body_id": 999999}
    assert client.post(reverse("consultations:information", kwargs=other_body), {}).status_code == 404


def test_upload_and_download_with_attachment_disposition(personas: Any, consultation: Any) -> None:
    client = personas.client("manager")
    url = reverse("consultations:upload", kwargs={"org": "acme", "consultation_id": consultation.pk})
    response = client.post(
        url, {"doc-title": "Note de présentation", "doc-file": SimpleUploadedFile("n.txt", b"Bonjour")}
    )
    assert response.status_code == 302
    document = ConsultationDocument.objects.get()
    assert (document.content_type, document.size) == ("text/plain", 7)
    download = reverse(
        "consultations:document",
        kwargs={"org": "acme", "consultation_id": consultation.pk, "document_id": document.pk},
    )
    got = personas.client("staff_rep").get(download)
    assert got.status_code == 200
    assert got["Content-Type"] == "text/plain"
    assert got["Content-Disposition"].startswith("attachment;")
    assert b"".join(got.streaming_content) == b"Bonjour"
    assert personas.client("outsider").get(download).status_code == 404
    assert personas.client("employee").get(download).status_code == 403


def test_bad_upload_is_400_and_nothing_written(personas: Any, consultation: Any) -> None:
    url = reverse("consultations:upload", kwargs={"org": "acme", "consultation_id": consultation.pk})
    response = personas.client("manager").post(
        url, {"doc-file": SimpleUploadedFile("x.html", b"<html><script>x</script>")}
    )
    assert response.status_code == 400
    assert "HTML or SVG files are not accepted." in response.content.decode()
    assert not ConsultationDocument.objects.exists()


def test_generate_and_send_through_the_page(personas: Any, consultation: Any, body: Any) -> None:
    client = personas.client("delegate")
    dossier_url = reverse("consultations:dossier", kwargs={"org": "acme", "consultation_id": consultation.pk})
    assert client.post(dossier_url).status_code == 400  # no action: nothing generated
    assert not ConsultationDocument.objects.exists()
    assert client.post(dossier_url, {"action": "generate"}).status_code == 302
    document = ConsultationDocument.objects.get(kind="dossier")
    url = reverse(
        "consultations:send", kwargs={"org": "acme", "consultation_id": consultation.pk, "body_id": body.pk}
    )
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {f"b{body.pk}-send-documents": [document.pk]}).status_code == 302
    assert BodyConsultation.objects.get(pk=body.pk).informed_on == services.today()


def test_list_filter_by_bad_tool_is_400(personas: Any, consultation: Any) -> None:
    url = reverse("consultations:list", kwargs={"org": "acme"})
    assert personas.client("delegate").get(url, {"tool": "abc"}).status_code == 400
    assert personas.client("delegate").get(url, {"tool": consultation.tool_id}).status_code == 200


def test_a_staff_body_is_added_and_removed_from_the_page(personas: Any, consultation: Any, body: Any) -> None:
    from revoyure.organisations.models import StaffBody

    cssct = StaffBody.objects.create(organisation=personas.org, kind="cssct", name="CSSCT")
    client = personas.client("manager")
    kw = {"org": "acme", "consultation_id": consultation.pk}
    page = client.get(reverse("consultations:detail", kwargs=kw))
    assert "Add a staff body" in page.content.decode()
    # Another organisation's body is not a choice: 400, nothing added.
    foreign = StaffBody.objects.create(organisation=personas.other_org, kind="cse", name="CSE Other")
    response = client.post(
        reverse("consultations:body_add", kwargs=kw),
        {"add-staff_body": foreign.pk, "add-purpose": "consultation"},
    )
    assert response.status_code == 400
    assert consultation.bodies.count() == 1
    response = client.post(
        reverse("consultations:body_add", kwargs=kw),
        {"add-staff_body": cssct.pk, "add-purpose": "information"},
    )
    assert response.status_code == 302
    added = consultation.bodies.get(staff_body=cssct)
    assert added.purpose == "information"
    remove = reverse("consultations:body_remove", kwargs={**kw, "body_id": added.pk})
    assert client.post(remove).status_code == 400  # no action: nothing removed
    assert consultation.bodies.filter(pk=added.pk).exists()
    assert personas.client("staff_rep").post(remove, {"action": "remove"}).status_code == 403
    assert client.post(remove, {"action": "remove"}).status_code == 302
    assert not consultation.bodies.filter(pk=added.pk).exists()
    # The last body cannot be removed: a clear message, 400.
    last = reverse("consultations:body_remove", kwargs={**kw, "body_id": body.pk})
    response = client.post(last, {"action": "remove"})
    assert response.status_code == 400
    assert "at least one staff body" in response.content.decode()
