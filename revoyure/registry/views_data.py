"""Web import (upload → mapping → preview with dry run → import) and export of the register, and the
open-data export an organisation may switch on."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.models import Organisation
from revoyure.organisations.views import org_context
from revoyure.registry.exporting.open_data import export_open_data_csv, export_open_data_json
from revoyure.registry.exporting.service import FORMATS, export_register, file_name
from revoyure.registry.fields import spec_by_name
from revoyure.registry.forms_data import MappingForm, UploadForm, initial_mapping
from revoyure.registry.importing.errors import ImportFileError
from revoyure.registry.importing.mapping import suggest_mapping
from revoyure.registry.importing.readers import open_table
from revoyure.registry.importing.service import (
    ImportRejected,
    ImportReport,
    import_records,
    prepare_import,
    validate_records,
)
from revoyure.registry.importing.storage import StoredUpload, discard, load_upload, store_upload

PREVIEW_ROWS = 10
SHOWN_ERRORS = 500

EXPORT_DESCRIPTIONS = {
    "json": gettext_lazy("Every field, in the documented JSON format (JSON Schema); re-importable."),
    "csv": gettext_lazy("Every field, one column each (UTF-8, comma-separated); re-importable."),
    "xlsx": gettext_lazy("Every field, one column each, with a legend sheet; re-importable."),
    "algoritmeregister": gettext_lazy(
        "Public fields in the Dutch Algoritmeregister publication standard 1.0."
    ),
    "atrs": gettext_lazy("Public fields in the UK Algorithmic Transparency Recording Standard (tier 1)."),
}


# Import ----------------------------------------------------------------------------------------------------


def _upload_page(
    request: HttpRequest, form: UploadForm, status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    return render(
        request, "registry/import_upload.html", {"form": form, "errors": errors or []}, status=status
    )


def _mapping_page(
    request: HttpRequest,
    form: MappingForm,
    stored: StoredUpload,
    columns: list[str],
    status: int = 200,
    rows: int | None = None,
) -> HttpResponse:
    context = {"form": form, "file_name": stored.name, "columns": columns, "rows": rows}
    return render(request, "registry/import_mapping.html", context, status=status)


def _file_errors(form: Any, field: str | None, exc: ImportFileError) -> None:
    for message in exc.messages:
        form.add_error(field, message)


@login_required
def import_start(request: HttpRequest, org: str) -> HttpResponse:
    """Step 1: upload the file; answer with the mapping step, pre-filled with the automatic suggestion."""
    access = org_context(request, org, Perm.IMPORT_REGISTER)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "GET":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    stored = store_upload(access.organisation, form.cleaned_data["file"], form.cleaned_data["format"] or None)
    try:
        table = open_table(stored.path, stored.format, stored.name)
        if not table.columns:
            raise ImportFileError(_("The file has no column names in its first row."))
        rows = sum(1 for _row in table.rows())  # reads it all now, so a damaged file is reported at once
    except ImportFileError as exc:
        discard(stored)
        _file_errors(form, "file", exc)
        return _upload_page(request, form, status=400)
    mapping_form = MappingForm(
        initial=initial_mapping(stored.token, suggest_mapping(table.columns)), columns=table.columns
    )
    return _mapping_page(request, mapping_form, stored, table.columns, rows=rows)


def _display(name: str, value: Any) -> str:
    spec = spec_by_name()[name]
    labels = {code: label for code, label in spec.choices}
    if isinstance(value, list) and spec.kind == "list":
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, list):
        return "; ".join(str(entry.get("title") or entry.get("description") or "") for entry in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if spec.choices:
        return str(labels.get(str(value), value))
    if isinstance(value, dt.date):
        return formats.date_format(value)
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True)
    return str(value)


def _preview_page(
    request: HttpRequest,
    form: MappingForm,
    stored: StoredUpload,
    columns: list[str],
    report: ImportReport,
    mapping: Collection[str],
) -> HttpResponse:
    fields = [spec for spec in spec_by_name().values() if spec.name in mapping]
    rows = [
        (number, [_display(s.name, values[s.name]) if s.name in values else "" for s in fields])
        for number, values in report.preview
    ]
    specs = spec_by_name()
    errors = [
        (error, specs[error.field].label if error.field in specs else "")
        for error in report.errors[:SHOWN_ERRORS]
    ]
    context = {
        "form": form,
        "file_name": stored.name,
        "columns": columns,
        "report": report,
        "fields": fields,
        "rows": rows,
        "errors": errors,
        "hidden_errors": max(0, len(report.errors) - SHOWN_ERRORS),
        "can_import": report.total > 0 and not report.errors,
    }
    status = 200 if context["can_import"] else 400
    return render(request, "registry/import_preview.html", context, status=status)


def _mapping_step(request: HttpRequest, access: OrgAccess, *, confirm: bool) -> HttpResponse:
    try:
        stored = load_upload(access.organisation, request.POST.get("token", ""))
        table = open_table(stored.path, stored.format, stored.name)
    except ImportFileError as exc:
        return _upload_page(request, UploadForm(), status=400, errors=exc.messages)
    form = MappingForm(request.POST, columns=table.columns)
    if not form.is_valid():
        return _mapping_page(request, form, stored, table.columns, status=400)
    try:
        prepared = prepare_import(
            stored.path, fmt=stored.format, name=stored.name, mapping=form.mapping(), auto=False
        )
        if confirm:
            report = import_records(
                access.organisation, request.user, prepared.rows, stored.name, warnings=prepared.warnings
            )
        else:
            report = validate_records(
                access.organisation, prepared.rows, source_name=stored.name, preview_size=PREVIEW_ROWS
            )
            report.warnings = prepared.warnings
    except ImportFileError as exc:
        _file_errors(form, None, exc)
        return _mapping_page(request, form, stored, table.columns, status=400)
    except ImportRejected as exc:
        mapped = [name for name, column in form.mapping().items() if column]
        return _preview_page(request, form, stored, table.columns, exc.report, mapped)
    if not confirm:
        return _preview_page(request, form, stored, table.columns, report, prepared.mapping)
    discard(stored)
    message = ngettext(
        "Imported %(count)d record from %(file)s.",
        "Imported %(count)d records from %(file)s.",
        report.imported,
    )
    messages.success(request, message % {"count": report.imported, "file": stored.name})
    return redirect("registry:tool_list", org=access.organisation.slug)


@login_required
def import_preview(request: HttpRequest, org: str) -> HttpResponse:
    """Step 2: the mapping chosen, show the first rows as they will be imported and the full report."""
    access = org_context(request, org, Perm.IMPORT_REGISTER)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _mapping_step(request, access, confirm=False)


@login_required
def import_confirm(request: HttpRequest, org: str) -> HttpResponse:
    """Step 3: import every row, or nothing (the same service as the command line)."""
    access = org_context(request, org, Perm.IMPORT_REGISTER)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _mapping_step(request, access, confirm=True)


# Export ----------------------------------------------------------------------------------------------------


@login_required
def export_page(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.EXPORT_REGISTER)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    formats = [
        {
            "key": key,
            "description": EXPORT_DESCRIPTIONS[key],
            "file_name": file_name(access.organisation, key),
            "url": reverse(
                "registry_data:export_download", kwargs={"org": access.organisation.slug, "fmt": key}
            ),
        }
        for key in FORMATS
    ]
    context = {"formats": formats, "can_import": access.can(Perm.IMPORT_REGISTER)}
    return render(request, "registry/export_page.html", context)


@login_required
def export_download(request: HttpRequest, org: str, fmt: str) -> HttpResponse:
    access = org_context(request, org, Perm.EXPORT_REGISTER)
    if fmt not in FORMATS:
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    export = FORMATS[fmt]
    content: bytes
    if export.binary:
        binary = io.BytesIO()
        export_register(access.organisation, fmt, binary)
        content = binary.getvalue()
    else:
        text = io.StringIO()
        export_register(access.organisation, fmt, text)
        content = text.getvalue().encode("utf-8")
    response = HttpResponse(content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(access.organisation, fmt)}"'
    return response


# Open data -------------------------------------------------------------------------------------------------


def _open_data(request: HttpRequest, org: str, fmt: str) -> HttpResponse:
    organisation = Organisation.objects.filter(slug=str(org)[:60], open_data_enabled=True).first()
    if organisation is None:
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    text = io.StringIO()
    if fmt == "json":
        export_open_data_json(organisation, text)
        content_type = "application/json"
    else:
        export_open_data_csv(organisation, text)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(text.getvalue().encode("utf-8"), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    response["Content-Disposition"] = f'inline; filename="open-data-{organisation.slug}.{fmt}"'
    return response


def open_data_json(request: HttpRequest, org: str) -> HttpResponse:
    return _open_data(request, org, "json")


def open_data_csv(request: HttpRequest, org: str) -> HttpResponse:
    return _open_data(request, org, "csv")
