"""Agreements and their review clauses (issue 6 §1), the model clause, and the timelines per agreement and
per tool (issue 6 §3).

The roadmap: « Cette clause peut être inscrite dans un contrat, dans un accord collectif ou dans une
déclaration du chef d'entreprise ou charte » — the agreements themselves are recorded in the
organisation's settings (`organisations`); these pages add their clauses. Reading needs
`Perm.VIEW_REVIEWS` (staff representatives included: they are parties), writing `Perm.MANAGE_REVIEWS`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations import services as organisation_services
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.models import Agreement, StaffBody
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    bad_query,
    get_in,
    get_in_organisation,
    posted,
    posted_files,
    require_methods,
)
from revoyure.registry.choices import DomainCategory
from revoyure.registry.models import Tool
from revoyure.reviews import model_clause, services_clauses, timeline, triggers
from revoyure.reviews.forms_agreements import (
    AgreementEditForm,
    ClauseActiveForm,
    ClauseForm,
    ModelClauseQueryForm,
)
from revoyure.reviews.models import ClauseScope, ReviewClause

MODEL_CLAUSE_FILENAME = "clause-de-revoyure"


def _clauses(organisation_id: int) -> QuerySet[ReviewClause]:
    """The clauses with everything their summary shows, in a constant number of queries."""
    return ReviewClause.objects.filter(organisation_id=organisation_id).prefetch_related(
        Prefetch("tools", queryset=Tool.objects.only("pk", "name").order_by("name", "pk")),
        Prefetch("staff_bodies", queryset=StaffBody.objects.order_by("kind", "name", "pk")),
        Prefetch("participants", queryset=get_user_model().objects.order_by("full_name", "email")),
    )


def clause_rows(clauses: list[ReviewClause]) -> list[dict[str, Any]]:
    """What a clause's summary shows, in the reader's language (labels of triggers and categories)."""
    rows = []
    for clause in clauses:
        kinds = [triggers.get(k) for k in clause.triggers or []]
        categories = [
            str(DomainCategory(c).label) for c in clause.categories or [] if c in DomainCategory.values
        ]
        if clause.scope == ClauseScope.CATEGORY:
            scope = _("Tools of the categories: %(list)s") % {"list": ", ".join(categories)}
        elif clause.scope == ClauseScope.TOOLS:
            scope = _("Named tools: %(list)s") % {"list": ", ".join(t.name for t in clause.tools.all())}
        else:
            scope = str(ClauseScope.ALL.label)
        rows.append(
            {
                "clause": clause,
                "scope": scope,
                "triggers": [kind.label for kind in kinds if kind is not None],
                "staff_bodies": list(clause.staff_bodies.all()),
                "participants": list(clause.participants.all()),
            }
        )
    return rows


def _agreement_url(access: OrgAccess, agreement_id: int) -> str:
    return reverse(
        "reviews:agreement_detail", kwargs={"org": access.organisation.slug, "agreement_id": agreement_id}
    )


def _clause(access: OrgAccess, clause_id: Any) -> ReviewClause:
    return get_in_organisation(ReviewClause.objects.select_related("agreement"), access, clause_id)


# Agreements ----------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def agreement_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    agreements = list(
        Agreement.objects.filter(organisation=access.organisation).prefetch_related(
            Prefetch("review_clauses", queryset=_clauses(access.organisation.pk).order_by("title", "pk"))
        )
    )
    items = [{"agreement": a, "clauses": clause_rows(list(a.review_clauses.all()))} for a in agreements]
    return render(
        request,
        "reviews/agreement_list.html",
        {
            "access": access,
            "items": items,
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
            "can_manage_organisation": access.can(Perm.MANAGE_ORGANISATION),
        },
    )


@login_required
@require_methods("GET", "HEAD")
def agreement_detail(request: HttpRequest, org: str, agreement_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    agreement = get_in_organisation(Agreement.objects.all(), access, agreement_id)
    clauses = list(_clauses(access.organisation.pk).filter(agreement=agreement).order_by("title", "pk"))
    return render(
        request,
        "reviews/agreement_detail.html",
        {
            "access": access,
            "agreement": agreement,
            "parties": [line for line in agreement.parties.splitlines() if line.strip()],
            "clauses": clause_rows(clauses),
            "entries": timeline.agreement_timeline(agreement),
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
        },
    )


@login_required
@require_methods("GET", "POST")
def agreement_edit(request: HttpRequest, org: str, agreement_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    agreement = get_in_organisation(Agreement.objects.all(), access, agreement_id)
    form = AgreementEditForm(
        posted(request),
        posted_files(request),
        initial={
            "title": agreement.title,
            "kind": agreement.kind,
            "signed_on": agreement.signed_on,
            "parties": agreement.parties,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                organisation_services.update_agreement(
                    agreement,
                    request.user,
                    reason=data["reason"],
                    title=data["title"],
                    kind=data["kind"],
                    signed_on=data["signed_on"],
                    parties=data["parties"],
                    document=data["document"] or None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The agreement is updated."))
                return redirect(_agreement_url(access, agreement.pk))
        status = 400
    return render(
        request,
        "reviews/agreement_form.html",
        {"access": access, "agreement": agreement, "form": form},
        status=status,
    )


# Clauses -------------------------------------------------------------------------------------------------


def _clause_form_page(
    request: HttpRequest,
    access: OrgAccess,
    agreement: Agreement,
    clause: ReviewClause | None,
    form: ClauseForm,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "reviews/clause_form.html",
        {"access": access, "agreement": agreement, "clause": clause, "form": form},
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def clause_new(request: HttpRequest, org: str, agreement_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    agreement = get_in_organisation(Agreement.objects.all(), access, agreement_id)
    form = ClauseForm(
        posted(request),
        organisation=access.organisation,
        initial={"title": _("Review clause"), "triggers": list(triggers.load())},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services_clauses.create_clause(agreement, request.user, **form.values())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The review clause is added."))
                return redirect(_agreement_url(access, agreement.pk))
        status = 400
    return _clause_form_page(request, access, agreement, None, form, status)


@login_required
@require_methods("GET", "POST")
def clause_edit(request: HttpRequest, org: str, clause_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    clause = _clause(access, clause_id)
    form = ClauseForm(
        posted(request),
        organisation=access.organisation,
        editing=True,
        initial=ClauseForm.initial_from(clause),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services_clauses.update_clause(
                    clause, request.user, reason=form.cleaned_data["reason"], **form.values()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The review clause is updated."))
                return redirect(_agreement_url(access, clause.agreement_id))
        status = 400
    return _clause_form_page(request, access, clause.agreement, clause, form, status)


def _set_active(request: HttpRequest, org: str, clause_id: int, active: bool) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    clause = _clause(access, clause_id)
    form = ClauseActiveForm(request.POST, expected="activate" if active else "deactivate")
    if not form.is_valid():
        return bad_query(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    try:
        services_clauses.set_clause_active(clause, request.user, active, form.cleaned_data["reason"])
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    if active:
        messages.success(request, _("The review clause is active again: events schedule meetings from it."))
    else:
        messages.success(request, _("The review clause is inactive: no new meeting is scheduled from it."))
    return redirect(_agreement_url(access, clause.agreement_id))


@login_required
@require_methods("POST")
def clause_deactivate(request: HttpRequest, org: str, clause_id: int) -> HttpResponse:
    return _set_active(request, org, clause_id, False)


@login_required
@require_methods("POST")
def clause_activate(request: HttpRequest, org: str, clause_id: int) -> HttpResponse:
    return _set_active(request, org, clause_id, True)


# The model clause ----------------------------------------------------------------------------------------


def _model_clause_source(
    request: HttpRequest, access: OrgAccess
) -> tuple[ModelClauseQueryForm, ReviewClause | None, HttpResponse | None]:
    """The form of `?clause=`, the clause it names (or None), or the 400 answer to a bad value."""
    clauses = list(
        ReviewClause.objects.filter(organisation=access.organisation)
        .select_related("agreement")
        .order_by("agreement__title", "title", "pk")
    )
    form = ModelClauseQueryForm(request.GET if "clause" in request.GET else None, clauses=clauses)
    if not form.is_bound:
        return form, None, None
    if not form.is_valid():
        return form, None, bad_query(request, _("Choose one of the organisation's review clauses."))
    chosen = form.cleaned_data["clause"]
    clause = next((c for c in clauses if c.pk == chosen), None)
    return form, clause, None


@login_required
@require_methods("GET", "HEAD")
def model_clause_page(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    form, clause, refused = _model_clause_source(request, access)
    if refused:
        return refused
    query = f"?clause={clause.pk}" if clause else ""
    return render(
        request,
        "reviews/model_clause.html",
        {
            "access": access,
            "form": form,
            "clause": clause,
            "text": model_clause.text(access.organisation, clause),
            "query": query,
        },
    )


def _filename(access: OrgAccess, clause: ReviewClause | None, extension: str) -> str:
    parts = [MODEL_CLAUSE_FILENAME, slugify(access.organisation.slug)[:40]]
    if clause is not None:
        parts.append(str(clause.pk))
    return "-".join(parts) + f".{extension}"


@login_required
@require_methods("GET", "HEAD")
def model_clause_txt(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    _form, clause, refused = _model_clause_source(request, access)
    if refused:
        return refused
    response = HttpResponse(
        model_clause.text(access.organisation, clause), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(access, clause, "txt")}"'
    return response


@login_required
@require_methods("GET", "HEAD")
def model_clause_pdf(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    _form, clause, refused = _model_clause_source(request, access)
    if refused:
        return refused
    response = HttpResponse(model_clause.pdf(access.organisation, clause), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(access, clause, "pdf")}"'
    return response


# Timelines -----------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def tool_timeline(request: HttpRequest, org: str, tool_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    tool = get_in(Tool.objects.filter(organisation=access.organisation), tool_id)
    clauses = [
        row
        for row in clause_rows(
            list(_clauses(access.organisation.pk).select_related("agreement").filter(active=True))
        )
        if _covers(row["clause"], tool)
    ]
    return render(
        request,
        "reviews/tool_timeline.html",
        {
            "access": access,
            "tool": tool,
            "entries": timeline.tool_timeline(tool),
            "clauses": clauses,
            "can_view_register": access.can(Perm.VIEW_REGISTER),
        },
    )


def _covers(clause: ReviewClause, tool: Tool) -> bool:
    """Whether an active clause's scope holds the tool (the same rule as the fan-out's matching)."""
    if clause.scope == ClauseScope.CATEGORY:
        return tool.domain_category in (clause.categories or [])
    if clause.scope == ClauseScope.TOOLS:
        return any(t.pk == tool.pk for t in clause.tools.all())
    return True
