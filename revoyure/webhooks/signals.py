"""The register's changes as webhook messages ("tool.changed"), through the hooks the registry's services
call inside their transaction (core.hooks: this app sits below the registry and cannot import it).

Roadmap, measure 8, among the internal events that call for a review meeting: « nouveau développement des
outils mis en place (mise à jour ou nouvelles fonctionnalités de l'outil en lien avec l'outil proposé du
“registre”) ». An organisation's own systems (its HR information system, its staff representatives'
tools) learn of those changes as they happen."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from revoyure.core import hooks
from revoyure.webhooks import services
from revoyure.webhooks.models import EventType


def tool_payload(tool: Any) -> dict[str, Any]:
    changed_at = getattr(tool, "updated_at", None) or timezone.now()
    return {
        "tool_id": tool.pk,
        "name": tool.name,
        "status": tool.status,
        "changed_at": changed_at.isoformat(),
    }


def on_tool_changed(tool: Any) -> None:
    # One small query (the organisation's active endpoints) when the organisation has none.
    services.queue(EventType.TOOL_CHANGED, tool.organisation_id, tool_payload(tool))


def on_tools_imported(organisation_id: int) -> None:
    # One message for the whole import, not one per tool: the receiver reads the register again.
    services.queue(
        EventType.TOOL_CHANGED,
        organisation_id,
        {"imported": True, "changed_at": timezone.now().isoformat()},
    )


def _append_once(hook: list[Any], fn: Any) -> None:
    # `ready` may run more than once (tests, management commands); the module may even be re-imported,
    # giving a new function object: compare by name.
    name = (fn.__module__, fn.__qualname__)
    if not any((getattr(f, "__module__", None), getattr(f, "__qualname__", None)) == name for f in hook):
        hook.append(fn)


def connect() -> None:
    _append_once(hooks.tool_changed, on_tool_changed)
    _append_once(hooks.tools_imported, on_tools_imported)


connect()
