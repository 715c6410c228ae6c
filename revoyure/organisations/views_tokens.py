"""Personal API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations import tokens
from revoyure.organisations.forms import ApiTokenForm, apply_errors
from revoyure.organisations.models import ApiToken
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import confirm, confirmed, int_id, posted


@login_required
def api_tokens(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TOKENS)
    form = ApiTokenForm(posted(request), roles=access.roles)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = tokens.create_token(
                access.organisation,
                request.user,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The raw token is in this response only; it is stored as a hash and cannot be shown again.
            form = ApiTokenForm(roles=access.roles)
    response = render(
        request,
        "organisations/api_tokens.html",
        {
            "access": access,
            "form": form,
            "new_token": new_token,
            "tokens": tokens.list_tokens(access.organisation, request.user),
        },
        status=400 if form.errors else 200,
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def api_token_revoke(request: HttpRequest, org: str, token_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TOKENS)
    # Only the person's own tokens: someone else's token answers 404 like any object one cannot see.
    item = ApiToken.objects.filter(organisation=access.organisation, pk=int_id(token_id)).first()
    if item is None or item.user_id != request.user.pk:
        raise Http404
    if confirmed(request):
        tokens.revoke_token(item, request.user)
        messages.success(request, _("The token %(name)s was revoked.") % {"name": item.name})
        return redirect("organisations:api_tokens", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Revoke the token %(name)s?") % {"name": item.name},
        message=_("Programs that use it will no longer be able to reach the API."),
        button=_("Revoke"),
        cancel_url=reverse("organisations:api_tokens", kwargs={"org": access.organisation.slug}),
        status=400 if request.method == "POST" else 200,
    )
