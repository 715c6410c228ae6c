"""Named extension points between domain apps, so that a lower app can let a higher one react without
importing it (docs/ARCHITECTURE.md). Each hook is a plain list of callables, filled in `AppConfig.ready`
and called explicitly by a service, inside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A tool's facts changed (created, edited, status changed): called with the saved tool.
tool_changed: list[Callable[[Any], None]] = []
# Tools were written in bulk (the importer): called with the organisation id.
tools_imported: list[Callable[[int], None]] = []
# An organisation's own facts changed (its settings, staff bodies or agreements): called with its id.
organisation_changed: list[Callable[[int], None]] = []
# The demo organisation was created (`manage.py seed_demo`): called with it, so each capability adds its
# part of the demo.
demo_seeded: list[Callable[[Any], None]] = []

# Sections of the AI committee's annual dossier that apps above the committee contribute (the staff
# reports): called with (organisation, year), each returns {"title": str, "rows": [...], "summary": str}.
annual_dossier_sections: list[Callable[[Any, int], dict[str, Any]]] = []


def fire(hook: list[Callable[..., None]], *args: Any) -> None:
    for fn in hook:
        fn(*args)
