"""The register pages: list, record, create, edit, status change."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.choices import ToolStatus
from revoyure.registry.forms import ToolEditForm
from revoyure.registry.models import Tool, Vendor
from tests.factories import VendorFactory, make_tool

READERS = ["admin", "delegate", "manager", "staff_rep", "committee", "auditor"]
EDITORS = ["admin", "delegate", "manager"]


def list_url(org: str = "acme") -> str:
    return reverse("registry:tool_list", kwargs={"org": org})


def detail_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:tool_detail", kwargs={"org": org, "pk": tool.pk})


def edit_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:tool_edit", kwargs={"org": org, "pk": tool.pk})


def status_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:tool_change_status", kwargs={"org": org, "pk": tool.pk})


def create_url(org: str = "acme") -> str:
    return reverse("registry:tool_create", kwargs={"org": org})


def names_on(response) -> list[str]:
    return [tool.name for tool in response.context["page"].object_list]


def form_data(**values) -> dict:
    data = {
        "name": "Chatbot RH",
        "domain_category": "chatbot",
        "is_ai_system": "yes",
        "risk_fundamental_rights": "",
        "risk_health": "",
        "risk_safety": "",
        "personal_data": "unknown",
        "special_category_data": "unknown",
        "biometric_data": "unknown",
        "location_data": "unknown",
        "dpia_status": "unknown",
        "can_monitor_activity": "unknown",
        "logs_kept": "unknown",
        "decision_role": "none",
        "legal_or_significant_effects": "unknown",
        "used_at_workplace": "unknown",
        "new_technology_for_org": "unknown",
        "major_change_working_conditions": "unknown",
        "organisation_role": "deployer",
        "annex3_point": "unknown",
        "profiling": "unknown",
        "art6_3_exemption_documented": "unknown",
        "registered_in_eu_database": "unknown",
        "infers_emotions": "unknown",
        "biometric_categorisation": "unknown",
        "generates_public_content": "unknown",
    }
    data.update(values)
    return data


def edit_data(tool: Tool, **values) -> dict:
    """What the edit form posts when nothing is touched, plus `values`."""
    form = ToolEditForm(instance=tool)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name == "reason":
            continue
        if isinstance(value, list):
            data[name] = value
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data.update(values)
    return data


# The list ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_list_is_shown_to_every_role_that_sees_the_register(personas, tool, who):
    response = personas.client(who).get(list_url())
    assert response.status_code == 200
    assert "Planning assistant" in response.content.decode()


def test_employee_cannot_see_the_register_list(personas):
    assert personas.client("employee").get(list_url()).status_code == 403


def test_outsider_gets_404_on_the_register_list(personas):
    assert personas.client("outsider").get(list_url()).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, personas):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_list_shows_only_this_organisations_tools(personas, tool):
    make_tool(personas.other_org, name="Secret tool of another organisation")
    response = personas.client("delegate").get(list_url())
    assert names_on(response) == ["Planning assistant"]


def test_list_filters_by_status(personas):
    make_tool(personas.org, name="Pilot tool", status=ToolStatus.PILOT)
    make_tool(personas.org, name="Project tool")
    response = personas.client("delegate").get(list_url(), {"status": "pilot"})
    assert names_on(response) == ["Pilot tool"]


def test_list_filters_by_domain_category(personas):
    make_tool(personas.org, name="Recruiter", domain_category="recruitment")
    make_tool(personas.org, name="Other")
    response = personas.client("delegate").get(list_url(), {"domain_category": "recruitment"})
    assert names_on(response) == ["Recruiter"]


def test_list_filters_by_highest_risk_level(personas):
    make_tool(personas.org, name="Risky", risk_health=1, risk_safety=4)
    make_tool(personas.org, name="Mild", risk_health=2)
    response = personas.client("delegate").get(list_url(), {"risk": "4"})
    assert names_on(response) == ["Risky"]


def test_list_filters_tools_not_assessed_for_risk(personas):
    make_tool(personas.org, name="Assessed", risk_health=2)
    make_tool(personas.org, name="Not assessed")
    response = personas.client("delegate").get(list_url(), {"risk": "0"})
    assert names_on(response) == ["Not assessed"]


def test_list_filters_by_vendor(personas):
    vendor = VendorFactory(name="Acme Software")
    make_tool(personas.org, name="From vendor", vendor=vendor)
    make_tool(personas.org, name="In-house")
    response = personas.client("delegate").get(list_url(), {"vendor": vendor.pk})
    assert names_on(response) == ["From vendor"]


def test_list_filters_by_ai_flag(personas):
    make_tool(personas.org, name="AI", is_ai_system="yes")
    make_tool(personas.org, name="Not AI", is_ai_system="no")
    response = personas.client("delegate").get(list_url(), {"is_ai_system": "no"})
    assert names_on(response) == ["Not AI"]


def test_list_filters_by_monitoring_capability(personas):
    make_tool(personas.org, name="Tracker", can_monitor_activity="yes")
    make_tool(personas.org, name="Calculator", can_monitor_activity="no")
    response = personas.client("delegate").get(list_url(), {"can_monitor_activity": "yes"})
    assert names_on(response) == ["Tracker"]


def test_list_search_is_insensitive_to_accents_and_inflections(personas):
    make_tool(personas.org, name="Outil A", function="Évaluation des candidatures")
    make_tool(personas.org, name="Outil B", function="Gestion des congés")
    response = personas.client("delegate").get(list_url(), {"q": "evaluer candidature"})
    assert names_on(response) == ["Outil A"]


def test_list_sorts_by_name_descending(personas):
    for name in ("Alpha", "Charlie", "Bravo"):
        make_tool(personas.org, name=name)
    response = personas.client("delegate").get(list_url(), {"sort": "-name"})
    assert names_on(response) == ["Charlie", "Bravo", "Alpha"]


def test_list_sorts_by_highest_risk_first(personas):
    make_tool(personas.org, name="Low", risk_health=1)
    make_tool(personas.org, name="High", risk_safety=3)
    response = personas.client("delegate").get(list_url(), {"sort": "-risk"})
    assert names_on(response) == ["High", "Low"]


def test_list_paginates_25_tools_a_page(personas):
    Tool.objects.bulk_create([Tool(organisation=personas.org, name=f"Tool {n:02d}") for n in range(30)])
    client = personas.client("delegate")
    assert len(names_on(client.get(list_url()))) == 25
    assert names_on(client.get(list_url(), {"page": 2})) == [f"Tool {n:02d}" for n in range(25, 30)]


@pytest.mark.parametrize("page", ["999", "abc", "-1", "0", "1e9", "99999999999999999999999"])
def test_list_clamps_a_wrong_page_number(personas, tool, page):
    response = personas.client("delegate").get(list_url(), {"page": page})
    assert response.status_code == 200
    assert names_on(response) == ["Planning assistant"]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "bogus"),
        ("domain_category", "nope"),
        ("risk", "9"),
        ("risk", "high"),
        ("vendor", "abc"),
        ("vendor", "99999999999999999999999"),
        ("is_ai_system", "maybe"),
        ("can_monitor_activity", "1"),
        ("sort", "password"),
        ("q", "x" * 201),
        ("q", "nul\x00byte"),
    ],
)
def test_list_refuses_a_wrong_query_string_with_400(personas, tool, param, value):
    response = personas.client("delegate").get(list_url(), {param: value})
    assert response.status_code == 400
    assert param in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()


def test_list_refuses_a_vendor_not_used_by_the_organisation(personas, tool):
    elsewhere = VendorFactory(name="Used elsewhere")
    make_tool(personas.other_org, name="Theirs", vendor=elsewhere)
    response = personas.client("delegate").get(list_url(), {"vendor": elsewhere.pk})
    assert response.status_code == 400


def test_htmx_request_gets_only_the_results(personas, tool):
    response = personas.client("delegate").get(list_url(), {"q": "planning"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Planning assistant" in content
    assert "<html" not in content
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(personas, tool):
    response = personas.client("delegate").get(
        list_url(), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_filter_form_works_without_javascript_and_with_htmx(personas):
    content = personas.client("delegate").get(list_url()).content.decode()
    assert 'method="get"' in content
    assert 'hx-get="/o/acme/register/"' in content
    assert 'hx-target="#tool-results"' in content


@pytest.mark.parametrize(("who", "shown"), [("delegate", True), ("staff_rep", False)])
def test_new_tool_link_is_shown_only_to_editors(personas, who, shown):
    content = personas.client(who).get(list_url()).content.decode()
    assert (create_url() in content) is shown


def test_menu_has_register_vendors_and_transparency(personas):
    content = personas.client("staff_rep").get(list_url()).content.decode()
    assert 'href="/o/acme/register/" aria-current="page"' in content
    assert 'href="/o/acme/vendors/"' in content
    assert 'href="/o/acme/transparency/"' in content


# The record page -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_record_is_shown_to_every_role_that_sees_the_register(personas, tool, who):
    assert personas.client(who).get(detail_url(tool)).status_code == 200


def test_employee_cannot_open_a_record(personas, tool):
    assert personas.client("employee").get(detail_url(tool)).status_code == 403


def test_outsider_gets_404_on_a_record(personas, tool):
    assert personas.client("outsider").get(detail_url(tool)).status_code == 404


def test_outsider_gets_404_when_asking_for_a_tool_through_their_own_organisation(personas, tool):
    assert personas.client("outsider").get(detail_url(tool, org="other")).status_code == 404


def test_record_is_grouped_a_to_l_with_labels_lists_and_dashes(personas):
    tool = make_tool(
        personas.org,
        name="Scheduler",
        domain_category="scheduling",
        affected_public=["employees", "managers"],
        security_measures=[{"type": "cyber", "description": "Yearly penetration test"}],
        user_trainings=[
            {"title": "Basics", "audience": "Planners", "date": "2025-03-14", "people_trained": 12}
        ],
    )
    response = personas.client("delegate").get(detail_url(tool))
    content = response.content.decode()
    for heading in ("A. System description", "B. Actors", "F. Security measures", "L. AI Act facts"):
        assert heading in content
    assert "Scheduling" in content  # the label of the choice, not its code
    assert "<li>Employees</li><li>Managers</li>" in content
    assert "Resistance to cyber-attacks: Yearly penetration test" in content
    assert "Basics — Planners — March 14, 2025 — 12 people trained" in content
    rows = {row.name: row.value for group in response.context["groups"] for row in group.rows}
    assert rows["owner_name"] == "—"


def test_record_shows_allowed_next_statuses_to_editors(personas, tool):
    response = personas.client("delegate").get(detail_url(tool))
    choices = [value for value, _label in response.context["status_form"].fields["new_status"].choices]
    assert choices == services.allowed_next_statuses(tool)


def test_record_has_no_status_form_for_readers(personas, tool):
    response = personas.client("staff_rep").get(detail_url(tool))
    assert "status_form" not in response.context
    assert status_url(tool) not in response.content.decode()


def test_record_links_to_history_and_edit(personas, tool):
    content = personas.client("delegate").get(detail_url(tool)).content.decode()
    assert reverse("registry:tool_history", kwargs={"org": "acme", "pk": tool.pk}) in content
    assert edit_url(tool) in content


# Creating ------------------------------------------------------------------------------------------------


def test_editor_registers_a_tool(personas):
    response = personas.client("manager").post(
        create_url(),
        form_data(
            affected_public=["employees", "candidates"],
            techniques=["generative"],
            security_measures="cyber | Pen test\nReliability and correct operation | Monitoring",
            user_trainings="Basics | Recruiters | 2025-03-14 | 12\nAdvanced",
        ),
    )
    tool = Tool.objects.get(organisation=personas.org, name="Chatbot RH")
    assert response.status_code == 302
    assert response["Location"] == detail_url(tool)
    assert tool.affected_public == ["employees", "candidates"]
    assert tool.techniques == ["generative"]
    assert tool.security_measures == [
        {"type": "cyber", "description": "Pen test"},
        {"type": "reliability", "description": "Monitoring"},
    ]
    assert tool.user_trainings == [
        {"title": "Basics", "audience": "Recruiters", "date": "2025-03-14", "people_trained": 12},
        {"title": "Advanced", "audience": "", "date": "", "people_trained": None},
    ]
    assert tool.history.get().history_user == personas.manager


def test_create_form_is_grouped_in_fieldsets(personas):
    content = personas.client("delegate").get(create_url()).content.decode()
    assert "<legend>" in content
    assert "A. System description" in content
    assert 'type="checkbox" name="affected_public"' in content
    assert 'name="status"' not in content  # status changes through its own action


def test_registering_with_a_new_vendor_name_adds_the_vendor(personas):
    personas.client("delegate").post(create_url(), form_data(new_vendor_name="  Nouvelle   Société "))
    tool = Tool.objects.get(name="Chatbot RH")
    assert tool.vendor.name == "Nouvelle Société"


def test_a_new_vendor_name_that_exists_reuses_the_vendor(personas):
    vendor = VendorFactory(name="Mistral")
    personas.client("delegate").post(create_url(), form_data(new_vendor_name="mistral"))
    assert Tool.objects.get(name="Chatbot RH").vendor == vendor
    assert Vendor.objects.count() == 1


def test_choosing_a_vendor_and_typing_a_new_one_is_refused(personas):
    vendor = VendorFactory()
    response = personas.client("delegate").post(
        create_url(), form_data(vendor=vendor.pk, new_vendor_name="Another")
    )
    assert response.status_code == 400
    assert "new_vendor_name" in response.context["form"].errors
    assert not Tool.objects.exists()


def test_a_duplicate_name_is_refused_on_the_name_field_and_no_vendor_is_left_behind(personas, tool):
    response = personas.client("delegate").post(
        create_url(), form_data(name="Planning assistant", new_vendor_name="Orphan vendor")
    )
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["name"][0]
    assert not Vendor.objects.filter(name="Orphan vendor").exists()
    assert Tool.objects.count() == 1


def test_a_tool_without_name_is_refused(personas):
    response = personas.client("delegate").post(create_url(), form_data(name=""))
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Tool.objects.exists()


def test_an_unknown_security_measure_type_names_the_field_and_line(personas):
    response = personas.client("delegate").post(
        create_url(), form_data(security_measures="cyber | ok\nmagic | Something")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["security_measures"]
    assert errors[0].startswith("Line 2:")
    assert "magic" in errors[0]
    assert not Tool.objects.exists()


@pytest.mark.parametrize(
    "line",
    [
        "Basics | All | 14 March | 3",
        "Basics | All | 2025-03-14 | many",
        "Basics | All | 2025-03-14 | -2",
        "a | b | c | d | e",
        " | Planners",
    ],
)
def test_a_wrong_training_line_is_refused(personas, line):
    response = personas.client("delegate").post(create_url(), form_data(user_trainings=line))
    assert response.status_code == 400
    assert response.context["form"].errors["user_trainings"][0].startswith("Line 1:")
    assert not Tool.objects.exists()


def test_a_french_training_date_is_accepted(personas):
    personas.client("delegate").post(create_url(), form_data(user_trainings="Basics | All | 14/03/2025"))
    assert Tool.objects.get().user_trainings[0]["date"] == "2025-03-14"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("affected_public", "aliens"),
        ("risk_health", "7"),
        ("system_created_on", "yesterday"),
        ("project_cost", "cheap"),
        ("number_of_sites", "-1"),
        ("vendor", "999999"),
    ],
)
def test_a_wrong_value_is_refused_on_its_field(personas, field, value):
    response = personas.client("delegate").post(create_url(), form_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Tool.objects.exists()


@pytest.mark.parametrize("who", ["staff_rep", "committee", "auditor", "employee"])
def test_only_editors_may_register_a_tool(personas, who):
    client = personas.client(who)
    assert client.get(create_url()).status_code == 403
    assert client.post(create_url(), form_data()).status_code == 403
    assert not Tool.objects.exists()


# Editing -------------------------------------------------------------------------------------------------


def test_edit_form_shows_the_structured_lists_as_lines(personas):
    tool = make_tool(personas.org, name="T", security_measures=[{"type": "cyber", "description": "Pen test"}])
    content = personas.client("delegate").get(edit_url(tool)).content.decode()
    assert "cyber | Pen test" in content
    assert 'name="reason"' in content


def test_edit_with_a_reason_is_saved_in_the_history(personas, tool):
    response = personas.client("delegate").post(
        edit_url(tool), edit_data(tool, purpose="Plan the rota", reason="The purpose was too vague")
    )
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.purpose == "Plan the rota"
    latest = tool.history.first()
    assert latest.history_change_reason == "The purpose was too vague"
    assert latest.history_user == personas.delegate


@pytest.mark.parametrize("reason", ["", "   "])
def test_edit_without_a_reason_is_refused_and_writes_nothing(personas, tool, reason):
    audit_entries = AuditEntry.objects.count()
    response = personas.client("delegate").post(
        edit_url(tool), edit_data(tool, purpose="Changed", reason=reason)
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    tool.refresh_from_db()
    assert tool.purpose == "Build weekly schedules"
    assert tool.history.count() == 1
    assert AuditEntry.objects.count() == audit_entries


def test_edit_that_changes_nothing_records_nothing(personas, tool):
    response = personas.client("delegate").post(edit_url(tool), edit_data(tool, reason="Just looking"))
    assert response.status_code == 302
    assert tool.history.count() == 1


def test_edit_keeps_untouched_structured_entries_exactly(personas):
    measures = [{"type": "cyber", "description": "Line one\nline two"}]
    tool = make_tool(personas.org, name="T", security_measures=measures)
    personas.client("delegate").post(edit_url(tool), edit_data(tool, purpose="New", reason="Purpose"))
    tool.refresh_from_db()
    assert tool.security_measures == measures
    assert tool.purpose == "New"


def test_edit_to_a_name_already_used_is_refused_on_the_name(personas, tool):
    other = make_tool(personas.org, name="Other tool")
    response = personas.client("delegate").post(
        edit_url(other), edit_data(other, name=tool.name, reason="Rename")
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert Tool.objects.get(pk=other.pk).name == "Other tool"


def test_staff_representative_cannot_edit(personas, tool):
    client = personas.client("staff_rep")
    assert client.get(edit_url(tool)).status_code == 403
    assert client.post(edit_url(tool), edit_data(tool, purpose="x", reason="y")).status_code == 403
    assert Tool.objects.get(pk=tool.pk).purpose == "Build weekly schedules"


def test_outsider_gets_404_on_edit(personas, tool):
    assert personas.client("outsider").get(edit_url(tool)).status_code == 404
    assert personas.client("outsider").get(edit_url(tool, org="other")).status_code == 404


# Status --------------------------------------------------------------------------------------------------


def test_status_change_records_the_date_and_the_reason(personas, tool):
    response = personas.client("delegate").post(
        status_url(tool), {"new_status": "pilot", "on": "2025-05-02", "reason": "Pilot in the Lyon site"}
    )
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.status == ToolStatus.PILOT
    assert tool.pilot_started_on.isoformat() == "2025-05-02"
    assert tool.history.first().history_change_reason == "Pilot in the Lyon site"


def test_status_change_without_reason_is_refused(personas, tool):
    response = personas.client("delegate").post(status_url(tool), {"new_status": "pilot", "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["status_form"].errors
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


def test_status_change_to_a_status_that_cannot_follow_is_refused(personas, tool):
    response = personas.client("delegate").post(
        status_url(tool), {"new_status": "suspended", "reason": "Why not"}
    )
    assert response.status_code == 400
    assert "new_status" in response.context["status_form"].errors
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


def test_a_status_gate_refusal_is_shown_on_the_status_form(personas, tool, monkeypatch):
    monkeypatch.setattr(services, "STATUS_GATES", [lambda tool, status: "The consultation is not closed."])
    response = personas.client("delegate").post(status_url(tool), {"new_status": "pilot", "reason": "Go"})
    assert response.status_code == 400
    assert response.context["status_form"].errors["new_status"] == ["The consultation is not closed."]
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


def test_status_change_with_a_wrong_date_is_refused(personas, tool):
    response = personas.client("delegate").post(
        status_url(tool), {"new_status": "pilot", "on": "2025-13-45", "reason": "Go"}
    )
    assert response.status_code == 400
    assert "on" in response.context["status_form"].errors


def test_staff_representative_cannot_change_the_status(personas, tool):
    response = personas.client("staff_rep").post(status_url(tool), {"new_status": "pilot", "reason": "Go"})
    assert response.status_code == 403
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


def test_status_change_is_post_only(personas, tool):
    assert personas.client("delegate").get(status_url(tool)).status_code == 405


def test_anonymous_status_change_is_sent_to_login(client, personas, tool):
    response = client.post(status_url(tool), {"new_status": "pilot", "reason": "Go"})
    assert response.status_code == 302
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


# Every register address, as an outsider and as an anonymous visitor -------------------------------------


def object_urls(tool: Tool, attachment_id: int, vendor_id: int, org: str) -> list[tuple[str, str]]:
    """(method, url) of every organisation page of the register app."""
    tool_kwargs = {"org": org, "pk": tool.pk}
    return [
        ("get", reverse("registry:tool_list", kwargs={"org": org})),
        ("get", reverse("registry:tool_create", kwargs={"org": org})),
        ("post", reverse("registry:tool_create", kwargs={"org": org})),
        ("get", reverse("registry:tool_detail", kwargs=tool_kwargs)),
        ("get", reverse("registry:tool_edit", kwargs=tool_kwargs)),
        ("post", reverse("registry:tool_edit", kwargs=tool_kwargs)),
        ("post", reverse("registry:tool_change_status", kwargs=tool_kwargs)),
        ("get", reverse("registry:tool_history", kwargs=tool_kwargs)),
        ("get", reverse("registry:tool_compare", kwargs=tool_kwargs) + "?a=1&b=1"),
        ("post", reverse("registry:attachment_add", kwargs=tool_kwargs)),
        ("get", reverse("registry:attachment_download", kwargs={"org": org, "pk": attachment_id})),
        ("post", reverse("registry:attachment_remove", kwargs={"org": org, "pk": attachment_id})),
        ("get", reverse("registry:vendor_list", kwargs={"org": org})),
        ("get", reverse("registry:vendor_detail", kwargs={"org": org, "pk": vendor_id})),
        ("get", reverse("registry:vendor_edit", kwargs={"org": org, "pk": vendor_id})),
        ("post", reverse("registry:vendor_edit", kwargs={"org": org, "pk": vendor_id})),
        ("post", reverse("registry:vendor_note", kwargs={"org": org, "pk": vendor_id})),
        ("get", reverse("registry:transparency", kwargs={"org": org})),
    ]


@pytest.fixture
def register_objects(personas, tool, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    vendor = VendorFactory()
    attachment = services.add_attachment(
        personas.org,
        personas.delegate,
        SimpleUploadedFile("a.txt", b"plain text"),
        title="A",
        kind="other",
        tool=tool,
    )
    return tool, attachment.pk, vendor.pk


def test_outsider_gets_404_on_every_register_address(personas, register_objects):
    client = personas.client("outsider")
    for method, url in object_urls(*register_objects, org="acme"):
        assert getattr(client, method)(url).status_code == 404, url


def test_outsider_gets_404_on_this_organisations_objects_through_their_own(personas, register_objects):
    client = personas.client("outsider")
    tool, attachment_id, _vendor_id = register_objects
    for method, url in object_urls(tool, attachment_id, 0, org="other"):
        if "/vendors/0/" in url or url.endswith(("/register/", "/new/", "/vendors/", "/transparency/")):
            continue  # not objects of Acme: shared vendors and the outsider's own pages
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_visitor_is_sent_to_login_from_every_register_address(client, register_objects):
    for method, url in object_urls(*register_objects, org="acme"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_edit_form_opened_before_another_change_is_refused_once(personas, tool):
    stale = edit_data(tool, purpose="Mine", reason="My change")
    services.update_tool(tool, personas.manager, {"function": "Theirs"}, "Their change")
    client = personas.client("delegate")
    response = client.post(edit_url(tool), stale)
    assert response.status_code == 400
    assert "Someone changed this record" in response.context["form"].non_field_errors()[0]
    assert Tool.objects.get(pk=tool.pk).purpose == "Build weekly schedules"
    resent = {**stale, "loaded_at": response.context["form"]["loaded_at"].value()}
    assert client.post(edit_url(tool), resent).status_code == 302
    assert Tool.objects.get(pk=tool.pk).purpose == "Mine"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number_of_sites", "1" + "0" * 30),
        ("affected_workers_count", "99999999999999999999"),
        ("project_cost", "1" + "0" * 20),
        ("name", "x" * 301),
        ("purpose", "bad\x00byte"),
    ],
)
def test_an_out_of_range_value_is_refused_on_its_field(personas, field, value):
    response = personas.client("delegate").post(create_url(), form_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Tool.objects.exists()


def test_record_tells_readers_which_statuses_can_follow(personas, tool):
    content = personas.client("staff_rep").get(detail_url(tool)).content.decode()
    sentence = content.split("It can go next to:")[1].split("</p>")[0]
    assert " ".join(sentence.split()) == "In service · Pilot · Withdrawn"


def test_a_wrong_method_gives_405_to_members_and_404_to_outsiders(personas, tool):
    assert personas.client("staff_rep").post(detail_url(tool)).status_code == 405
    assert personas.client("outsider").post(detail_url(tool)).status_code == 404
