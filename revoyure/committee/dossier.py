"""The annual dossier of the AI committee (issue 5 §1), as a web page and a PDF.

Roadmap measure 6, the annual meeting « pour faire le point sur la stratégie liée aux systèmes d'IA, les
systèmes déployés dans l'entreprise sur la base du registre des outils d'IA […] (liste des consultations ou
informations des introductions de nouvelles technologies liées à l'IA, mises à jour du registre) et être
informé par le délégué des informations fournisseurs et de l'évolution des réglementations nationales et
européennes ». Apps above the committee (the staff reports) add their sections through
`core.hooks.annual_dossier_sections`.

The number of queries does not grow with the data: every list is one query (with its prefetches)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from revoyure.committee.models import Committee, DelegateNote, Meeting, Training
from revoyure.consultations.models import Consultation
from revoyure.core import hooks
from revoyure.core.pdf import render_pdf
from revoyure.qualification.models import Obligation, ObligationState, ObligationStatus
from revoyure.registry.choices import ToolStatus
from revoyure.registry.models import Tool

logger = logging.getLogger(__name__)

TEMPLATE_PDF = "committee/dossier_pdf.html"
DEPLOYED = (ToolStatus.PILOT, ToolStatus.IN_SERVICE)
MAX_CHANGES = 2000
MIN_YEAR, MAX_YEAR = 2000, 2100

_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(dt.date(year, 1, 1), dt.time()))
    end = timezone.make_aware(dt.datetime.combine(dt.date(year + 1, 1, 1), dt.time()))
    return start, end


def _deployed(organisation_id: int, end: dt.datetime) -> list[Any]:
    """The tools in pilot or in service at the end of the year (or now, for the current year)."""
    at = min(end, timezone.now())
    # The latest historical record of each tool at that time (historical records, not instances: the
    # instances would load the register's search column one query per tool).
    latest = (
        Tool.history.filter(organisation_id=organisation_id, history_date__lte=at)
        .latest_of_each()
        .exclude(history_type="-")
        .filter(status__in=DEPLOYED)
    )
    return sorted(latest, key=lambda t: (t.name.lower(), t.id))


def _changes(organisation_id: int, start: dt.datetime, end: dt.datetime) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        Tool.history.filter(organisation_id=organisation_id, history_date__gte=start, history_date__lt=end)
        .select_related("history_user")
        .order_by("history_date", "history_id")[: MAX_CHANGES + 1]
    )
    changes = [
        {
            "date": timezone.localtime(h.history_date),
            "tool": h.name,
            "tool_id": h.id,
            "type": _CHANGE_TYPES.get(h.history_type, h.history_type),
            "status": h.get_status_display(),
            "reason": h.history_change_reason or "",
            "who": (getattr(h.history_user, "email", "") if h.history_user_id else ""),
        }
        for h in rows[:MAX_CHANGES]
    ]
    return changes, len(rows) > MAX_CHANGES


def _introductions(organisation_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Tools first put in pilot or in service during the year, with their consultations."""
    firsts = (
        Tool.history.filter(organisation_id=organisation_id, status__in=DEPLOYED)
        .values("id")
        .annotate(first=Min("history_date"))
        .filter(first__gte=start, first__lt=end)
    )
    first_by_tool = {row["id"]: row["first"] for row in firsts}
    if not first_by_tool:
        return []
    tools = {t.pk: t for t in Tool.objects.filter(pk__in=list(first_by_tool))}
    consultations: dict[int, list[Consultation]] = {}
    for c in Consultation.objects.filter(tool_id__in=list(first_by_tool)).prefetch_related(
        "bodies__staff_body"
    ):
        consultations.setdefault(c.tool_id, []).append(c)
    result = []
    for tool_id, first in sorted(first_by_tool.items(), key=lambda item: item[1]):
        tool = tools.get(tool_id)
        result.append(
            {
                "tool": tool,
                "name": tool.name if tool else str(tool_id),
                "status": tool.get_status_display() if tool else "",
                "first": timezone.localtime(first),
                "consultations": [
                    {
                        "subject": c.subject,
                        "status": c.get_status_display(),
                        "bodies": [
                            {
                                "name": str(b.staff_body),
                                "purpose": b.get_purpose_display(),
                                "informed_on": b.informed_on,
                                "opinion": b.get_opinion_display() if b.opinion else "",
                                "opinion_on": getattr(b, "opinion_on", None),
                            }
                            for b in c.bodies.all()
                        ],
                    }
                    for c in consultations.get(tool_id, [])
                ],
            }
        )
    return result


def _obligations(organisation_id: int) -> dict[str, Any]:
    counts = {
        (row["state"], row["status"]): row["n"]
        for row in Obligation.objects.filter(organisation_id=organisation_id)
        .exclude(state=ObligationState.LAPSED)
        .values("state", "status")
        .annotate(n=Count("pk"))
    }
    states = [s for s in ObligationState if s != ObligationState.LAPSED]
    rows = []
    for state in states:
        cells = [counts.get((state.value, status.value), 0) for status in ObligationStatus]
        rows.append({"label": state.label, "cells": cells, "total": sum(cells)})
    return {
        "statuses": [s.label for s in ObligationStatus],
        "rows": rows,
        "total": sum(counts.values()),
    }


def _trainings(organisation_id: int, year: int) -> list[Training]:
    return list(
        Training.objects.filter(organisation_id=organisation_id, given_on__year=year)
        .annotate(trainee_count=Count("trainees"))
        .prefetch_related("tools")
        .order_by("given_on", "pk")
    )


def _contributed(organisation: Any, year: int) -> list[dict[str, Any]]:
    sections = []
    for contribute in hooks.annual_dossier_sections:
        section = contribute(organisation, year)
        if not section:
            continue
        rows = []
        for row in section.get("rows") or []:
            if isinstance(row, dict):
                rows.append([f"{k}: {v}" for k, v in row.items()])
            elif isinstance(row, list | tuple):
                rows.append([str(v) for v in row])
            else:
                rows.append([str(row)])
        sections.append(
            {
                "title": str(section.get("title", "")),
                "summary": str(section.get("summary", "")),
                "columns": [str(c) for c in section.get("columns", [])],
                "rows": rows,
            }
        )
    return sections


def build(committee: Committee, year: int) -> dict[str, Any]:
    organisation = committee.organisation
    start, end = year_bounds(year)
    changes, truncated = _changes(organisation.pk, start, end)
    meetings = list(
        Meeting.objects.filter(committee=committee, starts_at__gte=start, starts_at__lt=end)
        .prefetch_related("decisions__tool")
        .order_by("starts_at", "pk")
    )
    return {
        "organisation": organisation,
        "committee": committee,
        "year": year,
        "generated_at": timezone.localtime(),
        "strategy": committee.strategy,
        "deployed": _deployed(organisation.pk, end),
        "changes": changes,
        "changes_truncated": truncated,
        "max_changes": MAX_CHANGES,
        "introductions": _introductions(organisation.pk, start, end),
        "obligations": _obligations(organisation.pk),
        "trainings": _trainings(organisation.pk, year),
        "notes": list(
            DelegateNote.objects.filter(committee=committee, noted_on__year=year)
            .select_related("vendor", "tool")
            .order_by("noted_on", "pk")
        ),
        "meetings": meetings,
        "sections": _contributed(organisation, year),
    }


def render_dossier_pdf(committee: Committee, year: int) -> bytes:
    return render_pdf(TEMPLATE_PDF, build(committee, year))
