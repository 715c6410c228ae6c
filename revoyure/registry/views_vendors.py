"""Vendors: shared by every organisation of the installation; each organisation sees its own tools and its
own private note about a vendor, never another organisation's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.views import org_context
from revoyure.registry import services
from revoyure.registry.forms import VendorFilterForm, VendorForm, VendorNoteForm, add_service_errors
from revoyure.registry.models import Tool, Vendor, VendorNote
from revoyure.registry.views_common import paginate, require_methods, vendor_context

VENDORS_PER_PAGE = 50


@login_required
@require_methods("GET")
def vendor_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    form = VendorFilterForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "page": None}
    if not form.is_valid():
        return render(request, "registry/vendor_list.html", context, status=400)
    vendors = (
        Vendor.objects.only("id", "name", "country", "in_eu")
        .annotate(tools_here=Count("tools", filter=Q(tools__organisation=access.organisation)))
        .order_by("name", "id")
    )
    if form.cleaned_data["q"].strip():
        vendors = vendors.filter(name__icontains=form.cleaned_data["q"].strip())
    context["page"] = paginate(vendors, VENDORS_PER_PAGE, request.GET.get("page"))
    return render(request, "registry/vendor_list.html", context)


def _render_vendor(
    request: HttpRequest,
    access: OrgAccess,
    vendor: Vendor,
    *,
    status: int = 200,
    note_form: VendorNoteForm | None = None,
) -> HttpResponse:
    note = VendorNote.objects.filter(vendor=vendor, organisation=access.organisation).first()
    can_edit = access.can(Perm.EDIT_REGISTER)
    context = {
        "access": access,
        "vendor": vendor,
        "note": note,
        # Not `vendor.tools`: the related manager would fetch each tool's deferred vendor id back, one by one.
        "tools": Tool.objects.filter(vendor=vendor, organisation=access.organisation)
        .only("id", "name", "status")
        .order_by("name"),
        "can_edit": can_edit,
        "note_form": (note_form or VendorNoteForm(initial={"text": note.text if note else ""}))
        if can_edit
        else None,
    }
    return render(request, "registry/vendor_detail.html", context, status=status)


@login_required
@require_methods("GET")
def vendor_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, vendor = vendor_context(request, org, pk, Perm.VIEW_REGISTER)
    return _render_vendor(request, access, vendor)


@login_required
@require_methods("POST")
def vendor_note(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, vendor = vendor_context(request, org, pk, Perm.EDIT_REGISTER)
    form = VendorNoteForm(request.POST)
    if form.is_valid():
        services.update_vendor_note(vendor, access.organisation, request.user, form.cleaned_data["text"])
        messages.success(request, _("The note is saved."))
        return redirect("registry:vendor_detail", org=access.organisation.slug, pk=vendor.pk)
    return _render_vendor(request, access, vendor, status=400, note_form=form)


@login_required
@require_methods("GET", "POST")
def vendor_edit(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, vendor = vendor_context(request, org, pk, Perm.EDIT_REGISTER)
    name = vendor.name
    form = VendorForm(request.POST if request.method == "POST" else None, vendor=vendor)
    context = {"access": access, "vendor": vendor, "vendor_name": name, "form": form}
    if request.method == "POST":
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("Nothing was changed, so nothing was recorded."))
                return redirect("registry:vendor_detail", org=access.organisation.slug, pk=vendor.pk)
            try:
                services.update_vendor(
                    vendor,
                    request.user,
                    changes,
                    form.cleaned_data["reason"],
                    organisation_id=access.organisation.pk,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The vendor is updated."))
                return redirect("registry:vendor_detail", org=access.organisation.slug, pk=vendor.pk)
        return render(request, "registry/vendor_form.html", context, status=400)
    return render(request, "registry/vendor_form.html", context)
