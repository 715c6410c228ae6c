"""Attachments of a tool: upload, download (the only way a stored file ever leaves the server), removal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.registry import services
from revoyure.registry.forms import AttachmentForm, RemoveAttachmentForm, add_service_errors
from revoyure.registry.views import render_tool_detail
from revoyure.registry.views_common import attachment_context, require_methods, tool_context


@login_required
@require_methods("POST")
def attachment_add(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.EDIT_REGISTER)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.add_attachment(
                access.organisation,
                request.user,
                form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                tool=tool,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The document “%(title)s” is attached.") % {"title": attachment.title}
            )
            return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
    return render_tool_detail(request, access, tool, status=400, attachment_form=form)


@login_required
@require_methods("GET")
def attachment_download(request: HttpRequest, org: str, pk: int) -> HttpResponseBase:
    _access, attachment = attachment_context(request, org, pk, Perm.VIEW_REGISTER)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # the row outlived its file (restored database, say)
        raise Http404 from exc
    # Always a download with the type detected at upload, never rendered by the browser in our origin.
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_methods("POST")
def attachment_remove(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, attachment = attachment_context(request, org, pk, Perm.EDIT_REGISTER)
    tool = attachment.tool
    if tool is None:
        raise Http404  # documents not attached to a tool are not managed from the register
    form = RemoveAttachmentForm(request.POST, prefix=f"remove-{attachment.pk}")
    if form.is_valid():
        try:
            services.remove_attachment(attachment, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document “%(title)s” is removed.") % {"title": attachment.title})
            return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
    return render_tool_detail(request, access, tool, status=400, remove_forms={attachment.pk: form})
