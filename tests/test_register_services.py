"""The register's services: validation, history with reasons, audit entries, lifecycle and gates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from revoyure.core.audit import verify_chain
from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.choices import ToolStatus
from revoyure.registry.models import Tool
from revoyure.registry.queries import ToolFilters, list_tools
from tests.factories import make_tool


def test_create_tool_records_history_reason_and_audit(personas):
    tool = services.create_tool(personas.org, personas.delegate, {"name": "Chatbot RH"}, "first entry")
    version = tool.history.get()
    assert version.history_change_reason == "first entry"
    assert version.history_user == personas.delegate
    entry = AuditEntry.objects.get(action="tool.created")
    assert (entry.organisation_id, entry.object_id, entry.actor_id) == (
        personas.org.pk,
        str(tool.pk),
        personas.delegate.pk,
    )
    assert verify_chain().intact


def test_update_requires_a_reason_and_writes_nothing_without_it(tool, personas):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.update_tool(tool, personas.delegate, {"purpose": "x"}, "  ")
    assert "reason" in exc.value.error_dict
    assert Tool.objects.get(pk=tool.pk).purpose == "Build weekly schedules"
    assert tool.history.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_update_records_a_version_with_the_field_diff(tool, personas):
    services.update_tool(
        tool, personas.manager, {"purpose": "Plan shifts fairly", "vendor_version": "2"}, "vendor update"
    )
    new, old = tool.history.order_by("-history_id")[:2]
    changed = {c.field: (c.old, c.new) for c in new.diff_against(old).changes}
    assert changed["purpose"] == ("Build weekly schedules", "Plan shifts fairly")
    assert changed["vendor_version"] == ("", "2")
    assert new.history_change_reason == "vendor update"


def test_update_without_change_writes_no_version(tool, personas):
    services.update_tool(tool, personas.delegate, {"purpose": tool.purpose}, "nothing")
    assert tool.history.count() == 1


def test_duplicate_name_in_organisation_is_refused(tool, personas):
    with pytest.raises(ValidationError) as exc:
        services.create_tool(personas.org, personas.delegate, {"name": tool.name})
    assert "name" in exc.value.error_dict
    make_tool(personas.other_org, name=tool.name)  # another organisation may use the same name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("affected_public", ["aliens"]),
        ("techniques", "magic"),
        ("risk_health", 9),
        ("status", "nowhere"),
        ("security_measures", [{"type": "unknown", "description": "x"}]),
        ("user_trainings", [{"title": "", "date": "2026-01-01"}]),
        ("user_trainings", [{"title": "AI basics", "date": "01/13/2026"}]),
        ("name", ""),
    ],
)
def test_invalid_values_are_refused_naming_the_field(personas, field, value):
    values = {"name": "Valid name", field: value}
    with pytest.raises(ValidationError) as exc:
        services.create_tool(personas.org, personas.delegate, values)
    assert field in exc.value.error_dict
    assert not Tool.objects.filter(organisation=personas.org).exists()


def test_unknown_fields_are_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.create_tool(personas.org, personas.delegate, {"name": "x", "organisation_id": 3})
    assert "organisation_id" in exc.value.error_dict


def test_status_follows_the_lifecycle_and_records_its_date(tool, personas):
    services.change_status(tool, personas.delegate, ToolStatus.PILOT, "pilot starts", on=dt.date(2026, 10, 1))
    tool = services.change_status(tool, personas.delegate, ToolStatus.IN_SERVICE, "go-live")
    assert tool.pilot_started_on == dt.date(2026, 10, 1)
    assert tool.in_service_on is not None
    assert tool.history.first().history_change_reason == "go-live"
    with pytest.raises(ValidationError):
        services.change_status(tool, personas.delegate, ToolStatus.PROJECT, "back")


def test_status_cannot_be_changed_through_update(tool, personas):
    with pytest.raises(ValidationError) as exc:
        services.update_tool(tool, personas.delegate, {"status": ToolStatus.IN_SERVICE}, "sneaky")
    assert "status" in exc.value.error_dict


def test_status_gates_can_refuse_a_transition(tool, personas, monkeypatch):
    def refuse_service(t, new_status):
        return "Refused by art. 5 AI Act" if new_status == ToolStatus.PILOT else None

    monkeypatch.setattr(services, "STATUS_GATES", [refuse_service])
    with pytest.raises(ValidationError) as exc:
        services.change_status(tool, personas.delegate, ToolStatus.PILOT, "try")
    assert "art. 5" in str(exc.value)
    assert Tool.objects.get(pk=tool.pk).status == ToolStatus.PROJECT


def test_filters_by_risk_status_vendor_ai_and_monitoring(personas):
    vendor = services.get_or_create_vendor(personas.delegate, "Acme AI")
    a = make_tool(personas.org, name="A", risk_health=2, risk_safety=4, is_ai_system="yes", vendor=vendor)
    b = make_tool(personas.org, name="B", risk_health=2, can_monitor_activity="yes")
    services.change_status(b, personas.delegate, ToolStatus.IN_SERVICE, "live")

    def names(**kw):
        return [t.name for t in list_tools(personas.org, ToolFilters(**kw))]

    assert names(risk=4) == ["A"]
    assert names(risk=2) == ["B"]
    assert names(status=ToolStatus.IN_SERVICE) == ["B"]
    assert names(vendor=vendor.pk) == ["A"]
    assert names(is_ai_system="yes") == ["A"]
    assert names(can_monitor_activity="yes") == ["B"]
    assert names(sort="-risk") == ["A", "B"]
    assert a.highest_risk == 4


def test_vendor_names_are_unique_ignoring_case(personas):
    services.create_vendor(personas.delegate, {"name": "Mistral"})
    with pytest.raises(ValidationError):
        services.create_vendor(personas.delegate, {"name": "mistral"})
    assert services.get_or_create_vendor(personas.delegate, " MISTRAL ").name == "Mistral"
