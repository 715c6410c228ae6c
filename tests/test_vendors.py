"""Vendor pages: shared records, this organisation's tools and private note, editing with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from revoyure.registry import services
from revoyure.registry.models import Vendor, VendorNote
from tests.factories import VendorFactory, make_tool


def list_url(org: str = "acme") -> str:
    return reverse("registry:vendor_list", kwargs={"org": org})


def detail_url(vendor: Vendor, org: str = "acme") -> str:
    return reverse("registry:vendor_detail", kwargs={"org": org, "pk": vendor.pk})


def edit_url(vendor: Vendor, org: str = "acme") -> str:
    return reverse("registry:vendor_edit", kwargs={"org": org, "pk": vendor.pk})


def note_url(vendor: Vendor, org: str = "acme") -> str:
    return reverse("registry:vendor_note", kwargs={"org": org, "pk": vendor.pk})


@pytest.fixture
def vendor(db) -> Vendor:
    return VendorFactory(name="Planisoft", country="France", in_eu="yes")


def vendor_data(vendor: Vendor, **values) -> dict:
    data = {
        "name": vendor.name,
        "country": vendor.country,
        "in_eu": vendor.in_eu,
        "alert_contact_email": vendor.alert_contact_email,
        "website": vendor.website,
        "description": vendor.description,
    }
    data.update(values)
    return data


def test_vendor_list_counts_only_this_organisations_tools(personas, vendor):
    make_tool(personas.org, name="Ours", vendor=vendor)
    make_tool(personas.other_org, name="Theirs 1", vendor=vendor)
    make_tool(personas.other_org, name="Theirs 2", vendor=vendor)
    response = personas.client("staff_rep").get(list_url())
    assert response.status_code == 200
    assert [(v.name, v.tools_here) for v in response.context["page"].object_list] == [("Planisoft", 1)]


def test_vendor_list_searches_by_name(personas, vendor):
    VendorFactory(name="Other Corp")
    response = personas.client("delegate").get(list_url(), {"q": "plani"})
    assert [v.name for v in response.context["page"].object_list] == ["Planisoft"]


def test_vendor_list_refuses_a_too_long_search(personas, vendor):
    assert personas.client("delegate").get(list_url(), {"q": "x" * 500}).status_code == 400


def test_employee_cannot_see_vendors(personas, vendor):
    assert personas.client("employee").get(list_url()).status_code == 403
    assert personas.client("employee").get(detail_url(vendor)).status_code == 403


def test_outsider_gets_404_on_vendor_pages_of_another_organisation(personas, vendor):
    client = personas.client("outsider")
    for url in (list_url(), detail_url(vendor), edit_url(vendor)):
        assert client.get(url).status_code == 404
    assert client.post(note_url(vendor), {"text": "x"}).status_code == 404


def test_anonymous_visitor_of_vendor_pages_is_sent_to_login(client, personas, vendor):
    for url in (list_url(), detail_url(vendor), edit_url(vendor)):
        assert client.get(url).status_code == 302


def test_an_unknown_vendor_answers_404(personas):
    assert (
        personas.client("delegate")
        .get(reverse("registry:vendor_detail", kwargs={"org": "acme", "pk": 987654}))
        .status_code
        == 404
    )


def test_vendor_page_shows_only_this_organisations_tools(personas, vendor):
    make_tool(personas.org, name="Our planner", vendor=vendor)
    make_tool(personas.other_org, name="Their planner", vendor=vendor)
    content = personas.client("staff_rep").get(detail_url(vendor)).content.decode()
    assert "Our planner" in content
    assert "Their planner" not in content


def test_vendor_note_is_private_to_each_organisation(personas, vendor):
    services.update_vendor_note(vendor, personas.other_org, personas.outsider, "Their confidential remark")
    services.update_vendor_note(vendor, personas.org, personas.delegate, "Our remark")
    ours = personas.client("staff_rep").get(detail_url(vendor)).content.decode()
    theirs = personas.client("outsider").get(detail_url(vendor, "other")).content.decode()
    assert "Our remark" in ours and "Their confidential remark" not in ours
    assert "Their confidential remark" in theirs and "Our remark" not in theirs


def test_editor_saves_the_organisations_note(personas, vendor):
    response = personas.client("delegate").post(note_url(vendor), {"text": "Slow support"})
    assert response.status_code == 302
    assert VendorNote.objects.get(vendor=vendor, organisation=personas.org).text == "Slow support"


def test_a_note_with_a_nul_character_is_refused(personas, vendor):
    response = personas.client("delegate").post(note_url(vendor), {"text": "bad\x00text"})
    assert response.status_code == 400
    assert not VendorNote.objects.exists()


def test_staff_representative_cannot_write_the_note(personas, vendor):
    assert personas.client("staff_rep").post(note_url(vendor), {"text": "x"}).status_code == 403
    assert not VendorNote.objects.exists()


def test_editor_edits_a_vendor_with_a_reason(personas, vendor):
    response = personas.client("manager").post(
        edit_url(vendor), vendor_data(vendor, country="Germany", reason="Moved its seat")
    )
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.country == "Germany"
    assert vendor.history.first().history_change_reason == "Moved its seat"


def test_vendor_edit_without_a_reason_is_refused_and_writes_nothing(personas, vendor):
    response = personas.client("manager").post(
        edit_url(vendor), vendor_data(vendor, country="Germany", reason="")
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert Vendor.objects.get(pk=vendor.pk).country == "France"


def test_vendor_edit_to_an_existing_name_is_refused_on_the_name(personas, vendor):
    VendorFactory(name="Taken")
    response = personas.client("manager").post(
        edit_url(vendor), vendor_data(vendor, name="TAKEN", reason="x")
    )
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["name"][0]
    assert Vendor.objects.get(pk=vendor.pk).name == "Planisoft"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("in_eu", "perhaps"),
        ("alert_contact_email", "not-an-email"),
        ("website", "javascript:alert(1)"),
        ("name", ""),
    ],
)
def test_vendor_edit_with_a_wrong_value_is_refused_on_its_field(personas, vendor, field, value):
    response = personas.client("manager").post(
        edit_url(vendor), vendor_data(vendor, reason="x", **{field: value})
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_vendor_edit_without_change_records_nothing(personas, vendor):
    before = vendor.history.count()
    response = personas.client("manager").post(edit_url(vendor), vendor_data(vendor, reason="Nothing"))
    assert response.status_code == 302
    assert vendor.history.count() == before


def test_staff_representative_cannot_edit_a_vendor(personas, vendor):
    client = personas.client("staff_rep")
    assert client.get(edit_url(vendor)).status_code == 403
    assert client.post(edit_url(vendor), vendor_data(vendor, country="Italy", reason="x")).status_code == 403
    assert Vendor.objects.get(pk=vendor.pk).country == "France"


def test_a_note_request_without_the_note_field_is_refused(personas, vendor):
    services.update_vendor_note(vendor, personas.org, personas.delegate, "Keep me")
    response = personas.client("delegate").post(note_url(vendor), {"other": "x"})
    assert response.status_code == 400
    assert VendorNote.objects.get(vendor=vendor, organisation=personas.org).text == "Keep me"


def test_an_empty_note_clears_it(personas, vendor):
    services.update_vendor_note(vendor, personas.org, personas.delegate, "Old")
    assert personas.client("delegate").post(note_url(vendor), {"text": ""}).status_code == 302
    assert VendorNote.objects.get(vendor=vendor, organisation=personas.org).text == ""
