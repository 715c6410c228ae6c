"""Filling one section of a response: a form of its visible questions; "save" keeps a draft, "complete"
saves then marks the section done, "reopen" sets it back to do. Works without JavaScript: questions that a
saved answer makes visible appear when the page comes back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from revoyure.assessments import engine, queries, services
from revoyure.assessments.forms import ACTIONS, SectionForm
from revoyure.assessments.loading import text_in
from revoyure.assessments.models import ResponseStatus, SectionStatus
from revoyure.assessments.queries import ResponseAccess, access_response
from revoyure.assessments.views import language, response_url, section_url
from revoyure.core.permissions import Perm
from revoyure.core.uploads import check_upload
from revoyure.organisations.views import with_menu
from revoyure.organisations.views_helpers import require_methods
from revoyure.registry import services as registry_services
from revoyure.registry.choices import AttachmentKind


def _form(granted: ResponseAccess, section_id: str, data: Any = None, files: Any = None) -> SectionForm:
    response = granted.response
    definition = response.definition.parsed
    answers = response.answer_map()
    visible = [q for q in engine.visible_questions(definition, answers) if q.section_id == section_id]
    return SectionForm(data, files, questions=visible, answers=answers, language=language())


def _render(
    request: HttpRequest, granted: ResponseAccess, section_id: str, form: SectionForm, status: int = 200
) -> HttpResponse:
    response = granted.response
    lang = language()
    definition = response.definition.parsed
    section = definition.section_by_id[section_id]
    answers = response.answer_map()
    progress = engine.completion(definition, answers).sections[section_id]
    assignment = response.assignments.select_related("assignee").filter(section_id=section_id).first()
    ids = [s.id for s in definition.sections]
    index = ids.index(section_id)
    before = [sid for sid in ids[:index] if granted.can_fill(sid)]
    after = [sid for sid in ids[index + 1 :] if granted.can_fill(sid)]
    errors = [
        {"id": name, "label": form.fields[name].label, "messages": errs}
        for name, errs in form.errors.items()
        if name in form.fields
    ]
    context = {
        "access": granted.access,
        "response": response,
        "section_id": section_id,
        "section_title": text_in(section.title, lang),
        "definition_title": response.definition.title_in(lang),
        "rows": [
            {
                **row,
                "source": row["question"].source,
                "stored": answers.get(row["question"].id),
                "display": queries.display_value(row["question"], answers.get(row["question"].id), lang),
            }
            for row in form.rows()
        ],
        "form": form,
        "errors": errors,
        "progress": progress,
        "assignment": assignment,
        "done": assignment is not None and assignment.status == SectionStatus.DONE,
        "draft": response.status == ResponseStatus.DRAFT,
        "previous_section": before[-1] if before else None,
        "next_section": after[0] if after else None,
        "can_view_overview": granted.can_view,
    }
    return render(request, "assessments/section.html", context, status=status)


def _store_files(granted: ResponseAccess, user: Any, form: SectionForm) -> dict[str, Any]:
    """Store the uploaded files as attachments (of the response's tool, or of the organisation when the
    response is about no tool) and return their references as answers."""
    response = granted.response
    values = {}
    for q in form.file_questions:
        upload = form.cleaned_data.get(q.id)
        if not upload:
            continue
        attachment = registry_services.add_attachment(
            granted.access.organisation,
            user,
            upload,
            title=f"{response.title} — {text_in(q.text, 'en')}"[:300],
            kind=AttachmentKind.STUDY,
            tool=response.tool,
        )
        values[q.id] = {
            "name": attachment.original_name,
            "id": attachment.pk,
            "sha256": attachment.sha256,
            "size": attachment.size,
            "content_type": attachment.content_type,
        }
    return values


def _check_before_writing(granted: ResponseAccess, form: SectionForm, values: dict[str, Any]) -> None:
    """Refuse bad values and bad files before anything (a file in particular) is stored."""
    definition = granted.response.definition.parsed
    errors: dict[str, Any] = {}
    for qid, value in values.items():
        try:
            engine.clean_value(definition.by_id[qid], value)
        except engine.AnswerError as exc:
            errors[qid] = str(exc)
    for q in form.file_questions:
        upload = form.cleaned_data.get(q.id)
        if upload:
            try:
                check_upload(upload)
            except ValidationError as exc:
                errors[q.id] = exc.messages
    if errors:
        raise ValidationError(errors)


def _save(request: HttpRequest, granted: ResponseAccess, form: SectionForm) -> services.SaveResult:
    response = granted.response
    definition = response.definition.parsed
    posted = form.values()
    _check_before_writing(granted, form, posted)
    with transaction.atomic():
        posted.update(_store_files(granted, request.user, form))
        values, dropped = queries.applicable_values(definition, response.answer_map(), posted)
        result = services.save_answers(response, request.user, values)
    if dropped:
        messages.info(
            request,
            ngettext(
                "%(count)d answer no longer applies given your other answers; it was not kept.",
                "%(count)d answers no longer apply given your other answers; they were not kept.",
                len(dropped),
            )
            % {"count": len(dropped)},
        )
    return result


def _put_errors(form: SectionForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_methods("GET", "HEAD", "POST")
def section(request: HttpRequest, org: str, response_id: int, section_id: str) -> HttpResponse:
    granted = access_response(
        request.user, org, response_id, Perm.MANAGE_STUDIES, section_id=section_id, allow_assignee=True
    )
    with_menu(request, granted.access)
    response = granted.response
    if section_id not in response.definition.parsed.section_by_id:
        raise Http404
    if request.method != "POST":
        return _render(request, granted, section_id, _form(granted, section_id))
    action = request.POST.get("action", "")
    form = _form(granted, section_id, request.POST, request.FILES)
    if action not in ACTIONS:
        form.is_valid()
        form.add_error(None, _("Choose an action: save, mark done or reopen."))
        return _render(request, granted, section_id, form, status=400)
    if response.status != ResponseStatus.DRAFT:
        form.is_valid()
        form.add_error(None, _("This response has been submitted and can no longer be changed."))
        return _render(request, granted, section_id, form, status=400)
    if action == "reopen":
        try:
            services.reopen_section(response, request.user, section_id)
        except ValidationError as exc:
            form.is_valid()
            _put_errors(form, exc)
            return _render(request, granted, section_id, form, status=400)
        messages.success(request, _("The section is open again."))
        return redirect(section_url(response, section_id))
    if not form.is_valid():
        return _render(request, granted, section_id, form, status=400)
    try:
        _save(request, granted, form)
    except ValidationError as exc:
        _put_errors(form, exc)
        return _render(request, granted, section_id, form, status=400)
    if action == "complete":
        try:
            services.complete_section(response, request.user, section_id)
        except ValidationError as exc:
            # The draft is saved; the section stays "to do" until its required questions are answered.
            fresh = _form(granted, section_id)
            _put_errors_unbound(fresh, exc)
            return _render(request, granted, section_id, fresh, status=400)
        messages.success(request, _("Your answers are saved and the section is marked done."))
        return redirect(response_url(response) if granted.can_view else section_url(response, section_id))
    messages.success(request, _("Your answers are saved as a draft."))
    return redirect(section_url(response, section_id))


def _put_errors_unbound(form: SectionForm, exc: ValidationError) -> None:
    """Errors shown on a fresh (unbound) form that holds the saved answers."""
    errors = ErrorDict()
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            target = name if name in form.fields else NON_FIELD_ERRORS
            errors.setdefault(target, ErrorList()).extend(errs)
    else:
        errors[NON_FIELD_ERRORS] = ErrorList(exc.messages)
    form._errors = errors  # type: ignore[attr-defined]  # Django's error cache, set before rendering
