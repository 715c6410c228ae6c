"""Trigger events from inside the platform (issue 6 §2), registered when the app starts (apps.ready imports
this module):

- the register: « nouveau développement des outils mis en place (mise à jour ou nouvelles fonctionnalités
  de l'outil en lien avec l'outil proposé du « registre ») » — a new vendor version, or a changed function
  or techniques, of a tool in use becomes an event awaiting the delegate's confirmation (a typo fixed in a
  version field must not summon a meeting on its own);
- a staff report judged founded (the domain event "report.founded" of the reports app) becomes a confirmed
  event: the committee has already judged it.

The AI delegate's signal and the DPO's annual report are entered by hand (or through the API).

Bulk imports of the register fire another hook (`core.hooks.tools_imported`), not handled here: an import
loads the register, it does not announce new versions of tools in use."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import events, hooks
from revoyure.registry.choices import IN_USE_STATUSES, Technique
from revoyure.registry.models import Tool
from revoyure.reviews import services_events

logger = logging.getLogger(__name__)

FOUNDED_REPORT = "report.founded"


# The register ---------------------------------------------------------------------------------------------


def _technique_labels(values: set[str]) -> str:
    return ", ".join(sorted(str(Technique(v).label) if v in Technique.values else str(v) for v in values))


def register_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two versions of a tool that makes it a new version or a new feature, as
    sentences (empty when nothing did)."""
    changes = []
    old_version, new_version = (old["vendor_version"] or "").strip(), (new["vendor_version"] or "").strip()
    if new_version and new_version != old_version:
        changes.append(
            _("Version: %(old)s → %(new)s") % {"old": old_version or _("not recorded"), "new": new_version}
        )
    if (new["function"] or "").strip() and (new["function"] or "").strip() != (old["function"] or "").strip():
        changes.append(_("Function performed: %(function)s") % {"function": new["function"].strip()})
    old_techniques, new_techniques = set(old["techniques"] or ()), set(new["techniques"] or ())
    if new_techniques - old_techniques:
        changes.append(
            _("New techniques: %(list)s") % {"list": _technique_labels(new_techniques - old_techniques)}
        )
    if old_techniques - new_techniques:
        changes.append(
            _("Techniques no longer used: %(list)s")
            % {"list": _technique_labels(old_techniques - new_techniques)}
        )
    return changes


def on_tool_changed(tool: Tool) -> None:
    """Runs inside every register write (core.hooks.tool_changed): at most one indexed query unless the
    tool is in use and its version, function or techniques changed. Never makes the register write fail."""
    # A tool in project is still being described: its version changes nothing in use yet. A withdrawn tool
    # is out of use.
    if tool.status not in IN_USE_STATUSES:
        return
    rows = list(
        tool.history.order_by("-history_date", "-history_id").values(
            "history_id", "history_date", "vendor_version", "function", "techniques"
        )[:2]
    )
    if len(rows) < 2:
        return
    new, old = rows
    changes = register_changes(old, new)
    if not changes:
        return
    old_version, new_version = (old["vendor_version"] or "").strip(), (new["vendor_version"] or "").strip()
    if new_version and new_version != old_version:
        title = _("New version of %(tool)s: %(old)s → %(new)s") % {
            "tool": tool.name,
            "old": old_version or _("not recorded"),
            "new": new_version,
        }
    else:
        title = _("New feature of %(tool)s") % {"tool": tool.name}
    try:
        # A savepoint: whatever fails here is undone alone, and the register's own transaction goes on.
        with transaction.atomic():
            _record_register_event(tool, new, title, changes)
    except Exception:  # the review clause must never make the register write fail; the failure is logged
        logger.exception("Could not record the register event of tool %s", tool.pk)


def _record_register_event(tool: Tool, new: dict[str, Any], title: str, changes: list[str]) -> None:
    services_events.create_event(
        organisation_id=tool.organisation_id,
        kind="tool_new_version",
        origin="register",
        title=title,
        occurred_on=timezone.localdate(new["history_date"]),
        description="\n".join(changes),
        source=_("The register of the organisation"),
        tool=tool,
        confirmed=False,  # « awaiting the delegate's confirmation »: is it a real new development?
        dedupe_key=f"register:{new['history_id']}",
    )


# Founded staff reports ------------------------------------------------------------------------------------


def on_report_founded(domain_event: Any) -> None:
    """A staff report judged founded: a confirmed event about its tool. Nothing that could identify the
    reporter goes in (no text of the report, no time, no reporter): only the tool and the fact. Idempotent:
    a replayed domain event finds its event by the dedupe key."""
    payload = domain_event.payload if isinstance(domain_event.payload, dict) else {}
    report_id = payload.get("report_id")
    organisation_id = domain_event.organisation_id or payload.get("organisation_id")
    if not report_id or not organisation_id:
        logger.warning("report.founded event %s without report or organisation: ignored", domain_event.pk)
        return
    tool_id = payload.get("tool_id")
    tool = Tool.objects.filter(pk=tool_id, organisation_id=organisation_id).first() if tool_id else None
    if tool is None:
        # The kind concerns a tool (triggers.yaml): without one there is nothing to review.
        logger.info("Founded report %s names no tool of its organisation: no review event", report_id)
        return
    try:
        services_events.create_event(
            organisation_id=organisation_id,
            kind="founded_report",
            origin="report",
            title=_("A staff report about %(tool)s was judged founded") % {"tool": tool.name},
            # The date the committee judged it (when the domain event was published), not the report's.
            occurred_on=timezone.localdate(domain_event.occurred_at),
            source=_("The AI committee"),
            tool=tool,
            confirmed=True,  # the committee's finding is the confirmation
            dedupe_key=f"report:{report_id}",
        )
    except ValidationError:
        logger.exception("Could not record the review event of founded report %s", report_id)


def register() -> None:
    """Subscribe to the register's hook and the founded-report domain event, once."""
    if on_tool_changed not in hooks.tool_changed:
        hooks.tool_changed.append(on_tool_changed)
    events.subscribe(FOUNDED_REPORT, on_report_founded)


register()
