"""Pages of the impact studies: the list, creation from a tool, the study (parts, review, sign-off,
results), its PDF, and the DUERP updates. Panel and framing note pages are in `views_panel.py`.

Reading needs VIEW_STUDIES (staff representatives too: the study is presented to the staff body); every
write needs MANAGE_STUDIES. Writes go through `services`; a refused input re-renders with status 400."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from revoyure.assessments import engine
from revoyure.assessments.loading import text_in
from revoyure.core.pdf import render_pdf
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import bad_query, get_in_organisation, require_methods
from revoyure.registry.fields import spec_by_name
from revoyure.registry.views_common import tool_context
from revoyure.studies import services
from revoyure.studies.forms import (
    AssignForm,
    DuerpDoneForm,
    ReviewForm,
    SendBackForm,
    SignOffForm,
    StudyCreateForm,
)
from revoyure.studies.models import DuerpUpdate, ImpactStudy, StudyStatus


def study_context(request: HttpRequest, org: str, study_id: Any, perm: Perm) -> tuple[OrgAccess, ImpactStudy]:
    access = org_context(request, org, perm)
    study = get_in_organisation(
        ImpactStudy.objects.select_related(
            "tool", "response__definition", "fria_response__definition", "surveillance_response__definition"
        ),
        access,
        study_id,
    )
    return access, study


def expect_action(request: HttpRequest, action: str) -> HttpResponse | None:
    """POSTs without any other field carry a hidden `action`: anything else is refused (400)."""
    if request.POST.get("action") != action:
        return bad_query(request, _("This form was not understood."))
    return None


def language() -> str:
    return (get_language() or "en")[:2]


def part_rows(study: ImpactStudy) -> list[dict[str, Any]]:
    lang = language()
    rows = []
    completions = {}
    for prefix, response in services.responses_of(study):
        completions[prefix] = engine.completion(response.definition.parsed, response.answer_map())
    for part in services.parts(study):
        prefix = part.key[: len(part.key) - len(part.section_id)]
        progress = completions[prefix].sections[part.section_id]
        rows.append(
            {
                "part": part,
                "title": text_in(part.title, lang),
                "questionnaire": part.response.definition.title_in(lang),
                "assignment": part.assignment,
                "done": part.assignment is not None and part.assignment.status == "done",
                "answered": progress.answered,
                "visible": progress.visible,
            }
        )
    return rows


def results_rows(study: ImpactStudy) -> dict[str, Any]:
    """The sign-off's results, with the register fields' labels."""
    results = study.results or {}
    specs = spec_by_name()
    register = []
    for name, value in (results.get("register") or {}).items():
        spec = specs.get(name)
        label = dict(spec.choices).get(str(value), value) if spec else value
        register.append({"field": spec.label if spec else name, "value": label})
    texts = [specs[n].label if n in specs else n for n in results.get("texts") or []]
    return {
        "register": register,
        "texts": texts,
        "facts": sorted((results.get("facts") or {}).items()),
        "levels": sorted((results.get("levels") or {}).items()),
    }


def _detail(
    request: HttpRequest, access: OrgAccess, study: ImpactStudy, status: int = 200, **forms: Any
) -> HttpResponse:
    rows = part_rows(study)
    organisation = access.organisation
    done = sum(1 for r in rows if r["done"])
    choices = [(r["part"].key, r["title"]) for r in rows]
    context = {
        "access": access,
        "study": study,
        "tool": study.tool,
        "rows": rows,
        "done": done,
        "total": len(rows),
        "percent": round(100 * done / len(rows)) if rows else 0,
        "can_manage": access.can(Perm.MANAGE_STUDIES),
        "assign_form": forms.get("assign_form") or AssignForm(organisation=organisation),
        "assign_part": forms.get("assign_part", ""),
        "review_form": forms.get("review_form") or ReviewForm(organisation=organisation),
        "send_back_form": forms.get("send_back_form") or SendBackForm(parts=choices),
        "sign_off_form": forms.get("sign_off_form") or SignOffForm(),
        "preview": services.decision_of(study) if study.status != StudyStatus.SIGNED_OFF else None,
        "results": results_rows(study) if study.status == StudyStatus.SIGNED_OFF else None,
        "panel": getattr(study, "panel", None) if hasattr(study, "panel") else None,
        "framing_note": getattr(study, "framing_note", None) if hasattr(study, "framing_note") else None,
        "duerp_updates": list(study.duerp_updates.all()),
        "errors": forms.get("errors", []),
    }
    return render(request, "studies/detail.html", context, status=status)


@login_required
@require_methods("GET", "HEAD")
def study_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_STUDIES)
    studies = (
        ImpactStudy.objects.filter(organisation=access.organisation)
        .select_related("tool")
        .order_by("status", "-created_at")
    )
    return render(request, "studies/list.html", {"access": access, "studies": studies})


@login_required
@require_methods("GET", "POST")
def study_create(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.MANAGE_STUDIES)
    status = 200
    if request.method == "POST":
        form = StudyCreateForm(request.POST)
        if form.is_valid():
            try:
                study = services.create_study(tool, request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The impact study is started. Assign its parts."))
                return redirect("studies:detail", org=org, study_id=study.pk)
        status = 400
    else:
        form = StudyCreateForm(
            initial={"title": _("Impact study — %(tool)s") % {"tool": tool.name}, "kind": "new_tool"}
        )
    return render(
        request, "studies/create.html", {"access": access, "tool": tool, "form": form}, status=status
    )


@login_required
@require_methods("GET", "HEAD")
def study_detail(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.VIEW_STUDIES)
    return _detail(request, access, study)


@login_required
@require_methods("POST")
def study_assign(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    form = AssignForm(request.POST, organisation=access.organisation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_part(
                study,
                request.user,
                data["part"],
                assignee=data["assignee"],
                department=data["department"],
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The part is assigned."))
            return redirect("studies:detail", org=org, study_id=study.pk)
    return _detail(request, access, study, 400, assign_form=form, assign_part=request.POST.get("part", ""))


@login_required
@require_methods("POST")
def study_review(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    refused = expect_action(request, "review")
    if refused:
        return refused
    form = ReviewForm(request.POST, organisation=access.organisation)
    if form.is_valid():
        try:
            services.request_review(study, request.user, form.cleaned_data["reviewer"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The study is sent for review."))
            return redirect("studies:detail", org=org, study_id=study.pk)
    return _detail(request, access, study, 400, review_form=form)


@login_required
@require_methods("POST")
def study_send_back(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    choices = [(p.key, p.key) for p in services.parts(study)]
    form = SendBackForm(request.POST, parts=choices)
    if form.is_valid():
        try:
            services.send_back(study, request.user, form.cleaned_data["part"], form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The part is sent back to its owner."))
            return redirect("studies:detail", org=org, study_id=study.pk)
    return _detail(request, access, study, 400, send_back_form=form)


@login_required
@require_methods("POST")
def study_sign_off(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.sign_off(study, request.user, form.cleaned_data["comments"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The study is signed off; its result is in the register."))
            return redirect("studies:detail", org=org, study_id=study.pk)
    return _detail(request, access, study, 400, sign_off_form=form)


def answer_rows(study: ImpactStudy) -> list[dict[str, Any]]:
    """Every response of the study, section by section, with the visible answers as text."""
    from revoyure.studies.feeds import answer_text

    lang = language()
    blocks = []
    for _prefix, response in services.responses_of(study):
        definition = response.definition.parsed
        answers = engine.visible_answers(definition, response.answer_map())
        scores = engine.score(definition, answers)
        sections = []
        for section in definition.sections:
            level = scores.sections[section.id].level
            sections.append(
                {
                    "title": text_in(section.title, lang),
                    "level": text_in(level.label, lang) if level and section.levels else "",
                    "answers": [
                        {
                            "question": text_in(q.text, lang),
                            "answer": answer_text(definition, q.id, answers[q.id], lang),
                        }
                        for q in section.questions
                        if q.id in answers
                    ],
                }
            )
        blocks.append(
            {"title": response.definition.title_in(lang), "response": response, "sections": sections}
        )
    return blocks


@login_required
@require_methods("GET", "HEAD")
def study_pdf(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.VIEW_STUDIES)
    context = {
        "study": study,
        "tool": study.tool,
        "organisation": access.organisation,
        "rows": part_rows(study),
        "blocks": answer_rows(study),
        "results": results_rows(study) if study.status == StudyStatus.SIGNED_OFF else None,
    }
    pdf = render_pdf("studies/study_pdf.html", context, language=get_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="impact-study-{study.pk}.pdf"'
    return response


# DUERP ---------------------------------------------------------------------------------------------------


def _duerp_page(
    request: HttpRequest, access: OrgAccess, status: int = 200, form: Any = None, form_for: int = 0
) -> HttpResponse:
    updates = list(
        DuerpUpdate.objects.filter(organisation=access.organisation)
        .select_related("tool", "study", "owner", "done_by")
        .order_by("done_on", "-requested_at")
    )
    pending = [u for u in updates if u.done_on is None]
    done = sorted((u for u in updates if u.done_on is not None), key=lambda u: u.done_on, reverse=True)  # type: ignore[arg-type, return-value]
    context = {
        "access": access,
        "pending": pending,
        "done": done,
        "can_manage": access.can(Perm.MANAGE_STUDIES),
        "form": form,
        "form_for": form_for,
        "blank_form": DuerpDoneForm(),
    }
    return render(request, "studies/duerp_list.html", context, status=status)


@login_required
@require_methods("GET", "HEAD")
def duerp_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_STUDIES)
    return _duerp_page(request, access)


@login_required
@require_methods("POST")
def duerp_done(request: HttpRequest, org: str, update_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_STUDIES)
    update = get_in_organisation(DuerpUpdate.objects.all(), access, update_id)
    form = DuerpDoneForm(request.POST)
    if form.is_valid():
        try:
            services.record_duerp_update(
                update, request.user, form.cleaned_data["done_on"], form.cleaned_data["notes"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The update of the risk assessment is recorded."))
            return redirect("studies:duerp_list", org=org)
    return _duerp_page(request, access, 400, form, update.pk)
