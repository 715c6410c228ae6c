import pytest
from django.core.exceptions import ValidationError

from revoyure.core.audit import verify_chain
from revoyure.registry import services
from revoyure.registry.models import Tool


def test_create_tool_writes_history_and_audit(personas):
    tool = services.create_tool(personas.org, personas.delegate, {"name": "Chatbot RH"}, "first entry")
    assert tool.history.count() == 1
    assert tool.history.first().history_change_reason == "first entry"
    assert verify_chain().intact


def test_update_without_reason_is_refused_and_writes_nothing(tool, personas):
    with pytest.raises(ValidationError) as exc:
        services.update_tool(tool, personas.delegate, {"purpose": "x"}, "  ")
    assert "reason" in exc.value.error_dict
    assert Tool.objects.get(pk=tool.pk).purpose == "Build weekly schedules"
    assert tool.history.count() == 1
