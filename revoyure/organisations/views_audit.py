"""The organisation's audit log, and the check of the log's hash chain."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from revoyure.core.audit import verify_chain
from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Perm
from revoyure.organisations.forms import AuditFilterForm
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import BadPage, bad_query, paginate, refuse_writes

PER_PAGE = 50


def _details(data: Any) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return [("", str(data))]
    return [
        (str(key), ", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
        for key, value in data.items()
    ]


@login_required
def audit_log(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_AUDIT)
    if refused := refuse_writes(request):
        return refused
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        message = " ".join(
            f"{form.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        return bad_query(request, message)
    entries = AuditEntry.objects.filter(organisation_id=access.organisation.pk)
    actions = sorted(set(entries.order_by().values_list("action", flat=True).distinct()))
    action = form.cleaned_data["action"]
    if action:
        entries = entries.filter(action=action)
    try:
        page = paginate(entries.order_by("-id"), form.cleaned_data["page"], PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    # The chain covers the whole installation and is walked entry by entry: only on request.
    chain = verify_chain() if form.cleaned_data["verify"] else None
    rows = [(entry, _details(entry.data)) for entry in page.object_list]
    return render(
        request,
        "organisations/audit_log.html",
        {
            "access": access,
            "page": page,
            "rows": rows,
            "actions": actions,
            "action": action,
            "chain": chain,
            "title": _("Audit log"),
        },
    )
