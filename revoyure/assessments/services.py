"""Every write of the questionnaire engine: registering definitions, responses, section assignments and
answers. Each function is atomic and appends to the audit log (`core.audit.record`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from revoyure.assessments import engine
from revoyure.assessments.loading import (
    Definition,
    DefinitionError,
    all_definitions,
    content_hash,
    parse_definition,
)
from revoyure.assessments.models import (
    Answer,
    QuestionnaireDefinition,
    Response,
    ResponseStatus,
    SectionAssignment,
    SectionStatus,
)
from revoyure.assessments.surveyjs import Problem, import_surveyjs
from revoyure.core.audit import record
from revoyure.organisations.models import Membership, Organisation

# Definitions ------------------------------------------------------------------------------------------


def sync_definitions(
    definitions: Iterable[Definition] | None = None, using: str = "default"
) -> list[QuestionnaireDefinition]:
    """Register each definition (by default every shipped one, `loading.all_definitions`) as a `QuestionnaireDefinition` row.

    Idempotent: an identical (slug, version) is left alone; a new version gets a new row, so responses
    on earlier versions keep theirs. A file whose content changed without a new version number is an
    error (`DefinitionError`): stored responses would otherwise silently change meaning."""
    created = []
    with transaction.atomic(using=using):
        for d in all_definitions() if definitions is None else definitions:
            existing = (
                QuestionnaireDefinition.objects.using(using).filter(slug=d.slug, version=d.version).first()
            )
            if existing is not None and existing.organisation_id is not None:
                raise DefinitionError(
                    f"{d.slug} version {d.version} is already used by a questionnaire an organisation "
                    f"imported: give the shipped definition another identifier"
                )
            if existing is not None:
                if existing.sha256 != d.sha256:
                    raise DefinitionError(
                        f"{d.slug} version {d.version} changed since it was registered: "
                        f"give the changed definition a new version number"
                    )
                continue
            row = QuestionnaireDefinition.objects.using(using).create(
                slug=d.slug, version=d.version, title=d.title, content=d.content, sha256=d.sha256
            )
            # No audit entry: shipped definitions are installation data, versioned with the code (the row
            # keeps the file's SHA-256); the audit log records what people do. It also runs after every
            # migrate and database flush, where an entry would be noise.
            created.append(row)
    return created


def latest_definition(slug: str) -> QuestionnaireDefinition:
    """The newest registered version of a questionnaire (DoesNotExist if none)."""
    return QuestionnaireDefinition.objects.filter(slug=slug).order_by("-version")[:1].get()


# Importing a SurveyJS questionnaire -----------------------------------------------------------------------

SURVEYJS_MAX_BYTES = 2 * 1024 * 1024
SURVEYJS_MAX_NAME = 100
# Checking a definition costs about a millisecond per question, at import and when a worker first reads it.
SURVEYJS_MAX_QUESTIONS = 1000
# A scale is shown as one radio button per value.
SURVEYJS_MAX_SCALE_VALUES = 101
_SLUG_MAX = 60


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (Python accepts them; PostgreSQL's jsonb does not).
    raise ValueError(f"{name} is not a JSON value")


def _storable(value: Any, depth: int = 0) -> bool:
    """Every string can be stored: no NUL character (PostgreSQL text) and valid UTF-8 (no lone surrogate)."""
    if depth > 200:
        return False
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    return True


def read_surveyjs(data: bytes | str) -> dict[str, Any]:
    """The SurveyJS survey in `data` (a JSON object), or a ValidationError on `file` saying what is wrong."""
    limit = SURVEYJS_MAX_BYTES
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    elif isinstance(data, bytes | bytearray):
        size = len(data)
    else:
        raise ValidationError({"file": _("The file is not a SurveyJS JSON file.")})
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": _("The file is not UTF-8 text: it cannot be JSON.")}) from exc
    else:
        text = data.removeprefix("\ufeff")
    try:
        survey = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ValidationError({"file": _("The JSON is nested too deeply.")}) from exc
    except ValueError as exc:
        raise ValidationError(
            {"file": _("The file is not valid JSON: %(error)s.") % {"error": str(exc)[:200]}}
        ) from exc
    if not isinstance(survey, dict):
        raise ValidationError(
            {"file": _("A SurveyJS questionnaire is a JSON object (with “pages” or “elements”).")}
        )
    if not _storable(survey):
        raise ValidationError(
            {"file": _("The JSON holds null characters, invalid text or too deep a nesting.")}
        )
    return survey


def _name_part(name: str) -> str:
    part = slugify(name)
    if not part:  # a name without Latin letters or digits: a stable identifier from the name itself
        part = "q" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return part


def _clean_slug(text: str, max_length: int = _SLUG_MAX) -> str:
    """`text` as a definition identifier: a-z, 0-9, single hyphens, starting with a letter."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"q-{slug}".rstrip("-")
    return slug[:max_length].rstrip("-")


def imported_slug_base(organisation: Organisation, name: str) -> str:
    """The identifier an import under `name` gets by default: the organisation's slug and the name's."""
    return _clean_slug(f"{organisation.slug}-{_name_part(name)}")


def _imported_slug(organisation: Organisation, name: str) -> tuple[str, int]:
    """The identifier and the next version for an import under `name`.

    The same name always gives the same identifier (so a new import is a new version); an identifier
    of a shipped questionnaire or of another organisation's is skipped with a suffix (-2, -3...)."""
    base = imported_slug_base(organisation, name)
    shipped = {d.slug for d in all_definitions()}
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        candidate = base[: _SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate in shipped:
            continue
        owners = set(
            QuestionnaireDefinition.objects.filter(slug=candidate).values_list("organisation_id", flat=True)
        )
        if not owners:
            return candidate, 1
        if owners == {organisation.pk}:
            latest = (
                QuestionnaireDefinition.objects.filter(slug=candidate)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            return candidate, (latest or 0) + 1
    raise ValidationError({"name": _("Choose another name for this questionnaire.")})


def import_surveyjs_definition(
    organisation: Organisation, user: Any, data: bytes | str, *, name: str
) -> tuple[QuestionnaireDefinition, list[Problem]]:
    """Import a SurveyJS survey (JSON text) as a questionnaire of `organisation`, seen only by it.

    The survey is converted by `surveyjs.import_surveyjs` and validated like a shipped definition; what
    cannot be carried over is returned and stored with the row (`import_report`), each by name. Importing
    again under the same name registers the next version, so responses keep the version they were
    started on. A refused file or name raises ValidationError (on `file` or `name`) and writes nothing."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > SURVEYJS_MAX_NAME or "\x00" in name or not _storable(name):
        raise ValidationError(
            {"name": _("Give a name of at most %(max)d characters.") % {"max": SURVEYJS_MAX_NAME}}
        )
    survey = read_surveyjs(data)
    with transaction.atomic():
        # One import at a time per organisation: the next version number is read, then written.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        slug, version = _imported_slug(organisation, name)
        try:
            content, problems = import_surveyjs(survey, slug, version)
        except RecursionError as exc:
            raise ValidationError({"file": _("The questionnaire is nested too deeply.")}) from exc
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationError(
                {
                    "file": _("The file is not a SurveyJS questionnaire that can be read: %(error)s.")
                    % {"error": str(exc)[:200]}
                }
            ) from exc
        if content["title"] == {"fr": slug, "en": slug}:  # no usable SurveyJS title: the name given
            content["title"] = {"fr": name, "en": name}
        if not content["sections"]:
            raise ValidationError(
                {
                    "file": _("No question of this file could be imported (%(count)d problem(s) found).")
                    % {"count": len(problems)}
                }
            )
        question_count = sum(len(section["questions"]) for section in content["sections"])
        if question_count > SURVEYJS_MAX_QUESTIONS:
            raise ValidationError(
                {
                    "file": _(
                        "The questionnaire has %(count)d questions; at most %(max)d can be imported: "
                        "split it into several questionnaires."
                    )
                    % {"count": question_count, "max": SURVEYJS_MAX_QUESTIONS}
                }
            )
        for section in content["sections"]:
            for question in section["questions"]:
                if question["type"] != "scale":
                    continue
                low, high = question.get("min"), question.get("max")
                if (
                    isinstance(low, int)
                    and isinstance(high, int)
                    and high - low + 1 > SURVEYJS_MAX_SCALE_VALUES
                ):
                    raise ValidationError(
                        {
                            "file": _(
                                "The rating “%(name)s” goes from %(min)d to %(max)d; a rating may have "
                                "at most %(count)d values."
                            )
                            % {
                                "name": question["id"],
                                "min": low,
                                "max": high,
                                "count": SURVEYJS_MAX_SCALE_VALUES,
                            }
                        }
                    )
        try:
            parse_definition(content, name)
        except DefinitionError as exc:
            raise ValidationError(
                {"file": _("The converted questionnaire is not valid: %(error)s") % {"error": str(exc)}}
            ) from exc
        report = [asdict(p) for p in problems]
        try:
            with transaction.atomic():
                row = QuestionnaireDefinition.objects.create(
                    organisation=organisation,
                    slug=slug,
                    version=version,
                    title=content["title"],
                    content=content,
                    sha256=content_hash(content),
                    import_report=report,
                )
        except IntegrityError as exc:  # another organisation took the identifier at the same moment
            raise ValidationError(
                {"name": _("This questionnaire is being imported by someone else; try again.")}
            ) from exc
        record(
            "assessments.definition_imported",
            actor=user,
            organisation_id=organisation.pk,
            obj=row,
            data={
                "format": "surveyjs",
                "name": name,
                "slug": slug,
                "version": version,
                "sha256": row.sha256,
                "questions": question_count,
                "problems": len(problems),
            },
        )
    return row, problems


# Responses --------------------------------------------------------------------------------------------


def _require_draft(response: Response) -> None:
    if response.status != ResponseStatus.DRAFT:
        raise ValidationError(_("This response has been submitted and can no longer be changed."))


def _locked(response: Response) -> Response:
    # Serialises concurrent writers of the same response (two respondents saving at once).
    locked = Response.objects.select_for_update().select_related("definition").get(pk=response.pk)
    response.status = locked.status
    return locked


def create_response(
    organisation: Organisation,
    user: Any,
    definition: QuestionnaireDefinition | str,
    title: str,
    tool: Any = None,
) -> Response:
    """Start a draft response on `definition` (a row, or a slug for its newest version), with one
    section assignment per section, departments taken from the sections' owners."""
    if isinstance(definition, str):
        try:
            definition = latest_definition(definition)
        except QuestionnaireDefinition.DoesNotExist as exc:
            raise ValidationError(
                {"definition": _("Unknown questionnaire %(name)s.") % {"name": repr(definition)}}
            ) from exc
    if tool is not None and tool.organisation_id != organisation.pk:
        raise ValidationError({"tool": _("The tool belongs to another organisation.")})
    if definition.organisation_id is not None and definition.organisation_id != organisation.pk:
        raise ValidationError({"definition": _("This questionnaire belongs to another organisation.")})
    if definition.parsed.context == "facts":
        # Its answers are a tool's facts, kept by the qualification (the tool's qualification page).
        raise ValidationError(
            {"definition": _("This questionnaire is answered on a tool's qualification page.")}
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("A title is required.")})
    with transaction.atomic():
        response = Response.objects.create(
            organisation=organisation, tool=tool, definition=definition, title=title[:200], created_by=user
        )
        SectionAssignment.objects.bulk_create(
            SectionAssignment(
                response=response, section_id=s.id, department="" if s.owner == "any" else s.owner
            )
            for s in definition.parsed.sections
        )
        record(
            "assessments.response_created",
            actor=user,
            organisation_id=organisation.pk,
            obj=response,
            data={"definition": str(definition), "tool": getattr(tool, "pk", None)},
        )
    return response


def assign_section(
    response: Response,
    user: Any,
    section_id: str,
    *,
    assignee: Any = None,
    department: str = "",
    due_on: dt.date | None = None,
) -> SectionAssignment:
    """Give a section to a person (a member of the organisation) and/or a department, with a due date."""
    if section_id not in response.definition.parsed.section_by_id:
        raise ValidationError({"section_id": _("Unknown section %(id)s.") % {"id": repr(section_id)}})
    if (
        assignee is not None
        and not Membership.objects.filter(organisation_id=response.organisation_id, user=assignee).exists()
    ):
        raise ValidationError({"assignee": _("The person is not a member of this organisation.")})
    with transaction.atomic():
        _require_draft(_locked(response))
        assignment, _created = SectionAssignment.objects.get_or_create(
            response=response, section_id=section_id
        )
        assignment.assignee = assignee
        assignment.department = (department or "").strip()[:100]
        assignment.due_on = due_on
        assignment.save(update_fields=["assignee", "department", "due_on"])
        record(
            "assessments.section_assigned",
            actor=user,
            organisation_id=response.organisation_id,
            obj=response,
            data={
                "section": section_id,
                "assignee": getattr(assignee, "pk", None),
                "department": assignment.department,
                "due_on": due_on,
            },
        )
    return assignment


@dataclass(frozen=True)
class SaveResult:
    saved: tuple[str, ...]  # answers created or changed
    cleared: tuple[str, ...]  # answers removed: emptied by the user or hidden by a changed condition


def save_answers(response: Response, user: Any, values: Mapping[str, Any]) -> SaveResult:
    """Save part of a draft (answers are saved as you go, section by section or one at a time).

    Every value is checked against its question first; if any is wrong, a ValidationError names each
    question and nothing is written. An empty value (None, blank text, empty list) clears the answer.
    A non-empty answer to a question that is hidden (by the answers after this save) is refused; answers
    stored earlier to questions that this save hides are cleared, so a response never keeps answers that
    no longer apply (the history keeps them)."""
    if not isinstance(values, Mapping):
        raise ValidationError(_("Answers must be given as a mapping of question ids to values."))
    definition = response.definition.parsed
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for qid, value in values.items():
        question = definition.by_id.get(qid) if isinstance(qid, str) else None
        if question is None:
            errors[str(qid)] = _("Unknown question.")
            continue
        try:
            cleaned[qid] = engine.clean_value(question, value)
        except engine.AnswerError as exc:
            errors[qid] = str(exc)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _require_draft(_locked(response))
        stored = {a.question_id: a for a in response.answers.all()}
        merged = {qid: a.value for qid, a in stored.items()}
        merged.update(cleaned)
        merged = {qid: v for qid, v in merged.items() if v is not None}
        visible = {q.id for q in engine.visible_questions(definition, merged)}
        hidden = sorted(qid for qid, v in cleaned.items() if v is not None and qid not in visible)
        if hidden:
            raise ValidationError(
                {qid: _("This question does not apply given the other answers.") for qid in hidden}
            )
        now = timezone.now()
        saved, cleared = [], []
        for qid, value in cleaned.items():
            answer = stored.get(qid)
            if value is None:
                continue
            if answer is None:
                Answer.objects.create(
                    response=response, question_id=qid, value=value, answered_by=user, answered_at=now
                )
                saved.append(qid)
            elif answer.value != value:
                answer.value, answer.answered_by, answer.answered_at = value, user, now
                answer.save(update_fields=["value", "answered_by", "answered_at"])
                saved.append(qid)
        for qid, answer in stored.items():
            if (qid in cleaned and cleaned[qid] is None) or qid not in visible:
                answer.delete()  # the history keeps the value (simple-history records deletions)
                cleared.append(qid)
        if saved or cleared:
            Response.objects.filter(pk=response.pk).update(updated_at=now)
            record(
                "assessments.answers_saved",
                actor=user,
                organisation_id=response.organisation_id,
                obj=response,
                data={"saved": saved, "cleared": cleared},
            )
    return SaveResult(tuple(saved), tuple(cleared))


def _missing_message(definition: Definition, missing: Iterable[str]) -> dict[str, str]:
    return {qid: _("This question is required.") for qid in missing if qid in definition.by_id}


def complete_section(response: Response, user: Any, section_id: str) -> SectionAssignment:
    """Mark a section done; refused while a visible required question of the section is unanswered."""
    definition = response.definition.parsed
    if section_id not in definition.section_by_id:
        raise ValidationError({"section_id": _("Unknown section %(id)s.") % {"id": repr(section_id)}})
    with transaction.atomic():
        _require_draft(_locked(response))
        progress = engine.completion(definition, response.answer_map()).sections[section_id]
        if progress.missing_required:
            raise ValidationError(_missing_message(definition, progress.missing_required))
        assignment, _created = SectionAssignment.objects.get_or_create(
            response=response, section_id=section_id
        )
        assignment.status, assignment.completed_at, assignment.completed_by = (
            SectionStatus.DONE,
            timezone.now(),
            user,
        )
        assignment.save(update_fields=["status", "completed_at", "completed_by"])
        record(
            "assessments.section_completed",
            actor=user,
            organisation_id=response.organisation_id,
            obj=response,
            data={"section": section_id},
        )
    return assignment


def reopen_section(response: Response, user: Any, section_id: str) -> SectionAssignment:
    """Set a done section back to "to do" (the response must still be a draft)."""
    with transaction.atomic():
        _require_draft(_locked(response))
        try:
            assignment = SectionAssignment.objects.get(response=response, section_id=section_id)
        except SectionAssignment.DoesNotExist as exc:
            raise ValidationError(
                {"section_id": _("Unknown section %(id)s.") % {"id": repr(section_id)}}
            ) from exc
        assignment.status, assignment.completed_at, assignment.completed_by = SectionStatus.TODO, None, None
        assignment.save(update_fields=["status", "completed_at", "completed_by"])
        record(
            "assessments.section_reopened",
            actor=user,
            organisation_id=response.organisation_id,
            obj=response,
            data={"section": section_id},
        )
    return assignment


def submit_response(response: Response, user: Any) -> Response:
    """Submit a draft: every visible required question must be answered (ValidationError listing those
    that are not). The scores at that moment are stored in `result`."""
    definition = response.definition.parsed
    with transaction.atomic():
        locked = _locked(response)
        _require_draft(locked)
        answers = locked.answer_map()
        missing = engine.completion(definition, answers).total.missing_required
        if missing:
            raise ValidationError(_missing_message(definition, missing))
        now = timezone.now()
        locked.status, locked.submitted_at, locked.submitted_by = ResponseStatus.SUBMITTED, now, user
        locked.result = engine.score(definition, answers).as_dict()
        locked.save(update_fields=["status", "submitted_at", "submitted_by", "result", "updated_at"])
        record(
            "assessments.response_submitted",
            actor=user,
            organisation_id=locked.organisation_id,
            obj=locked,
            data={"result": locked.result},
        )
    response.status, response.submitted_at, response.submitted_by = locked.status, now, user
    response.result = locked.result
    return response
