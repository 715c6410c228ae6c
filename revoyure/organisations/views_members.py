"""Members of an organisation, their roles, and invitations by e-mail (sending and accepting)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm, Role
from revoyure.organisations import services
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import AcceptInvitationForm, InvitationForm, MemberRolesForm, apply_errors
from revoyure.organisations.models import Invitation, Membership
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    confirm,
    confirmed,
    get_in_organisation,
    int_id,
    posted,
    refuse_writes,
)


def _member(access: OrgAccess, user_id: Any) -> services.MemberRow:
    """A person who holds at least one role in the organisation, or 404."""
    memberships = list(
        Membership.objects.filter(organisation=access.organisation, user_id=int_id(user_id))
        .select_related("user")
        .order_by("role")
    )
    if not memberships:
        raise Http404
    department = next((m.department for m in memberships if m.department), "")
    return services.MemberRow(memberships[0].user, [m.role for m in memberships], department)


def _members_url(access: OrgAccess) -> str:
    return reverse("organisations:members", kwargs={"org": access.organisation.slug})


def _role_labels(roles: list[str]) -> list[str]:
    return [str(Role(role).label) for role in roles if role in Role.values]


@login_required
def members(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_MEMBERS)
    if refused := refuse_writes(request):
        return refused
    invitations = [
        (invitation, _role_labels(invitation.roles))
        for invitation in services.list_pending_invitations(access.organisation)
    ]
    return render(
        request,
        "organisations/members.html",
        {
            "access": access,
            "members": services.list_members(access.organisation),
            "invitations": invitations,
        },
    )


@login_required
def member_edit(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_MEMBERS)
    row = _member(access, user_id)
    form = MemberRolesForm(posted(request), initial={"roles": row.roles, "department": row.department})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_member_roles(
                access.organisation,
                row.user,
                form.cleaned_data["roles"],
                request.user,
                department=form.cleaned_data["department"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The roles of %(name)s were saved.") % {"name": row.user.display_name}
            )
            return redirect("organisations:members", org=access.organisation.slug)
    status = 400 if form.errors else 200
    return render(
        request,
        "organisations/member_edit.html",
        {"access": access, "member": row, "form": form},
        status=status,
    )


@login_required
def member_remove(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_MEMBERS)
    row = _member(access, user_id)
    name = row.user.display_name
    if confirmed(request):
        try:
            services.remove_member(access.organisation, row.user, request.user)
        except ValidationError as exc:
            return confirm(
                request,
                access,
                title=_("Remove %(name)s from the organisation?") % {"name": name},
                message=" ".join(exc.messages),
                button="",
                cancel_url=_members_url(access),
                status=400,
            )
        messages.success(request, _("%(name)s was removed from the organisation.") % {"name": name})
        return redirect("organisations:members", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Remove %(name)s from the organisation?") % {"name": name},
        message=_("The person loses every role in this organisation and their API tokens for it."),
        button=_("Remove"),
        cancel_url=_members_url(access),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def invite(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_MEMBERS)
    form = InvitationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invite_member(
                access.organisation, request.user, data["email"], data["roles"], department=data["department"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": data["email"]})
            return redirect("organisations:members", org=access.organisation.slug)
    status = 400 if form.errors else 200
    return render(request, "organisations/invite.html", {"access": access, "form": form}, status=status)


@login_required
def invitation_revoke(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_MEMBERS)
    pending = Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
    item = get_in_organisation(pending, access, invitation_id)
    if confirmed(request):
        services.revoke_invitation(item, request.user)
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": item.email})
        return redirect("organisations:members", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Withdraw the invitation to %(email)s?") % {"email": item.email},
        message=_("The link sent by e-mail will stop working."),
        button=_("Withdraw"),
        cancel_url=_members_url(access),
        status=400 if request.method == "POST" else 200,
    )


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anonymous visitors: the link itself is the proof of the invitation."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "organisations/invitation_invalid.html", status=404)
    context: dict[str, Any] = {"invitation": invitation, "roles": _role_labels(invitation.roles)}
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(invitation, user=user)
            except ValidationError:
                return render(request, "organisations/invitation_invalid.html", status=404)
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.organisation.name})
            return redirect("home")
        return render(request, "organisations/accept_invitation.html", context)
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
        return render(request, "organisations/accept_invitation.html", context)
    form = AcceptInvitationForm(posted(request), email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.accept_invitation(
                invitation, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Your account was created and you joined %(name)s.")
                % {"name": invitation.organisation.name},
            )
            return redirect("home")
    context["form"] = form
    return render(
        request, "organisations/accept_invitation.html", context, status=400 if form.errors else 200
    )
