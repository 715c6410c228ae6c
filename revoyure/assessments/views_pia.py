"""DPIA from the CNIL PIA tool: upload form (on a tool) and read-only display."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.assessments import pia as pia_format
from revoyure.assessments.models_pia import PiaImport
from revoyure.assessments.services_pia import import_pia
from revoyure.core.permissions import Perm
from revoyure.organisations.access import int_id
from revoyure.organisations.views import org_context, with_menu
from revoyure.organisations.views_helpers import require_methods
from revoyure.registry.access import access_tool


class PiaUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("JSON export of the PIA"),
        help_text=gettext_lazy("The file exported from the CNIL's PIA tool (“Export” → JSON)."),
    )


@login_required
@require_methods("GET", "HEAD", "POST")
def pia_import(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = access_tool(request.user, org, pk, Perm.EDIT_REGISTER)
    with_menu(request, access)
    status = 200
    if request.method == "POST":
        form = PiaUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                pia = import_pia(tool, request.user, upload, upload.name)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                messages.success(request, _("The DPIA “%(name)s” is imported.") % {"name": pia.name})
                return redirect(pia.get_absolute_url())
        status = 400
    else:
        form = PiaUploadForm()
    return render(request, "assessments/pia_import.html", {"form": form, "tool": tool}, status=status)


def _label(table: dict[int, Any], value: Any) -> Any:
    if value is None:
        return ""
    return table.get(value, value)


@login_required
@require_methods("GET", "HEAD")
def pia_detail(request: HttpRequest, org: str, pia_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    pia = (
        PiaImport.objects.select_related("tool", "imported_by")
        .filter(organisation=access.organisation, pk=int_id(pia_id))
        .first()
    )
    if pia is None:
        raise Http404
    export = pia.export
    sections: dict[str, list[dict[str, Any]]] = {}
    for answer in export.answers:
        sections.setdefault(answer.section or _("Other references"), []).append(
            {
                "answer": answer,
                "gauge_label": _label(pia_format.GAUGE_LEVELS, answer.gauge) if answer.gauge else "",
            }
        )
    evaluations = [
        {
            "evaluation": e,
            "status_label": _label(pia_format.EVALUATION_STATUS, e.status),
            "gauges": [(axis, _label(pia_format.GAUGE_LEVELS, v)) for axis, v in sorted(e.gauges.items())],
        }
        for e in export.evaluations
    ]
    context = {
        "pia": pia,
        "export": export,
        "sections": sections.items(),
        "evaluations": evaluations,
        "status_label": _label(pia_format.PIA_STATUS, export.status),
        "dpo_status_label": _label(pia_format.OPINION_STATUS, export.dpo_status),
        "people_status_label": _label(pia_format.OPINION_STATUS, export.concerned_people_status),
    }
    return render(request, "assessments/pia_detail.html", context)
