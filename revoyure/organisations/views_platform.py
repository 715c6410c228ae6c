"""The platform administrator's pages: every organisation of the installation, and creating one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from revoyure.organisations import services
from revoyure.organisations.forms import PlatformOrganisationForm, apply_errors
from revoyure.organisations.models import Organisation
from revoyure.organisations.views_helpers import BadPage, bad_query, paginate, posted

PER_PAGE = 50


@login_required
def platform_organisations(request: HttpRequest) -> HttpResponse:
    # The page does not exist for anyone but the platform administrator.
    if not request.user.is_superuser:
        raise Http404
    form = PlatformOrganisationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation, _invitation = services.create_organisation_with_admin(
                request.user,
                name=data["name"],
                slug=data["slug"],
                legal_form=data["legal_form"],
                admin_email=data["admin_email"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was created; an invitation was sent to %(email)s.")
                % {"name": organisation.name, "email": data["admin_email"]},
            )
            return redirect("organisations:platform_organisations")
    page_number = request.GET.get("page", "1")
    if not page_number.isdigit() or len(page_number) > 9:
        return bad_query(request, _("The page number must be a positive whole number."))
    organisations = Organisation.objects.annotate(
        member_count=Count("memberships__user", distinct=True)
    ).order_by("name", "pk")
    try:
        page = paginate(organisations, int(page_number), PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    return render(
        request,
        "organisations/platform_organisations.html",
        {"page": page, "form": form},
        status=400 if form.errors else 200,
    )
