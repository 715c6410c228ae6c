"""Pages of the training records (AI Act art. 4; issue 5 §2): the list with its filters and CSV export, a
training's page, its form, the trainings of one tool (linked from the register's group G), of one person
(a member always sees their own), everyone trained, and the committee's training plans with their progress.
Views are thin: every write is a service of `services_trainings`."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from revoyure.committee import services_trainings as services
from revoyure.committee.forms_trainings import (
    TrainingFilterForm,
    TrainingForm,
    TrainingPlanForm,
    plan_initial,
    training_initial,
)
from revoyure.committee.models import Training, TrainingPlan
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, int_id
from revoyure.organisations.models import Membership
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    bad_query,
    confirm,
    confirmed,
    get_in,
    get_in_organisation,
    posted,
    require_methods,
)
from revoyure.registry.forms import add_service_errors
from revoyure.registry.models import Tool
from revoyure.registry.views_common import paginate, tool_context

PER_PAGE = 50


def _training(access: OrgAccess, training_id: Any) -> Training:
    return get_in_organisation(
        services.trainings_of(access.organisation).select_related("created_by"), access, training_id
    )


def _plan(access: OrgAccess, plan_id: Any) -> TrainingPlan:
    return get_in(services.plans_of(access.organisation), plan_id)


def _error_text(form: Any) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())


# The list, its filters and the CSV export ------------------------------------------------------------------


def _filtered(request: HttpRequest, access: OrgAccess) -> tuple[TrainingFilterForm, dict[str, Any]]:
    form = TrainingFilterForm(
        request.GET or None,
        organisation=access.organisation,
        years=services.training_years(access.organisation),
        people=services.trained_users(access.organisation),
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v is not None}
    return form, filters


@login_required
@require_methods("GET", "HEAD")
def training_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    form, filters = _filtered(request, access)
    context: dict[str, Any] = {
        "access": access,
        "form": form,
        "filtered": bool(filters),
        "query": urlencode({k: getattr(v, "pk", v) for k, v in filters.items()}),
        "can_manage": access.can(Perm.MANAGE_TRAININGS),
    }
    if form.is_bound and not form.is_valid():
        # The filters are shown again with their messages, and no list (it would not be what was asked).
        return render(request, "committee/training_list.html", context, status=400)
    page = paginate(
        services.filter_trainings(access.organisation, **filters), PER_PAGE, request.GET.get("page")
    )
    context.update(page=page, trainings=page.object_list)
    return render(request, "committee/training_list.html", context)


@login_required
@require_methods("GET", "HEAD")
def training_export(request: HttpRequest, org: str) -> HttpResponse:
    """The (filtered) list as CSV, one row per trained person."""
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    form, filters = _filtered(request, access)
    if form.is_bound and not form.is_valid():
        return bad_query(request, _error_text(form))
    trainings = services.filter_trainings(access.organisation, **filters).iterator(chunk_size=500)
    text = io.StringIO()
    services.write_csv(text, trainings, person=filters.get("person"))
    response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trainings-{access.organisation.slug}.csv"'
    return response


# One training ----------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def training_detail(request: HttpRequest, org: str, training_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    training = _training(access, training_id)
    return render(
        request,
        "committee/training_detail.html",
        {
            "access": access,
            "training": training,
            "can_manage": access.can(Perm.MANAGE_TRAININGS),
            "can_view_register": access.can(Perm.VIEW_REGISTER),
        },
    )


def _render_form(
    request: HttpRequest, access: OrgAccess, form: TrainingForm, training: Training | None, status: int
) -> HttpResponse:
    return render(
        request,
        "committee/training_form.html",
        {"access": access, "form": form, "training": training},
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def training_new(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    if request.method == "POST":
        form = TrainingForm(request.POST, organisation=access.organisation)
        if form.is_valid():
            try:
                training = services.create_training(
                    access.organisation, request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training is recorded."))
                return redirect(
                    "committee:training_detail", org=access.organisation.slug, training_id=training.pk
                )
        return _render_form(request, access, form, None, 400)
    initial: dict[str, Any] = {}
    # Links from a tool's page or a plan's page pre-fill the tool or the plan.
    tool_id = request.GET.get("tool", "")
    if tool_id.isdigit() and Tool.objects.filter(organisation=access.organisation, pk=int(tool_id)).exists():
        initial["tools"] = [int(tool_id)]
    plan_id = request.GET.get("plan", "")
    if plan_id.isdigit() and services.plans_of(access.organisation).filter(pk=int(plan_id)).exists():
        initial["plan"] = int(plan_id)
    form = TrainingForm(organisation=access.organisation, initial=initial)
    return _render_form(request, access, form, None, 200)


@login_required
@require_methods("GET", "POST")
def training_edit(request: HttpRequest, org: str, training_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    training = _training(access, training_id)
    if request.method == "POST":
        form = TrainingForm(posted(request), organisation=access.organisation)
        if form.is_valid():
            try:
                services.update_training(training, request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training is updated."))
                return redirect(
                    "committee:training_detail", org=access.organisation.slug, training_id=training.pk
                )
        return _render_form(request, access, form, training, 400)
    form = TrainingForm(organisation=access.organisation, initial=training_initial(training))
    return _render_form(request, access, form, training, 200)


@login_required
@require_methods("GET", "POST")
def training_delete(request: HttpRequest, org: str, training_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    training = _training(access, training_id)
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Delete the training “%(title)s”?") % {"title": training.title},
            message=_("The record of who was trained is removed; it stays in the history and the audit log."),
            button=_("Delete"),
            cancel_url=reverse(
                "committee:training_detail",
                kwargs={"org": access.organisation.slug, "training_id": training.pk},
            ),
            status=400 if request.method == "POST" else 200,
        )
    services.delete_training(training, request.user)
    messages.success(request, _("The training is deleted."))
    return redirect("committee:training_list", org=access.organisation.slug)


# Per tool, per person, everyone ---------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def training_tool(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    """The trainings given for one tool: what the register's group G links to."""
    access, tool = tool_context(request, org, pk, Perm.VIEW_TRAININGS)
    page = paginate(services.trainings_for_tool(tool), PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "committee/training_tool.html",
        {
            "access": access,
            "tool": tool,
            "page": page,
            "trainings": page.object_list,
            "can_manage": access.can(Perm.MANAGE_TRAININGS),
            "can_view_register": access.can(Perm.VIEW_REGISTER),
        },
    )


@login_required
@require_methods("GET", "HEAD")
def training_person(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    """One person's trainings. Whoever may see the trainings sees everyone's; any member sees their own."""
    access = org_context(request, org, Perm.VIEW_TRANSPARENCY)
    person_id = int_id(user_id)
    own = person_id == request.user.pk
    if not own and not access.can(Perm.VIEW_TRAININGS):
        raise PermissionDenied
    if not services.is_person_of(access.organisation, person_id):
        raise Http404
    person = get_user_model().objects.get(pk=person_id)
    departments = sorted(
        {
            d
            for d in Membership.objects.filter(
                organisation=access.organisation, user_id=person_id
            ).values_list("department", flat=True)
            if d
        }
    )
    trainings = list(services.trainings_of_person(access.organisation, person_id))
    return render(
        request,
        "committee/training_person.html",
        {
            "access": access,
            "person": person,
            "own": own,
            "departments": departments,
            "trainings": trainings,
            "can_view": access.can(Perm.VIEW_TRAININGS),
            "can_view_register": access.can(Perm.VIEW_REGISTER),
            "export_query": urlencode({"person": person_id}),
        },
    )


@login_required
@require_methods("GET", "HEAD")
def training_people(request: HttpRequest, org: str) -> HttpResponse:
    """Everyone trained in the organisation, with the number of trainings and the last date."""
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    return render(
        request,
        "committee/training_people.html",
        {"access": access, "people": services.trained_people(access.organisation)},
    )


# The committee's training plans ----------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def plan_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    plans = []
    for plan in services.plans_of(access.organisation):
        progress = services.plan_progress(plan)
        plans.append({"plan": plan, "done": sum(p.done for p in progress), "total": len(progress)})
    return render(
        request,
        "committee/training_plan_list.html",
        {"access": access, "plans": plans, "can_manage": access.can(Perm.MANAGE_TRAININGS)},
    )


@login_required
@require_methods("GET", "HEAD")
def plan_detail(request: HttpRequest, org: str, plan_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRAININGS)
    plan = _plan(access, plan_id)
    progress = services.plan_progress(plan)
    return render(
        request,
        "committee/training_plan_detail.html",
        {
            "access": access,
            "plan": plan,
            "progress": progress,
            "done": sum(p.done for p in progress),
            "trainings": list(plan.trainings.all()),
            "can_manage": access.can(Perm.MANAGE_TRAININGS),
        },
    )


def _render_plan_form(
    request: HttpRequest, access: OrgAccess, form: TrainingPlanForm, plan: TrainingPlan | None, status: int
) -> HttpResponse:
    members: Any = form.fields["members"]
    return render(
        request,
        "committee/training_plan_form.html",
        {"access": access, "form": form, "plan": plan, "has_members": members.queryset.exists()},
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def plan_new(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    form = TrainingPlanForm(posted(request), organisation=access.organisation)
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = services.create_plan(access.organisation, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training plan is created."))
                return redirect(
                    "committee:training_plan_detail", org=access.organisation.slug, plan_id=plan.pk
                )
        return _render_plan_form(request, access, form, None, 400)
    return _render_plan_form(request, access, form, None, 200)


@login_required
@require_methods("GET", "POST")
def plan_edit(request: HttpRequest, org: str, plan_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    plan = _plan(access, plan_id)
    if request.method == "POST":
        form = TrainingPlanForm(posted(request), organisation=access.organisation, plan=plan)
        if form.is_valid():
            try:
                services.update_plan(plan, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training plan is updated."))
                return redirect(
                    "committee:training_plan_detail", org=access.organisation.slug, plan_id=plan.pk
                )
        return _render_plan_form(request, access, form, plan, 400)
    form = TrainingPlanForm(organisation=access.organisation, plan=plan, initial=plan_initial(plan))
    return _render_plan_form(request, access, form, plan, 200)


@login_required
@require_methods("GET", "POST")
def plan_delete(request: HttpRequest, org: str, plan_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_TRAININGS)
    plan = _plan(access, plan_id)
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Delete the training plan “%(title)s”?") % {"title": plan.title},
            message=_("Its trainings stay recorded, no longer linked to a plan."),
            button=_("Delete"),
            cancel_url=reverse(
                "committee:training_plan_detail", kwargs={"org": access.organisation.slug, "plan_id": plan.pk}
            ),
            status=400 if request.method == "POST" else 200,
        )
    services.delete_plan(plan, request.user)
    messages.success(request, _("The training plan is deleted."))
    return redirect("committee:training_plan_list", org=access.organisation.slug)
