"""API of the questionnaire engine: the organisation's responses (list, one with its answers, sections,
completion and scores), saving answers as a draft, submitting, and the registered definitions.

Access follows the web pages: reading needs `view_studies`, submitting `manage_studies`; answers may be
saved by holders of `manage_studies` and by the person a section is assigned to (for that section's
questions only), whatever their role."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Query, Router

from revoyure.assessments import queries, services
from revoyure.assessments.models import Response
from revoyure.assessments.schemas import (
    AnswersIn,
    DefinitionContentOut,
    DefinitionOut,
    ResponseOut,
    ResponsePage,
    ResponseQuery,
    definition_ref,
    response_data,
    summary_data,
)
from revoyure.core.api import paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.api import api_auth, caller
from revoyure.registry.models import Attachment

router = Router(tags=["questionnaires"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 415, 422)
_MAX_ANSWERS = 1000


def _language() -> str:
    return (translation.get_language() or "fr")[:2]


def _url(request: HttpRequest, response: Response, slug: str) -> str:
    from django.urls import reverse

    return request.build_absolute_uri(
        reverse("assessments:response", kwargs={"org": slug, "response_id": response.pk})
    )


def _detail(request: HttpRequest, response: Response, slug: str) -> dict[str, Any]:
    return response_data(response, queries.overview(response, _language()), _url(request, response, slug))


@router.get(
    "/organisations/{slug}/questionnaires",
    response={200: ResponsePage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_STUDIES),
    summary="The organisation's questionnaire responses",
)
def list_responses(request: HttpRequest, slug: str, filters: Query[ResponseQuery]) -> dict[str, Any]:
    """Newest first, filtered by tool and status; pages of at most 100."""
    organisation = caller(request).organisation_access.organisation
    rows = queries.responses_of(organisation, tool_id=filters.tool_id, status=filters.status)
    return paginate(request, rows, filters, lambda r: summary_data(r, _url(request, r, slug)))


@router.get(
    "/organisations/{slug}/questionnaires/{response_id}",
    response={200: ResponseOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_TRANSPARENCY),
    summary="One response: answers, sections, completion and scores",
)
def get_response(request: HttpRequest, slug: str, response_id: int) -> dict[str, Any]:
    """Answers are given with the definition version the response was answered with (`definition`).
    Scores are those recorded at submission, or a preview of the current answers for a draft. Readable
    with `view_studies`, or by a person assigned to one of its sections."""
    who = caller(request)
    granted = queries.access_response(
        who.user, slug, response_id, Perm.VIEW_STUDIES, allow_assignee=True, token_roles=who.token_roles
    )
    return _detail(request, granted.response, slug)


@router.patch(
    "/organisations/{slug}/questionnaires/{response_id}/answers",
    response={200: ResponseOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.VIEW_TRANSPARENCY),
    summary="Save answers of a draft",
)
def save_answers(request: HttpRequest, slug: str, response_id: int, payload: AnswersIn) -> dict[str, Any]:
    """Only the questions given change; `null`, `""` or `[]` clears an answer. Every value is checked
    against its question (choices, ranges, dates YYYY-MM-DD, files as references `{name, id?, sha256?,
    size?, content_type?}`); a wrong value, an unknown question or an answer to a question hidden by the
    other answers is refused (422, each named `answers.<question id>`) and nothing is written. Answers
    stored earlier to questions that the new answers hide are cleared. Holders of `manage_studies` may
    answer every question; a person assigned to a section only that section's questions."""
    who = caller(request)
    granted = queries.access_response(
        who.user, slug, response_id, Perm.VIEW_TRANSPARENCY, token_roles=who.token_roles
    )
    answers = payload.answers
    if len(answers) > _MAX_ANSWERS:
        raise ValidationError({"answers": _("Give at most %(max)d answers at once.") % {"max": _MAX_ANSWERS}})
    with_nul = sorted(qid for qid, value in answers.items() if _has_nul(qid) or _has_nul(value))
    if with_nul:
        raise ValidationError({f"answers.{qid}": _("Null characters are not allowed.") for qid in with_nul})
    definition = granted.response.definition.parsed
    if not granted.can_manage:
        if not granted.assigned:
            raise PermissionDenied
        outside = [
            qid
            for qid in answers
            if qid in definition.by_id and definition.by_id[qid].section_id not in granted.assigned
        ]
        if outside:
            raise PermissionDenied
    _check_file_references(granted, answers)
    try:
        services.save_answers(granted.response, who.user, answers)
    except ValidationError as exc:
        raise _prefixed(exc) from exc
    return _detail(request, granted.response, slug)


def _check_file_references(granted: queries.ResponseAccess, answers: dict[str, Any]) -> None:
    """A file reference may name a stored attachment (`id`) only if the caller may see the register and
    the attachment is one of this response's tool (or of the organisation, for a response on no tool):
    the answer's file is downloadable by whoever reads the response."""
    definition = granted.response.definition.parsed
    errors = {}
    for qid, value in answers.items():
        question = definition.by_id.get(qid)
        if question is None or question.type != "file" or not isinstance(value, dict) or "id" not in value:
            continue
        attachment_id = value["id"]
        found = (
            isinstance(attachment_id, int)
            and not isinstance(attachment_id, bool)
            and 0 < attachment_id < 2**63
            and granted.access.can(Perm.VIEW_REGISTER)
            and Attachment.objects.filter(
                organisation=granted.access.organisation,
                tool=granted.response.tool_id,
                pk=attachment_id,
                sha256=value.get("sha256", ""),
            ).exists()
        )
        if not found:
            errors[f"answers.{qid}"] = _(
                "Unknown attachment: give the id and sha256 of a document of this response's tool, "
                "or only the file's name."
            )
    if errors:
        raise ValidationError(errors)


def _has_nul(value: Any) -> bool:
    # PostgreSQL cannot store NUL characters in JSON text: refuse them as bad input.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _prefixed(exc: ValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {
                f"answers.{name}" if name not in ("__all__", "section_id") else "": messages
                for name, messages in exc.message_dict.items()
            }
        )
    return exc


@router.post(
    "/organisations/{slug}/questionnaires/{response_id}/submit",
    response={200: ResponseOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.MANAGE_STUDIES),
    summary="Submit a response",
)
def submit_response(request: HttpRequest, slug: str, response_id: int) -> dict[str, Any]:
    """Every visible required question must be answered (422 naming each missing one as
    `answers.<question id>`); the scores are then recorded and the answers can no longer change."""
    who = caller(request)
    granted = queries.access_response(
        who.user, slug, response_id, Perm.MANAGE_STUDIES, token_roles=who.token_roles
    )
    try:
        services.submit_response(granted.response, who.user)
    except ValidationError as exc:
        raise _prefixed(exc) from exc
    return _detail(request, granted.response, slug)


@router.get(
    "/questionnaire-definitions",
    response={200: list[DefinitionOut], **problem_responses(401)},
    auth=api_auth(),
    summary="The registered questionnaire definitions",
)
def list_definitions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every registered version of every questionnaire shipped with Revoyure (the same for everyone).
    Questionnaires an organisation imported are not listed: they are seen only by that organisation."""
    rows = list(
        queries.visible_definitions(None).defer("content", "import_report").order_by("slug", "-version")
    )
    seen: set[str] = set()
    out = []
    for row in rows:
        out.append(
            {**definition_ref(row), "registered_at": row.registered_at, "newest": row.slug not in seen}
        )
        seen.add(row.slug)
    return out


@router.get(
    "/questionnaire-definitions/{definition_slug}/{version}",
    response={200: DefinitionContentOut, **problem_responses(401, 404, 422)},
    auth=api_auth(),
    summary="One version of a questionnaire definition",
)
def get_definition(request: HttpRequest, definition_slug: str, version: int) -> dict[str, Any]:
    """The content as registered: sections, questions with their types, conditions, choices, scores,
    texts in French and English (docs/QUESTIONNAIRES.md). Shipped questionnaires only."""
    if not 0 < version < 2**31:
        raise Http404
    row = queries.visible_definitions(None).filter(slug=definition_slug[:60], version=version).first()
    if row is None:
        raise Http404
    return {
        **definition_ref(row),
        "sha256": row.sha256,
        "registered_at": row.registered_at,
        "content": row.content,
    }
