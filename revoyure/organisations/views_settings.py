"""The organisation's settings page: its facts, its staff bodies and their members, its agreements.

Every member who may read the register sees them; changing them needs `Perm.MANAGE_ORGANISATION`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations import services
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.departments import department_label
from revoyure.organisations.forms import (
    AgreementForm,
    OrganisationSettingsForm,
    StaffBodyForm,
    StaffBodyMemberForm,
    apply_errors,
)
from revoyure.organisations.models import Agreement, Organisation, StaffBody, StaffBodyMember
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    confirm,
    confirmed,
    get_in_organisation,
    int_id,
    posted,
    posted_files,
    refuse_writes,
)


def _facts(organisation: Organisation) -> list[tuple[str, str]]:
    facts = []
    for name in services.ORGANISATION_FACT_FIELDS:
        field = organisation._meta.get_field(name)
        value = getattr(organisation, name)
        if getattr(field, "choices", None):
            shown = str(getattr(organisation, f"get_{name}_display")()) if value else ""
        elif isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif name == "last_duerp_update" and value:
            shown = date_format(value, "DATE_FORMAT")
        elif name == "department":
            shown = department_label(value)
        else:
            shown = str(value) if value not in (None, "") else ""
        facts.append((capfirst(str(field.verbose_name)), shown or "—"))  # type: ignore[union-attr]
    return facts


@login_required
def settings_view(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    if refused := refuse_writes(request):
        return refused
    organisation = access.organisation
    bodies = organisation.staff_bodies.prefetch_related("members")
    agreements = organisation.agreements.all()
    return render(
        request,
        "organisations/settings.html",
        {
            "access": access,
            "facts": _facts(organisation),
            "bodies": bodies,
            "agreements": agreements,
            "can_manage": access.can(Perm.MANAGE_ORGANISATION),
        },
    )


@login_required
def settings_edit(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_ORGANISATION)
    original = access.organisation
    # The form works on a copy, so that a refused change never shows up elsewhere on the page.
    form = OrganisationSettingsForm(posted(request), instance=Organisation.objects.get(pk=original.pk))
    if request.method == "POST" and form.is_valid():
        changes = form.changes(original)
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("organisations:settings", org=original.slug)
        try:
            services.update_organisation(original, request.user, changes, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The organisation's settings were saved."))
            return redirect("organisations:settings", org=original.slug)
    status = 400 if form.errors else 200
    return render(
        request, "organisations/settings_edit.html", {"access": access, "form": form}, status=status
    )


@login_required
def staff_bodies(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    form = None
    if access.can(Perm.MANAGE_ORGANISATION):
        form = StaffBodyForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                body = services.create_staff_body(access.organisation, request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The staff body was added."))
                return redirect("organisations:staff_body", org=access.organisation.slug, body_id=body.pk)
    elif request.method == "POST":
        raise PermissionDenied
    bodies = access.organisation.staff_bodies.prefetch_related("members")
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "organisations/staff_bodies.html",
        {"access": access, "bodies": bodies, "form": form},
        status=status,
    )


@login_required
def staff_body(request: HttpRequest, org: str, body_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    staff_body = get_in_organisation(StaffBody.objects.all(), access, body_id)
    form = None
    if access.can(Perm.MANAGE_ORGANISATION):
        form = StaffBodyMemberForm(posted(request), organisation=access.organisation)
        if request.method == "POST" and form.is_valid():
            try:
                services.add_staff_body_member(
                    staff_body,
                    request.user,
                    form.cleaned_data["full_name"],
                    form.cleaned_data["mandate"],
                    user=form.linked_user(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The member was added."))
                return redirect(
                    "organisations:staff_body", org=access.organisation.slug, body_id=staff_body.pk
                )
    elif request.method == "POST":
        raise PermissionDenied
    members = staff_body.members.select_related("user")
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "organisations/staff_body.html",
        {"access": access, "body": staff_body, "members": members, "form": form},
        status=status,
    )


@login_required
def staff_body_delete(request: HttpRequest, org: str, body_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_ORGANISATION)
    staff_body = get_in_organisation(StaffBody.objects.all(), access, body_id)
    if confirmed(request):
        services.delete_staff_body(staff_body, request.user)
        messages.success(request, _("The staff body was deleted."))
        return redirect("organisations:staff_bodies", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Delete the staff body %(name)s?") % {"name": staff_body},
        message=_("The staff body and the list of its members will be deleted."),
        button=_("Delete"),
        cancel_url=staff_body_url(access, staff_body),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def staff_body_member_remove(request: HttpRequest, org: str, body_id: int, member_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_ORGANISATION)
    staff_body = get_in_organisation(StaffBody.objects.all(), access, body_id)
    seat = StaffBodyMember.objects.filter(staff_body=staff_body, pk=int_id(member_id)).first()
    if seat is None:
        raise Http404
    if confirmed(request):
        services.remove_staff_body_member(seat, request.user)
        messages.success(request, _("The member was removed."))
        return redirect("organisations:staff_body", org=access.organisation.slug, body_id=staff_body.pk)
    return confirm(
        request,
        access,
        title=_("Remove %(name)s from %(body)s?") % {"name": seat.full_name, "body": staff_body},
        message=_("The person's seat on this staff body will be removed."),
        button=_("Remove"),
        cancel_url=staff_body_url(access, staff_body),
        status=400 if request.method == "POST" else 200,
    )


def staff_body_url(access: OrgAccess, body: StaffBody) -> str:
    return reverse("organisations:staff_body", kwargs={"org": access.organisation.slug, "body_id": body.pk})


@login_required
def agreements(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    form = None
    if access.can(Perm.MANAGE_ORGANISATION):
        form = AgreementForm(posted(request), posted_files(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.create_agreement(
                    access.organisation,
                    request.user,
                    title=data["title"],
                    kind=data["kind"],
                    signed_on=data["signed_on"],
                    parties=data.get("parties", ""),
                    document=data["document"] or None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The agreement was added."))
                return redirect("organisations:agreements", org=access.organisation.slug)
    elif request.method == "POST":
        raise PermissionDenied
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "organisations/agreements.html",
        {"access": access, "agreements": access.organisation.agreements.all(), "form": form},
        status=status,
    )


@login_required
def agreement_document(request: HttpRequest, org: str, agreement_id: int) -> HttpResponseBase:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    if refused := refuse_writes(request):
        return refused
    item = get_in_organisation(Agreement.objects.all(), access, agreement_id)
    if not item.document:
        raise Http404
    try:
        handle = item.document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    extension = item.document.name.rsplit(".", 1)[-1] if "." in item.document.name else ""
    filename = (slugify(item.title)[:80] or "agreement") + (f".{extension}" if extension else "")
    return FileResponse(handle, as_attachment=True, filename=filename)


@login_required
def agreement_delete(request: HttpRequest, org: str, agreement_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_ORGANISATION)
    item = get_in_organisation(Agreement.objects.all(), access, agreement_id)
    cancel_url = reverse("organisations:agreements", kwargs={"org": access.organisation.slug})
    if confirmed(request):
        try:
            services.delete_agreement(item, request.user)
        except ValidationError as exc:
            # Its review clauses have meetings: their history must stay, so the agreement stays too.
            return confirm(
                request,
                access,
                title=_("Delete the agreement %(title)s?") % {"title": item.title},
                message=" ".join(exc.messages),
                button="",
                cancel_url=cancel_url,
                status=400,
            )
        messages.success(request, _("The agreement was deleted."))
        return redirect("organisations:agreements", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Delete the agreement %(title)s?") % {"title": item.title},
        message=_("The agreement and its document will be deleted."),
        button=_("Delete"),
        cancel_url=cancel_url,
        status=400 if request.method == "POST" else 200,
    )
