"""Organisation settings, staff bodies, agreements, platform administration and `create_organisation`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import Client
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations import services
from revoyure.organisations.departments import department_code
from revoyure.organisations.models import (
    Agreement,
    Invitation,
    Organisation,
    StaffBody,
    StaffBodyMember,
)
from tests.factories import UserFactory

# What the confirmation page submits; destructive actions need it.
CONFIRM = {"confirm": "yes"}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
READERS = ["admin", "delegate", "manager", "staff_rep", "committee", "auditor"]
NOT_MANAGERS = ["delegate", "manager", "staff_rep", "committee", "employee", "auditor"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(name, org="acme", **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org": org, **kwargs})


def _facts_post(org, **overrides):
    data = {
        "name": org.name,
        "legal_form": org.legal_form,
        "public_service_branch": org.public_service_branch,
        "headcount": org.headcount,
        "naf_code": org.naf_code,
        "region": org.region,
        "department": org.department,
        "contact_email": org.contact_email,
        "last_duerp_update": "",
    }
    for flag in (
        "is_public_sector",
        "is_public_authority",
        "private_providing_public_service",
        "reached_11_for_12_months",
        "reached_50_for_12_months",
        "reached_250_for_12_months",
        "has_union_section",
        "has_dpo",
        "transparency_public",
        "open_data_enabled",
    ):
        if getattr(org, flag):
            data[flag] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- settings page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_settings_page_shows_the_facts_to_every_reader(personas, who):
    personas.org.naf_code = "62.01Z"
    personas.org.save()
    response = personas.client(who).get(_url("settings"))
    assert response.status_code == 200
    assert "62.01Z" in response.content.decode()
    assert "50 employees reached for 12 consecutive months" in response.content.decode()


def test_settings_page_is_refused_to_an_employee(personas):
    assert personas.client("employee").get(_url("settings")).status_code == 403


def test_settings_page_is_not_found_for_an_outsider(personas):
    assert personas.client("outsider").get(_url("settings")).status_code == 404


def test_settings_page_redirects_anonymous_visitors_to_login(personas):
    response = Client().get(_url("settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_settings_page_offers_the_edit_link_only_to_managers(personas):
    edit = _url("settings_edit")
    assert edit in personas.client("admin").get(_url("settings")).content.decode()
    assert edit not in personas.client("delegate").get(_url("settings")).content.decode()


def test_menu_lists_the_organisation_pages_allowed_to_the_role(personas):
    admin_page = personas.client("admin").get(_url("settings")).content.decode()
    for name in ("settings", "members", "audit_log", "api_tokens"):
        assert _url(name) in admin_page
    staff_page = personas.client("staff_rep").get(_url("settings")).content.decode()
    assert _url("settings") in staff_page
    assert _url("api_tokens") in staff_page
    assert _url("members") not in staff_page
    assert _url("audit_log") not in staff_page


# --- editing the facts ---------------------------------------------------------------------------------


def test_admin_changes_the_facts_with_a_reason(personas):
    org = personas.org
    data = _facts_post(
        org,
        headcount="260",
        reached_250_for_12_months="on",
        naf_code="62.01Z",
        department="31",
        region="Occitanie",
        reason="New annual figures",
    )
    response = personas.client("admin").post(_url("settings_edit"), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.headcount, org.reached_250_for_12_months, org.naf_code, org.department) == (
        260,
        True,
        "62.01Z",
        "31",
    )
    assert org.history.first().history_change_reason == "New annual figures"
    entry = AuditEntry.objects.filter(action="organisation.updated").last()
    assert entry.data["reason"] == "New annual figures"
    assert "headcount" in entry.data["fields"]


def test_a_change_without_reason_is_refused_and_nothing_is_written(personas):
    org = personas.org
    before = (org.history.count(), AuditEntry.objects.count())
    response = personas.client("admin").post(
        _url("settings_edit"), _facts_post(org, headcount="999", reason=" ")
    )
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    org.refresh_from_db()
    assert org.headcount == 120
    assert (org.history.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("naf_code", "ABC"),
        ("naf_code", "62.01"),
        ("department", "99"),
        ("department", "Atlantis"),
        ("headcount", "-3"),
        ("headcount", "many"),
        ("legal_form", "pirate_ship"),
        ("contact_email", "not-an-address"),
        ("last_duerp_update", "2024-13-45"),
        ("name", ""),
    ],
)
def test_invalid_facts_are_refused_naming_the_field(personas, field, value):
    org = personas.org
    before = (org.history.count(), AuditEntry.objects.count())
    response = personas.client("admin").post(
        _url("settings_edit"), _facts_post(org, reason="x", **{field: value})
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert (org.history.count(), AuditEntry.objects.count()) == before


def test_naf_code_without_dot_and_department_name_are_normalised(personas):
    data = _facts_post(personas.org, naf_code="6201z", department="Haute-Garonne", reason="Sector")
    assert personas.client("admin").post(_url("settings_edit"), data).status_code == 302
    personas.org.refresh_from_db()
    assert (personas.org.naf_code, personas.org.department) == ("62.01Z", "31")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2a", "2A"),
        ("974", "974"),
        ("1", "01"),
        ("cote d'or", "21"),
        ("Corse-du-Sud", "2A"),
        ("20", None),
        ("975", None),
        ("100", None),
    ],
)
def test_department_codes_and_names_are_recognised(typed, code):
    assert department_code(typed) == code


def test_a_public_service_branch_needs_the_public_sector(personas):
    data = _facts_post(personas.org, public_service_branch="territoriale", reason="x")
    response = personas.client("admin").post(_url("settings_edit"), data)
    assert response.status_code == 400
    assert 'id="id_public_service_branch_error"' in response.content.decode()


def test_a_public_legal_form_puts_the_organisation_in_the_public_sector(personas):
    data = _facts_post(
        personas.org,
        legal_form="local_authority",
        public_service_branch="territoriale",
        reason="We are a town hall",
    )
    assert personas.client("admin").post(_url("settings_edit"), data).status_code == 302
    personas.org.refresh_from_db()
    assert personas.org.is_public_sector
    assert personas.org.public_service_branch == "territoriale"


def test_thresholds_must_be_consistent(personas):
    data = _facts_post(personas.org, reached_250_for_12_months="on", reason="x")
    data.pop("reached_50_for_12_months")
    response = personas.client("admin").post(_url("settings_edit"), data)
    assert response.status_code == 400
    assert 'id="id_reached_50_for_12_months_error"' in response.content.decode()


def test_saving_unchanged_facts_writes_nothing(personas):
    before = AuditEntry.objects.count()
    response = personas.client("admin").post(
        _url("settings_edit"), _facts_post(personas.org, reason="nothing")
    )
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("who", NOT_MANAGERS)
def test_members_without_the_right_cannot_edit_the_facts(personas, who):
    client = personas.client(who)
    assert client.get(_url("settings_edit")).status_code == 403
    response = client.post(_url("settings_edit"), _facts_post(personas.org, headcount="1", reason="x"))
    assert response.status_code == 403
    personas.org.refresh_from_db()
    assert personas.org.headcount == 120


def test_outsider_cannot_edit_the_facts(personas):
    response = personas.client("outsider").post(_url("settings_edit"), _facts_post(personas.org, reason="x"))
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_login_from_the_edit_page(personas):
    response = Client().post(_url("settings_edit"), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- staff bodies --------------------------------------------------------------------------------------


def test_admin_creates_a_staff_body_with_audit(personas):
    response = personas.client("admin").post(
        _url("staff_bodies"), {"kind": "cse", "name": "CSE Acme", "establishment": ""}
    )
    body = StaffBody.objects.get(organisation=personas.org)
    assert response.status_code == 302
    assert response["Location"] == _url("staff_body", body_id=body.pk)
    assert AuditEntry.objects.filter(action="staff_body.created", object_id=str(body.pk)).exists()


@pytest.mark.parametrize(
    "kind", ["cse", "cse_central", "cse_establishment", "cssct", "cst", "csa", "f3sct", "fs"]
)
def test_every_kind_of_staff_body_can_be_recorded(personas, kind):
    assert personas.client("admin").post(_url("staff_bodies"), {"kind": kind}).status_code == 302
    assert StaffBody.objects.filter(organisation=personas.org, kind=kind).exists()


def test_a_staff_body_of_unknown_kind_is_refused(personas):
    response = personas.client("admin").post(_url("staff_bodies"), {"kind": "soviet"})
    assert response.status_code == 400
    assert 'id="id_kind_error"' in response.content.decode()
    assert StaffBody.objects.count() == 0


@pytest.mark.parametrize("who", READERS)
def test_readers_see_staff_bodies_and_their_members(personas, who):
    body = services.create_staff_body(
        personas.org, personas.admin, kind="cse", name="CSE Acme", members=[("Alice Martin", "secretary")]
    )
    assert "CSE Acme" in personas.client(who).get(_url("staff_bodies")).content.decode()
    page = personas.client(who).get(_url("staff_body", body_id=body.pk)).content.decode()
    assert "Alice Martin" in page
    assert "secretary" in page


def test_staff_representative_cannot_create_a_staff_body(personas):
    response = personas.client("staff_rep").post(_url("staff_bodies"), {"kind": "cse"})
    assert response.status_code == 403
    assert StaffBody.objects.count() == 0


def test_staff_bodies_of_another_organisation_are_not_found(personas):
    body = services.create_staff_body(personas.other_org, personas.outsider, kind="cse")
    assert personas.client("admin").get(_url("staff_body", body_id=body.pk)).status_code == 404
    assert (
        personas.client("admin").post(_url("staff_body_delete", body_id=body.pk), CONFIRM).status_code == 404
    )
    assert StaffBody.objects.filter(pk=body.pk).exists()


def test_outsider_cannot_see_staff_bodies(personas):
    assert personas.client("outsider").get(_url("staff_bodies")).status_code == 404


def test_admin_adds_a_member_linked_to_an_account(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse")
    response = personas.client("admin").post(
        _url("staff_body", body_id=body.pk),
        {"full_name": "Staff Rep", "mandate": "elected member", "user": str(personas.staff_rep.pk)},
    )
    assert response.status_code == 302
    seat = StaffBodyMember.objects.get(staff_body=body)
    assert (seat.full_name, seat.mandate, seat.user) == ("Staff Rep", "elected member", personas.staff_rep)
    assert AuditEntry.objects.filter(action="staff_body.member_added").exists()


def test_a_seat_cannot_be_linked_to_someone_outside_the_organisation(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse")
    response = personas.client("admin").post(
        _url("staff_body", body_id=body.pk), {"full_name": "Intruder", "user": str(personas.outsider.pk)}
    )
    assert response.status_code == 400
    assert 'id="id_user_error"' in response.content.decode()
    assert not StaffBodyMember.objects.exists()


def test_a_member_without_name_is_refused(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse")
    response = personas.client("admin").post(
        _url("staff_body", body_id=body.pk), {"full_name": "", "mandate": "x"}
    )
    assert response.status_code == 400
    assert 'id="id_full_name_error"' in response.content.decode()
    assert not StaffBodyMember.objects.exists()


def test_admin_removes_a_member_after_confirmation(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse", members=[("Alice", "")])
    seat = body.members.get()
    url = _url("staff_body_member_remove", body_id=body.pk, member_id=seat.pk)
    assert personas.client("admin").get(url).status_code == 200
    assert StaffBodyMember.objects.filter(pk=seat.pk).exists()
    assert personas.client("admin").post(url, CONFIRM).status_code == 302
    assert not StaffBodyMember.objects.filter(pk=seat.pk).exists()
    assert AuditEntry.objects.filter(action="staff_body.member_removed").exists()


def test_delegate_cannot_remove_a_member(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse", members=[("Alice", "")])
    seat = body.members.get()
    url = _url("staff_body_member_remove", body_id=body.pk, member_id=seat.pk)
    assert personas.client("delegate").post(url, CONFIRM).status_code == 403
    assert StaffBodyMember.objects.filter(pk=seat.pk).exists()


def test_admin_deletes_a_staff_body(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cssct", members=[("Alice", "")])
    response = personas.client("admin").post(_url("staff_body_delete", body_id=body.pk), CONFIRM)
    assert response.status_code == 302
    assert not StaffBody.objects.filter(pk=body.pk).exists()
    assert AuditEntry.objects.filter(action="staff_body.deleted", object_id=str(body.pk)).exists()


def test_delegate_cannot_delete_a_staff_body(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse")
    assert (
        personas.client("delegate").post(_url("staff_body_delete", body_id=body.pk), CONFIRM).status_code
        == 403
    )
    assert StaffBody.objects.filter(pk=body.pk).exists()


def test_an_absurd_staff_body_id_is_not_found(personas):
    response = personas.client("admin").get(f"/o/acme/settings/staff-bodies/{10**30}/")
    assert response.status_code == 404


# --- agreements ----------------------------------------------------------------------------------------


def _agreement_post(**overrides):
    data = {
        "title": "Accord sur le numérique",
        "kind": "collective",
        "signed_on": "2024-03-01",
        "document": SimpleUploadedFile("accord.pdf", PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


def test_admin_uploads_an_agreement_with_its_document(personas):
    response = personas.client("admin").post(_url("agreements"), _agreement_post())
    assert response.status_code == 302
    agreement = Agreement.objects.get(organisation=personas.org)
    assert agreement.signed_on == dt.date(2024, 3, 1)
    assert agreement.document.name.endswith(".pdf")
    assert "accord" not in agreement.document.name
    assert AuditEntry.objects.filter(action="agreement.created", object_id=str(agreement.pk)).exists()


def test_an_agreement_without_document_is_accepted(personas):
    data = _agreement_post()
    del data["document"]
    assert personas.client("admin").post(_url("agreements"), data).status_code == 302
    assert not Agreement.objects.get().document


def test_an_html_document_is_refused_and_nothing_is_stored(personas, tmp_path):
    upload = SimpleUploadedFile(
        "evil.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = personas.client("admin").post(_url("agreements"), _agreement_post(document=upload))
    assert response.status_code == 400
    assert 'id="id_document_error"' in response.content.decode()
    assert Agreement.objects.count() == 0
    assert not list((tmp_path / "media").rglob("*.*"))


def test_an_empty_document_is_refused(personas):
    upload = SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")
    response = personas.client("admin").post(_url("agreements"), _agreement_post(document=upload))
    assert response.status_code == 400
    assert Agreement.objects.count() == 0


@pytest.mark.parametrize(("field", "value"), [("title", ""), ("kind", "treaty"), ("signed_on", "yesterday")])
def test_invalid_agreement_fields_are_refused(personas, field, value):
    response = personas.client("admin").post(_url("agreements"), _agreement_post(**{field: value}))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Agreement.objects.count() == 0


@pytest.mark.parametrize("who", READERS)
def test_readers_download_the_document_as_an_attachment(personas, who):
    agreement = services.create_agreement(
        personas.org,
        personas.admin,
        title="Charte IA",
        kind="charter",
        document=SimpleUploadedFile("c.pdf", PDF),
    )
    response = personas.client(who).get(_url("agreement_document", agreement_id=agreement.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="charte-ia.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_employee_cannot_download_an_agreement(personas):
    agreement = services.create_agreement(
        personas.org,
        personas.admin,
        title="Charte",
        kind="charter",
        document=SimpleUploadedFile("c.pdf", PDF),
    )
    assert (
        personas.client("employee").get(_url("agreement_document", agreement_id=agreement.pk)).status_code
        == 403
    )


def test_outsider_cannot_download_an_agreement(personas):
    agreement = services.create_agreement(
        personas.org,
        personas.admin,
        title="Charte",
        kind="charter",
        document=SimpleUploadedFile("c.pdf", PDF),
    )
    assert (
        personas.client("outsider").get(_url("agreement_document", agreement_id=agreement.pk)).status_code
        == 404
    )
    # Nor through their own organisation's address.
    url = _url("agreement_document", org="other", agreement_id=agreement.pk)
    assert personas.client("outsider").get(url).status_code == 404


def test_anonymous_visitor_cannot_download_an_agreement(personas):
    agreement = services.create_agreement(
        personas.org,
        personas.admin,
        title="Charte",
        kind="charter",
        document=SimpleUploadedFile("c.pdf", PDF),
    )
    response = Client().get(_url("agreement_document", agreement_id=agreement.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_agreement_without_document_has_nothing_to_download(personas):
    agreement = services.create_agreement(personas.org, personas.admin, title="Charte", kind="charter")
    assert (
        personas.client("admin").get(_url("agreement_document", agreement_id=agreement.pk)).status_code == 404
    )


def test_manager_cannot_add_an_agreement(personas):
    response = personas.client("manager").post(_url("agreements"), _agreement_post())
    assert response.status_code == 403
    assert Agreement.objects.count() == 0


def test_admin_deletes_an_agreement(personas, django_capture_on_commit_callbacks):
    agreement = services.create_agreement(
        personas.org,
        personas.admin,
        title="Charte",
        kind="charter",
        document=SimpleUploadedFile("c.pdf", PDF),
    )
    storage, name = agreement.document.storage, agreement.document.name
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("admin").post(_url("agreement_delete", agreement_id=agreement.pk), CONFIRM)
    assert response.status_code == 302
    assert not Agreement.objects.exists()
    assert not storage.exists(name)
    assert AuditEntry.objects.filter(action="agreement.deleted").exists()


def test_delegate_cannot_delete_an_agreement(personas):
    agreement = services.create_agreement(personas.org, personas.admin, title="Charte", kind="charter")
    assert (
        personas.client("delegate")
        .post(_url("agreement_delete", agreement_id=agreement.pk), CONFIRM)
        .status_code
        == 403
    )
    assert Agreement.objects.filter(pk=agreement.pk).exists()


# --- platform administration ---------------------------------------------------------------------------


@pytest.fixture
def platform_admin(db):
    return UserFactory(email="root@platform.example", is_superuser=True, is_staff=True)


def _platform_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_platform_admin_lists_every_organisation(personas, platform_admin):
    response = _platform_client(platform_admin).get(reverse("organisations:platform_organisations"))
    assert response.status_code == 200
    assert "Acme" in response.content.decode()
    assert "Other" in response.content.decode()


def test_platform_admin_creates_an_organisation_and_invites_its_administrator(
    platform_admin, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _platform_client(platform_admin).post(
            reverse("organisations:platform_organisations"),
            {
                "name": "Mairie de Trifouillis",
                "slug": "trifouillis",
                "legal_form": "local_authority",
                "admin_email": "Maire@Trifouillis.example",
            },
        )
    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="trifouillis")
    assert organisation.is_public_sector
    invitation = Invitation.objects.get(organisation=organisation)
    assert (invitation.email, invitation.roles) == ("maire@trifouillis.example", [Role.ORG_ADMIN])
    assert mailoutbox[0].to == ["maire@trifouillis.example"]
    assert AuditEntry.objects.filter(action="organisation.created", organisation_id=organisation.pk).exists()


def test_platform_admin_cannot_reuse_a_short_name(personas, platform_admin):
    before = (Organisation.objects.count(), Invitation.objects.count())
    response = _platform_client(platform_admin).post(
        reverse("organisations:platform_organisations"),
        {"name": "Acme bis", "slug": "acme", "legal_form": "private_company", "admin_email": "a@b.example"},
    )
    assert response.status_code == 400
    assert 'id="id_slug_error"' in response.content.decode()
    assert (Organisation.objects.count(), Invitation.objects.count()) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", "Not a slug!"), ("legal_form", "empire"), ("admin_email", "nobody"), ("name", "")],
)
def test_platform_form_refuses_invalid_input(platform_admin, field, value):
    data = {
        "name": "New",
        "slug": "new",
        "legal_form": "association",
        "admin_email": "a@b.example",
        field: value,
    }
    response = _platform_client(platform_admin).post(reverse("organisations:platform_organisations"), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Organisation.objects.exists()


def test_platform_page_does_not_exist_for_organisation_administrators(personas):
    client = personas.client("admin")
    assert client.get(reverse("organisations:platform_organisations")).status_code == 404
    response = client.post(
        reverse("organisations:platform_organisations"),
        {"name": "Sneaky", "slug": "sneaky", "legal_form": "association", "admin_email": "a@b.example"},
    )
    assert response.status_code == 404
    assert not Organisation.objects.filter(slug="sneaky").exists()


def test_platform_page_redirects_anonymous_visitors_to_login(db):
    response = Client().get(reverse("organisations:platform_organisations"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_platform_page_refuses_a_bad_page_number(platform_admin):
    url = reverse("organisations:platform_organisations")
    assert _platform_client(platform_admin).get(url, {"page": "abc"}).status_code == 400
    assert _platform_client(platform_admin).get(url, {"page": "999"}).status_code == 400


# --- create_organisation command -----------------------------------------------------------------------


def test_command_creates_an_organisation(db):
    out = StringIO()
    call_command(
        "create_organisation",
        "hopital-nord",
        "--name",
        "Hôpital Nord",
        "--legal-form",
        "hospital",
        stdout=out,
    )
    organisation = Organisation.objects.get(slug="hopital-nord")
    assert (organisation.name, organisation.legal_form, organisation.is_public_sector) == (
        "Hôpital Nord",
        "hospital",
        True,
    )
    assert "created organisation 'hopital-nord'" in out.getvalue()
    assert not Invitation.objects.exists()


def test_command_invites_the_administrator_and_prints_the_link(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_organisation",
            "acme2",
            "--name",
            "Acme 2",
            "--admin-email",
            "boss@acme2.example",
            stdout=out,
        )
    invitation = Invitation.objects.get(organisation__slug="acme2")
    assert invitation.roles == [Role.ORG_ADMIN]
    assert "invited boss@acme2.example as organisation administrator" in out.getvalue()
    assert "/invitation/" in out.getvalue()
    assert mailoutbox[0].to == ["boss@acme2.example"]


def test_command_refuses_a_duplicate_slug(personas):
    with pytest.raises(CommandError, match="slug"):
        call_command("create_organisation", "acme", "--name", "Acme again", stdout=StringIO())
    assert Organisation.objects.filter(slug="acme").count() == 1


def test_command_refuses_an_invalid_slug(db):
    with pytest.raises(CommandError, match="invalid slug"):
        call_command("create_organisation", "Bad Slug!", "--name", "Bad", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_command_refuses_an_invalid_admin_email_and_writes_nothing(db):
    with pytest.raises(CommandError, match="admin_email"):
        call_command(
            "create_organisation", "fine", "--name", "Fine", "--admin-email", "nope", stdout=StringIO()
        )
    assert not Organisation.objects.exists()


def test_command_refuses_an_empty_name(db):
    with pytest.raises(CommandError, match="name"):
        call_command("create_organisation", "fine", "--name", "  ", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_command_exits_non_zero_on_a_duplicate_slug(personas, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "create_organisation", "acme", "--name", "Acme again"])
    assert exc.value.code == 1
    assert "already exists" in capsys.readouterr().err


def test_command_exits_non_zero_on_an_unknown_legal_form(db, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(
            ["manage.py", "create_organisation", "x", "--name", "X", "--legal-form", "empire"]
        )
    assert exc.value.code != 0
    assert "--legal-form" in capsys.readouterr().err
    assert not Organisation.objects.exists()


def test_deletion_without_the_confirmation_is_refused(personas):
    body = services.create_staff_body(personas.org, personas.admin, kind="cse")
    response = personas.client("admin").post(_url("staff_body_delete", body_id=body.pk), {"name": ""})
    assert response.status_code == 400
    assert StaffBody.objects.filter(pk=body.pk).exists()


def test_the_settings_page_is_read_only(personas):
    before = AuditEntry.objects.count()
    response = personas.client("admin").post(_url("settings"), {"headcount": "1", "reason": "x"})
    assert response.status_code == 405
    assert AuditEntry.objects.count() == before
