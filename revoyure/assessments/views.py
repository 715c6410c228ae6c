"""Questionnaire pages: the organisation's responses, starting one, its overview (sections, owners,
progress, scores, answers), assigning a section, submitting, comparing two responses, and downloading a
file given as an answer. Filling a section is in `views_section.py`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.assessments import queries, services
from revoyure.assessments.forms import (
    AssignForm,
    CompareForm,
    ResponseCreateForm,
    ResponseFilterForm,
    SurveyJSImportForm,
)
from revoyure.assessments.loading import text_in
from revoyure.assessments.models import ResponseStatus
from revoyure.assessments.queries import ResponseAccess, access_response
from revoyure.core.mail import send_mail_safely
from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context, with_menu
from revoyure.organisations.views_helpers import BadPage, bad_query, paginate, require_methods
from revoyure.registry.models import Attachment

PER_PAGE = 50


def language() -> str:
    return (translation.get_language() or "fr")[:2]


def response_url(response: Any) -> str:
    return reverse(
        "assessments:response", kwargs={"org": response.organisation.slug, "response_id": response.pk}
    )


def section_url(response: Any, section_id: str) -> str:
    return reverse(
        "assessments:section",
        kwargs={"org": response.organisation.slug, "response_id": response.pk, "section_id": section_id},
    )


@login_required
@require_methods("GET", "HEAD")
def response_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_STUDIES)
    form = ResponseFilterForm(request.GET or None, organisation=access.organisation)
    if request.GET and not form.is_valid():
        return render(
            request,
            "assessments/response_list.html",
            {"access": access, "form": form, "page": None},
            status=400,
        )
    data = form.cleaned_data if form.is_bound else {}
    tool = data.get("tool")
    rows = queries.responses_of(
        access.organisation, tool_id=tool.pk if tool else None, status=data.get("status") or None
    )
    try:
        page = paginate(rows, data.get("page"), PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    return render(
        request,
        "assessments/response_list.html",
        {
            "access": access,
            "form": form,
            "page": page,
            "can_manage": access.can(Perm.MANAGE_STUDIES),
            "language": language(),
            "imported": queries.imported_definitions(access.organisation),
        },
    )


@login_required
@require_methods("GET", "HEAD", "POST")
def response_create(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_STUDIES)
    definitions = queries.newest_definitions(access.organisation)
    initial: dict[str, Any] = {}
    if request.method != "POST" and request.GET.get("tool", "").isdigit():
        initial["tool"] = request.GET["tool"]
    if request.method != "POST" and request.GET.get("definition", "").isdigit():
        initial["definition"] = request.GET["definition"]
    form = ResponseCreateForm(
        request.POST if request.method == "POST" else None,
        organisation=access.organisation,
        definitions=definitions,
        language=language(),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                response = services.create_response(
                    access.organisation,
                    request.user,
                    form.cleaned_data["definition"],
                    form.cleaned_data["title"],
                    tool=form.cleaned_data["tool"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("The questionnaire “%(title)s” is started.") % {"title": response.title}
                )
                return redirect(response_url(response))
        status = 400
    return render(
        request, "assessments/response_create.html", {"access": access, "form": form}, status=status
    )


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _viewer(request: HttpRequest, org: str, response_id: int, **kwargs: Any) -> ResponseAccess:
    granted = access_response(request.user, org, response_id, **kwargs)
    with_menu(request, granted.access)
    return granted


def render_overview(
    request: HttpRequest,
    granted: ResponseAccess,
    *,
    status: int = 200,
    assign_forms: dict[str, AssignForm] | None = None,
    submit_errors: list[dict[str, str]] | None = None,
    submit_message: str = "",
) -> HttpResponse:
    response = granted.response
    lang = language()
    data = queries.overview(response, lang)
    draft = response.status == ResponseStatus.DRAFT
    forms_by_section = dict(assign_forms or {})
    sections = []
    for section in data.sections:
        form = None
        if granted.can_manage and draft:
            form = forms_by_section.get(section.id)
            if form is None:
                assignment = section.assignment
                form = AssignForm(
                    organisation=granted.access.organisation,
                    prefix=f"assign-{section.id}",
                    initial={
                        "assignee": assignment.assignee_id if assignment else None,
                        "department": assignment.department if assignment else "",
                        "due_on": assignment.due_on if assignment else None,
                    },
                )
        sections.append({"view": section, "can_fill": granted.can_fill(section.id), "assign_form": form})
    context = {
        "access": granted.access,
        "response": response,
        "definition_title": response.definition.title_in(lang),
        "newer_version": queries.newer_version(response.definition),
        "data": data,
        "sections": sections,
        "draft": draft,
        "can_manage": granted.can_manage,
        "can_list": granted.access.can(Perm.VIEW_STUDIES),
        "submit_errors": submit_errors or [],
        "submit_message": submit_message,
    }
    return render(request, "assessments/response_detail.html", context, status=status)


@login_required
@require_methods("GET", "HEAD")
def response_detail(request: HttpRequest, org: str, response_id: int) -> HttpResponse:
    granted = _viewer(request, org, response_id, allow_assignee=True)
    return render_overview(request, granted)


def _assignment_mail(request: HttpRequest, response: Any, section_id: str, assignment: Any) -> None:
    assignee = assignment.assignee
    definition = response.definition.parsed
    lang = language()
    section_title = text_in(definition.section_by_id[section_id].title, lang)
    link = request.build_absolute_uri(section_url(response, section_id))
    subject = _("Questionnaire “%(title)s”: a section for you to fill") % {"title": response.title}
    lines = [
        _("You are asked to fill the section “%(section)s” of the questionnaire “%(title)s” (%(org)s).")
        % {"section": section_title, "title": response.title, "org": response.organisation.name},
    ]
    if assignment.due_on:
        lines.append(_("Due on: %(date)s") % {"date": assignment.due_on.isoformat()})
    lines += ["", _("Fill it here:"), link, "", _("Your answers are saved as drafts as you go.")]
    body = "\n".join(lines)
    recipient = assignee.email
    transaction.on_commit(lambda: send_mail_safely(subject, body, [recipient]))


@login_required
@require_methods("POST")
def assign(request: HttpRequest, org: str, response_id: int, section_id: str) -> HttpResponse:
    granted = _viewer(request, org, response_id, perm=Perm.MANAGE_STUDIES)
    response = granted.response
    if section_id not in response.definition.parsed.section_by_id:
        raise Http404
    form = AssignForm(request.POST, organisation=granted.access.organisation, prefix=f"assign-{section_id}")
    if form.is_valid():
        previous = response.assignments.filter(section_id=section_id).first()
        try:
            with transaction.atomic():
                assignment = services.assign_section(
                    response,
                    request.user,
                    section_id,
                    assignee=form.cleaned_data["assignee"],
                    department=form.cleaned_data["department"],
                    due_on=form.cleaned_data["due_on"],
                )
                changed = previous is None or (
                    previous.assignee_id != assignment.assignee_id or previous.due_on != assignment.due_on
                )
                if assignment.assignee is not None and changed:
                    _assignment_mail(request, response, section_id, assignment)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The section is assigned."))
            return redirect(response_url(response))
    return render_overview(request, granted, status=400, assign_forms={section_id: form})


@login_required
@require_methods("POST")
def submit(request: HttpRequest, org: str, response_id: int) -> HttpResponse:
    granted = _viewer(request, org, response_id, perm=Perm.MANAGE_STUDIES)
    response = granted.response
    try:
        services.submit_response(response, request.user)
    except ValidationError as exc:
        definition = response.definition.parsed
        lang = language()
        missing = []
        if hasattr(exc, "error_dict"):
            for qid in exc.message_dict:
                question = definition.by_id.get(qid)
                if question is not None:
                    missing.append(
                        {
                            "text": text_in(question.text, lang),
                            "section": text_in(definition.section_by_id[question.section_id].title, lang),
                            "url": section_url(response, question.section_id) + f"#id_{qid}",
                        }
                    )
            message = _("The response cannot be submitted: answer the required questions listed below.")
        else:
            message = " ".join(exc.messages)
        return render_overview(request, granted, status=400, submit_errors=missing, submit_message=message)
    messages.success(request, _("The response is submitted; its scores are recorded."))
    return redirect(response_url(response))


@login_required
@require_methods("GET", "HEAD")
def compare(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_STUDIES)
    form = CompareForm(request.GET or None, organisation=access.organisation)
    context: dict[str, Any] = {"access": access, "form": form}
    if not form.is_bound:
        return render(request, "assessments/compare.html", context)
    if not form.is_valid():
        return render(request, "assessments/compare.html", context, status=400)
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    lang = language()
    rows = queries.comparison_rows(a, b, lang)
    overview_a, overview_b = queries.overview(a, lang), queries.overview(b, lang)
    context.update(
        {
            "a": a,
            "b": b,
            "rows": rows if form.cleaned_data["all"] else [r for r in rows if r["changed"]],
            "changed": sum(1 for r in rows if r["changed"]),
            "added": sum(1 for r in rows if r["presence"] == "added"),
            "removed": sum(1 for r in rows if r["presence"] == "removed"),
            "scores": queries.score_rows(overview_a, overview_b, lang),
            "show_all": form.cleaned_data["all"],
        }
    )
    return render(request, "assessments/compare.html", context)


@login_required
@require_methods("GET")
def answer_file(request: HttpRequest, org: str, response_id: int, question_id: str) -> HttpResponseBase:
    """The file given as the answer to `question_id`, to those who may see the response."""
    granted = access_response(request.user, org, response_id, allow_assignee=True)
    value = granted.response.answers.filter(question_id=question_id).values_list("value", flat=True).first()
    if not isinstance(value, dict) or not isinstance(value.get("id"), int):
        raise Http404
    attachment_id = value["id"]
    if not 0 < attachment_id < 2**63:
        raise Http404
    attachment = Attachment.objects.filter(
        organisation=granted.access.organisation, pk=attachment_id, sha256=value.get("sha256", "")
    ).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    answer = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    answer["X-Content-Type-Options"] = "nosniff"
    answer["Content-Security-Policy"] = "default-src 'none'; sandbox"
    answer["Cache-Control"] = "private, no-store"
    return answer


# Questionnaire definitions: importing one from SurveyJS, and reading one -----------------------------------

QUESTION_TYPES = {
    "single_choice": gettext_lazy("One choice"),
    "multiple_choice": gettext_lazy("Several choices"),
    "scale": gettext_lazy("Scale"),
    "number": gettext_lazy("Number"),
    "date": gettext_lazy("Date"),
    "text": gettext_lazy("Text"),
    "file": gettext_lazy("File"),
}


def definition_url(definition: Any, org: str) -> str:
    return reverse("assessments:definition", kwargs={"org": org, "definition_id": definition.pk})


@login_required
@require_methods("GET", "HEAD", "POST")
def surveyjs_import(request: HttpRequest, org: str) -> HttpResponse:
    """Upload a SurveyJS questionnaire; it becomes a questionnaire of the organisation only."""
    access = org_context(request, org, Perm.MANAGE_STUDIES)
    status = 200
    if request.method == "POST":
        form = SurveyJSImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            data = upload.read(services.SURVEYJS_MAX_BYTES + 1)
            try:
                definition, problems = services.import_surveyjs_definition(
                    access.organisation, request.user, data, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                message = _("The questionnaire “%(title)s” is imported (version %(version)d).") % {
                    "title": definition.title_in(language()),
                    "version": definition.version,
                }
                if problems:
                    message += " " + _(
                        "%(count)d construct(s) could not be imported: see the list below."
                    ) % {"count": len(problems)}
                messages.success(request, message)
                return redirect(definition_url(definition, access.organisation.slug))
        status = 400
    else:
        form = SurveyJSImportForm()
    return render(
        request, "assessments/surveyjs_import.html", {"access": access, "form": form}, status=status
    )


@login_required
@require_methods("GET", "HEAD")
def definition_detail(request: HttpRequest, org: str, definition_id: int) -> HttpResponse:
    """A questionnaire definition read-only (shipped, or imported by this organisation), with what its
    import could not carry over."""
    access = org_context(request, org, Perm.VIEW_STUDIES)
    row = queries.access_definition(access.organisation, definition_id)
    lang = language()
    definition = row.parsed
    sections = queries.definition_outline(definition, lang)
    for section in sections:
        for question in section["questions"]:
            question["type_label"] = QUESTION_TYPES.get(question["type"], question["type"])
    can_manage = access.can(Perm.MANAGE_STUDIES)
    start_url = ""
    if can_manage and definition.context != "facts":
        start_url = (
            reverse("assessments:response_create", kwargs={"org": access.organisation.slug})
            + f"?definition={row.pk}"
        )
    context = {
        "access": access,
        "definition": row,
        "title": row.title_in(lang),
        "description": text_in(definition.content["description"], lang)
        if definition.content.get("description")
        else "",
        "sections": sections,
        "question_count": len(definition.questions),
        "problems": row.import_report,
        "versions": queries.visible_definitions(access.organisation)
        .filter(slug=row.slug)
        .only("pk", "version", "slug")
        .order_by("-version"),
        "start_url": start_url,
        "can_manage": can_manage,
    }
    return render(request, "assessments/definition_detail.html", context)
