"""Register pages: the list, a tool's record, creating and editing it, changing its status.

History, attachments, vendors and the transparency page live in the `views_*` modules next to this one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.views import org_context
from revoyure.registry import services
from revoyure.registry.diff import record_groups
from revoyure.registry.forms import (
    AttachmentForm,
    RemoveAttachmentForm,
    StatusChangeForm,
    ToolEditForm,
    ToolFilterForm,
    ToolForm,
    add_service_errors,
)
from revoyure.registry.models import Tool
from revoyure.registry.queries import list_tools
from revoyure.registry.views_common import is_partial, paginate, require_methods, tool_context, vary_on_htmx

TOOLS_PER_PAGE = 25
# The list reads only what it shows: the long texts of a record stay in the database.
LIST_COLUMNS = (
    "id",
    "name",
    "status",
    "domain_category",
    "is_ai_system",
    "can_monitor_activity",
    "updated_at",
    "owner_department",
    "vendor__name",
)


@login_required
@require_methods("GET")
def tool_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    form = ToolFilterForm(request.GET, access.organisation)
    page = None
    status = 400
    if form.is_valid():
        tools = list_tools(access.organisation, form.filters()).only(*LIST_COLUMNS)
        page = paginate(tools, TOOLS_PER_PAGE, request.GET.get("page"))
        status = 200
    template = "registry/_tool_results.html" if is_partial(request) else "registry/tool_list.html"
    context = {"access": access, "form": form, "page": page, "can_edit": access.can(Perm.EDIT_REGISTER)}
    return vary_on_htmx(render(request, template, context, status=status))


def render_tool_detail(
    request: HttpRequest,
    access: OrgAccess,
    tool: Tool,
    *,
    status: int = 200,
    status_form: StatusChangeForm | None = None,
    attachment_form: AttachmentForm | None = None,
    remove_forms: dict[int, RemoveAttachmentForm] | None = None,
) -> HttpResponse:
    """The record page; the status, upload and removal views re-render it with their form's errors."""
    can_edit = access.can(Perm.EDIT_REGISTER)
    allowed = services.allowed_next_statuses(tool)
    attachments = list(tool.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id"))
    remove_forms = remove_forms or {}
    vendor_names = {tool.vendor.pk: tool.vendor.name} if tool.vendor else {}
    context: dict[str, Any] = {
        "access": access,
        "tool": tool,
        # Built only when the template renders them, not when their cached fragment is used.
        "groups": SimpleLazyObject(lambda: record_groups(tool, vendor_names)),
        "allowed_statuses": allowed,
        "can_edit": can_edit,
        # Links to the impact studies and consultations of the tool (apps above this one, by URL name).
        "can_view_studies": access.can(Perm.VIEW_STUDIES),
        "can_manage_studies": access.can(Perm.MANAGE_STUDIES),
        "can_view_consultations": access.can(Perm.VIEW_CONSULTATIONS),
        "can_manage_consultations": access.can(Perm.MANAGE_CONSULTATIONS),
        "can_instruct_reports": access.can(Perm.INSTRUCT_REPORTS),
        "attachments": [
            (
                attachment,
                remove_forms.get(attachment.pk) or RemoveAttachmentForm(prefix=f"remove-{attachment.pk}"),
            )
            for attachment in attachments
        ],
    }
    if can_edit:
        context["status_form"] = status_form or StatusChangeForm(allowed=allowed)
        context["attachment_form"] = attachment_form or AttachmentForm()
    return render(request, "registry/tool_detail.html", context, status=status)


@login_required
@require_methods("GET")
def tool_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.VIEW_REGISTER)
    return render_tool_detail(request, access, tool)


def _register_values(form: ToolForm, access: OrgAccess, actor: Any) -> dict[str, Any]:
    values = form.register_values()
    new_vendor_name = form.cleaned_data.get("new_vendor_name")
    if new_vendor_name:
        values["vendor"] = services.get_or_create_vendor(
            actor, new_vendor_name, organisation_id=access.organisation.pk
        )
    return values


@login_required
@require_methods("GET", "POST")
def tool_create(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.EDIT_REGISTER)
    form = ToolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                # One transaction: a new vendor is not kept when the tool itself is refused.
                with transaction.atomic():
                    tool = services.create_tool(
                        access.organisation, request.user, _register_values(form, access, request.user)
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The tool “%(name)s” is registered.") % {"name": tool.name})
                return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
        return render(request, "registry/tool_form.html", {"access": access, "form": form}, status=400)
    return render(request, "registry/tool_form.html", {"access": access, "form": form})


@login_required
@require_methods("GET", "POST")
def tool_edit(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.EDIT_REGISTER)
    name = tool.name  # the form writes its values onto the instance while validating
    form = ToolEditForm(request.POST if request.method == "POST" else None, instance=tool)
    context = {"access": access, "form": form, "tool": tool, "tool_name": name}
    if request.method == "POST":
        if form.is_valid():
            if not set(form.changed_data) - {"reason", "loaded_at"}:
                messages.info(request, _("Nothing was changed, so nothing was recorded."))
                return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
            try:
                with transaction.atomic():
                    tool = services.update_tool(
                        tool,
                        request.user,
                        _register_values(form, access, request.user),
                        form.cleaned_data["reason"],
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The changes are saved in the history."))
                return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
        return render(request, "registry/tool_form.html", context, status=400)
    return render(request, "registry/tool_form.html", context)


@login_required
@require_methods("POST")
def tool_change_status(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.EDIT_REGISTER)
    form = StatusChangeForm(request.POST, allowed=services.allowed_next_statuses(tool))
    if form.is_valid():
        try:
            tool = services.change_status(
                tool,
                request.user,
                form.cleaned_data["new_status"],
                form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"status": "new_status"})
        else:
            messages.success(
                request, _("The status is now “%(status)s”.") % {"status": tool.get_status_display()}
            )
            return redirect("registry:tool_detail", org=access.organisation.slug, pk=tool.pk)
    return render_tool_detail(request, access, tool, status=400, status_form=form)
