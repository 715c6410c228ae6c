"""A tool's qualification: its classification and obligations with the reasons, the guided questionnaire,
and one obligation's page where its status is set."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import bad_query, get_in_organisation, require_methods
from revoyure.qualification import display, questionnaire, services
from revoyure.qualification.forms import AnswerForm, ObligationStatusForm
from revoyure.qualification.models import Obligation, ObligationState, ToolQualification
from revoyure.registry.models import Tool
from revoyure.registry.views_common import tool_context

# The order of the groups on the page; "applies" is split into overdue first, then the rest.
GROUPS = (
    (ObligationState.APPLIES, "applies"),
    (ObligationState.UPCOMING, "upcoming"),
    (ObligationState.TO_CLARIFY, "to_clarify"),
    (ObligationState.LEGACY, "legacy"),
)


def _qualification(tool: Tool) -> ToolQualification | None:
    return (
        ToolQualification.objects.filter(tool=tool).only("answers", "classification", "evaluated_at").first()
    )


def qualification_status(questions: list[questionnaire.Question], answers: dict[str, Any]) -> dict[str, Any]:
    """Not started (nothing answered), to clarify (N open questions: unanswered or "I don't know"),
    or complete."""
    if not answers:
        return {"key": "not_started", "open": len(questions)}
    open_count = len(questionnaire.open_questions(questions, answers))
    return {"key": "to_clarify" if open_count else "complete", "open": open_count}


@login_required
@require_methods("GET")
def tool_qualification(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.VIEW_OBLIGATIONS)
    qualification = _qualification(tool)
    answers = dict(qualification.answers) if qualification else {}
    if qualification and qualification.classification:
        classification = qualification.classification
    else:  # never evaluated (a tool older than the qualification): computed, not stored, on a GET
        classification = services.evaluate_tool(tool, answers=answers).classification
    facts = questionnaire.current_facts(tool, answers)
    questions = questionnaire.relevant(facts)
    rules = display.rules_by_id()
    today = services.today()
    obligations = [
        display.obligation_view(o, rules, today)
        for o in Obligation.objects.filter(tool=tool)
        .exclude(state=ObligationState.LAPSED)
        .select_related("status_changed_by")
    ]
    groups = []
    for state, key in GROUPS:
        items = [v for v in obligations if v.obligation.state == state]
        # Overdue first, then by date (no date last), then by rule id.
        items.sort(
            key=lambda v: (
                not v.overdue,
                v.obligation.due_on is None,
                v.obligation.due_on or today,
                v.obligation.rule_id,
            )
        )
        groups.append({"key": key, "label": ObligationState(state).label, "items": items})
    context = {
        "access": access,
        "tool": tool,
        "classification": display.classification_rows(classification, rules),
        "status": qualification_status(questions, answers),
        "groups": groups,
        "count": len(obligations),
        "can_manage": access.can(Perm.MANAGE_OBLIGATIONS),
        "evaluated_at": qualification.evaluated_at if qualification else None,
    }
    return render(request, "qualification/tool.html", context)


# The questionnaire -------------------------------------------------------------------------------------


def _question_url(
    access: Any, tool: Tool, question: questionnaire.Question | None = None, summary: bool = False
) -> str:
    url = reverse("qualification:question", kwargs={"org": access.organisation.slug, "pk": tool.pk})
    if question is not None:
        return f"{url}?q={question.id}"
    return f"{url}?summary=1" if summary else url


@login_required
@require_methods("GET", "POST")
def question_page(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.MANAGE_OBLIGATIONS)
    qualification = _qualification(tool)
    answers = dict(qualification.answers) if qualification else {}
    facts = questionnaire.current_facts(tool, answers)
    questions = questionnaire.relevant(facts)
    lang = display.language()
    if request.method == "GET" and "q" not in request.GET:
        current = None if "summary" in request.GET else questionnaire.next_question(questions, answers)
        if current is None:
            return _summary(request, access, tool, questions, answers, facts)
    else:
        current = questionnaire.question(
            request.POST.get("question") if request.method == "POST" else request.GET.get("q")
        )
        if current is None:
            return bad_query(request, _("This question does not exist."))
        if current not in questions:
            return bad_query(
                request, _("This question does not apply to this tool, given the answers so far.")
            )
    form: AnswerForm
    status = 200
    if request.method == "POST":
        form = AnswerForm(current, request.POST, language=lang)
        if form.is_valid():
            try:
                value = questionnaire.clean_answer(current, form.value())  # the engine's check
                tool = services.record_answers(tool, request.user, {current.fact.name: value})
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error("answer", text)
            else:
                answers = services.get_answers(tool)
                questions = questionnaire.relevant(questionnaire.current_facts(tool, answers))
                following = questionnaire.next_question(questions, answers, after=current)
                messages.success(request, _("Your answer is saved."))
                return redirect(_question_url(access, tool, following, summary=following is None))
        status = 400
    else:
        answered = current.fact.name in answers
        form = AnswerForm(
            current,
            initial=AnswerForm.initial_for(current.fact, facts.get(current.fact.name), answered),
            language=lang,
        )
    position = questions.index(current)
    context = {
        "access": access,
        "tool": tool,
        "question": current,
        "text": current.in_language("text", lang),
        "help": current.in_language("help", lang),
        "ask_vendor": current.in_language("ask_vendor", lang),
        "form": form,
        "number": position + 1,
        "total": len(questions),
        "previous": questions[position - 1] if position else None,
        "answered": sum(1 for q in questions if q.fact.name in answers),
    }
    return render(request, "qualification/question.html", context, status=status)


def _summary(
    request: HttpRequest,
    access: Any,
    tool: Tool,
    questions: list[questionnaire.Question],
    answers: dict[str, Any],
    facts: dict[str, Any],
) -> HttpResponse:
    lang = display.language()
    rows = [
        {
            "question": q,
            "text": q.in_language("text", lang),
            "answered": q.fact.name in answers,
            "value": display.value_text(q.fact.name, facts.get(q.fact.name)),
            "unknown": facts.get(q.fact.name) is None,
            "ask_vendor": q.in_language("ask_vendor", lang),
        }
        for q in questions
    ]
    context = {
        "access": access,
        "tool": tool,
        "rows": rows,
        "open": sum(1 for r in rows if r["unknown"] or not r["answered"]),
        "first_open": questionnaire.next_question(questions, answers),
    }
    return render(request, "qualification/summary.html", context)


# One obligation ----------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "POST")
def obligation_page(request: HttpRequest, org: str, obligation_id: int) -> HttpResponse:
    perm = Perm.MANAGE_OBLIGATIONS if request.method == "POST" else Perm.VIEW_OBLIGATIONS
    access = org_context(request, org, perm)
    obligation = get_in_organisation(
        Obligation.objects.select_related("tool", "status_changed_by"), access, obligation_id
    )
    status = 200
    if request.method == "POST":
        form = ObligationStatusForm(request.POST)
        if form.is_valid():
            try:
                services.set_obligation_status(
                    obligation,
                    request.user,
                    form.cleaned_data["status"],
                    evidence=form.cleaned_data["evidence"],
                    reason=form.cleaned_data["status_reason"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("The status of the obligation is saved."))
                return redirect(
                    "qualification:obligation", org=access.organisation.slug, obligation_id=obligation.pk
                )
        status = 400
    else:
        form = ObligationStatusForm(
            initial={
                "status": obligation.status,
                "evidence": obligation.evidence,
                "status_reason": obligation.status_reason,
            }
        )
    history = list(obligation.history.select_related("history_user").order_by("-history_date", "-history_id"))
    context = {
        "access": access,
        "item": display.obligation_view(obligation, display.rules_by_id(), services.today()),
        "history": history,
        "form": form,
        "can_manage": access.can(Perm.MANAGE_OBLIGATIONS),
    }
    return render(request, "qualification/obligation.html", context, status=status)
