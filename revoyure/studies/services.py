"""Every write of the impact-study workflow (issue 4 §2), each atomic, with history and an audit entry;
e-mails go out after the commit.

The Occitanie contribution (seed 003) shaped the workflow: « Réalisation d'une étude d'impact avant la mise
en place ou la modification de tout outil numérique : par le service Prévention [...] ; par la Direction
des ressources humaines [...] ; par la Direction en charge du déploiement des outils numériques [...] » —
so the study is made of parts, each assigned to a department and a person with a due date, then reviewed
and signed off; « mise à jour des Documents uniques d'évaluation des risques professionnels » — the DUERP
reminder; « Test et évaluation partagée avec la F3SCT [...] par un panel représentatif d'utilisateurs » —
the panel, whose results are shared with the staff bodies; « la note de cadrage présentant les
responsabilités des directions concernées [...], le calendrier du projet qui devra être cohérent avec la
charge de travail des agents » — the framing note.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from revoyure.assessments import services as assessment_services
from revoyure.assessments.models import Response, ResponseStatus, SectionAssignment, SectionStatus
from revoyure.core.audit import record
from revoyure.organisations.models import Membership, Organisation, StaffBody
from revoyure.organisations.services import update_organisation
from revoyure.qualification import services as qualification_services
from revoyure.registry import services as registry_services
from revoyure.registry.models import Tool
from revoyure.studies import feeds as feeds_module
from revoyure.studies import mail
from revoyure.studies.models import (
    DuerpUpdate,
    FramingNote,
    ImpactStudy,
    PanelEvaluation,
    PanelMember,
    PanelSession,
    PanelStatus,
    PanelTest,
    StudyKind,
    StudyStatus,
)

logger = logging.getLogger(__name__)

STUDY_DEFINITION = "working-conditions-impact"
FRIA_DEFINITION = "fria"
SURVEILLANCE_DEFINITION = "surveillance-proportionality"
PANEL_DEFINITION = "panel-evaluation"
MAX_TEXT = 10_000
REMINDER_EVERY = dt.timedelta(days=7)


def _save(obj: Any, user: Any, reason: str = "", **kwargs: Any) -> None:
    obj._history_user = user
    obj._change_reason = reason
    obj.save(**kwargs)


def _text(value: Any, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: _("Expected text.")})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("The text is too long (at most %(max)d characters).") % {"max": max_length}}
        )
    return text


def _is_member(organisation_id: int, user: Any) -> bool:
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


def _locked(study: ImpactStudy) -> ImpactStudy:
    return ImpactStudy.objects.select_for_update().get(pk=study.pk)


def _require_status(study: ImpactStudy, *statuses: str) -> None:
    if study.status not in statuses:
        raise ValidationError(
            _("This action is not possible while the study is “%(status)s”.")
            % {"status": StudyStatus(study.status).label}
        )


# Parts of a study ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One section of one of the study's responses. `key` is the section id for the main study, and
    "fria.<id>" / "surveillance.<id>" for the companions."""

    key: str
    response: Response
    section_id: str
    title: dict[str, str]
    owner: str
    assignment: SectionAssignment | None


def responses_of(study: ImpactStudy) -> list[tuple[str, Response]]:
    found = [("", study.response)]
    if study.fria_response_id:
        found.append(("fria.", study.fria_response))  # type: ignore[arg-type]
    if study.surveillance_response_id:
        found.append(("surveillance.", study.surveillance_response))  # type: ignore[arg-type]
    return found


def parts(study: ImpactStudy) -> list[Part]:
    result = []
    for prefix, response in responses_of(study):
        assignments = {a.section_id: a for a in response.assignments.select_related("assignee")}
        for section in response.definition.parsed.sections:
            result.append(
                Part(
                    f"{prefix}{section.id}",
                    response,
                    section.id,
                    section.title,
                    section.owner,
                    assignments.get(section.id),
                )
            )
    return result


def find_part(study: ImpactStudy, key: str) -> Part:
    for part in parts(study):
        if part.key == key:
            return part
    raise ValidationError({"section_id": _("Unknown part %(id)s.") % {"id": repr(key)}})


# The study ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_study(
    tool: Tool,
    user: Any,
    *,
    kind: str,
    title: str,
    with_fria: bool = False,
    with_surveillance: bool = False,
) -> ImpactStudy:
    """Start an impact study of `tool` (a planned tool or a change): the working-conditions questionnaire
    and, if asked, the FRIA (AI Act art. 27) and the surveillance proportionality check."""
    if kind not in StudyKind.values:
        raise ValidationError({"kind": _("Unknown kind of study.")})
    title = _text(title, "title", required=True, max_length=200)
    organisation = tool.organisation
    response = assessment_services.create_response(organisation, user, STUDY_DEFINITION, title, tool=tool)
    fria = surveillance = None
    if with_fria:
        fria = assessment_services.create_response(
            organisation, user, FRIA_DEFINITION, f"{title} — FRIA"[:200], tool=tool
        )
    if with_surveillance:
        surveillance = assessment_services.create_response(
            organisation, user, SURVEILLANCE_DEFINITION, f"{title} — {_('surveillance')}"[:200], tool=tool
        )
    study = ImpactStudy(
        organisation=organisation,
        tool=tool,
        kind=kind,
        title=title,
        response=response,
        fria_response=fria,
        surveillance_response=surveillance,
        created_by=user,
    )
    _save(study, user, _("Impact study started"))
    record(
        "studies.study_created",
        actor=user,
        organisation_id=organisation.pk,
        obj=study,
        data={"tool": tool.pk, "kind": kind, "fria": with_fria, "surveillance": with_surveillance},
    )
    return study


@transaction.atomic
def assign_part(
    study: ImpactStudy,
    user: Any,
    key: str,
    *,
    assignee: Any = None,
    department: str = "",
    due_on: dt.date | None = None,
) -> SectionAssignment:
    """Give a part of the study to a department and a person, with a due date; the person is told."""
    study = _locked(study)
    _require_status(study, StudyStatus.IN_PROGRESS)
    part = find_part(study, key)
    department = _text(department, "department", max_length=100)
    previous = part.assignment.assignee_id if part.assignment else None
    assignment = assessment_services.assign_section(
        part.response, user, part.section_id, assignee=assignee, department=department, due_on=due_on
    )
    if assignee is not None and assignee.pk != previous and assignee.email:
        transaction.on_commit(lambda: mail.part_assigned(study.pk, key, assignee.pk))
    return assignment


def _undone(study: ImpactStudy) -> list[Part]:
    return [p for p in parts(study) if p.assignment is None or p.assignment.status != SectionStatus.DONE]


@transaction.atomic
def request_review(study: ImpactStudy, user: Any, reviewer: Any = None) -> ImpactStudy:
    """Every part is done: the study goes to review (by `reviewer`, by default the person asking)."""
    study = _locked(study)
    _require_status(study, StudyStatus.IN_PROGRESS)
    undone = _undone(study)
    if undone:
        language = translation.get_language() or "en"
        names = ", ".join(feeds_module.text_in(p.title, language) for p in undone)
        raise ValidationError(_("Some parts are not done yet: %(parts)s.") % {"parts": names})
    reviewer = reviewer or user
    if not _is_member(study.organisation_id, reviewer):
        raise ValidationError({"reviewer": _("The reviewer is not a member of this organisation.")})
    study.status, study.reviewer = StudyStatus.IN_REVIEW, reviewer
    _save(study, user, _("Sent for review"), update_fields=["status", "reviewer"])
    record(
        "studies.review_requested",
        actor=user,
        organisation_id=study.organisation_id,
        obj=study,
        data={"reviewer": reviewer.pk},
    )
    if reviewer.pk != getattr(user, "pk", None):
        transaction.on_commit(lambda: mail.review_requested(study.pk))
    return study


@transaction.atomic
def send_back(study: ImpactStudy, user: Any, section_id: str, comment: str) -> ImpactStudy:
    """The reviewer sends one part back to its owner, with a comment: the study is in progress again."""
    comment = _text(comment, "comment", required=True)
    study = _locked(study)
    _require_status(study, StudyStatus.IN_REVIEW)
    part = find_part(study, section_id)
    assessment_services.reopen_section(part.response, user, part.section_id)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    note = f"[{stamp}] {section_id}: {comment}"
    study.review_comments = f"{study.review_comments.rstrip()}\n{note}".strip()
    study.status = StudyStatus.IN_PROGRESS
    _save(study, user, _("Part sent back"), update_fields=["status", "review_comments"])
    record(
        "studies.part_sent_back",
        actor=user,
        organisation_id=study.organisation_id,
        obj=study,
        data={"section": section_id, "comment": comment},
    )
    assignee_id = part.assignment.assignee_id if part.assignment else None
    if assignee_id:
        transaction.on_commit(lambda: mail.part_sent_back(study.pk, section_id, assignee_id, comment))
    return study


def _sources(study: ImpactStudy) -> list[feeds_module.Source]:
    prefixes = {"": "study", "fria.": "fria", "surveillance.": "surv"}
    return [
        feeds_module.Source(prefixes[prefix], response.definition.parsed, response.answer_map())
        for prefix, response in responses_of(study)
    ]


def decision_of(study: ImpactStudy) -> feeds_module.Decision:
    """What the study's answers decide now (nothing written): shown before sign-off."""
    return feeds_module.evaluate(_sources(study), settings.LANGUAGE_CODE[:2])


@transaction.atomic
def sign_off(study: ImpactStudy, user: Any, comments: str = "") -> ImpactStudy:
    """Sign the study off: its responses are submitted, its result feeds the register (risk levels and
    measures, `feeds.yaml`) and the qualification facts, and a DUERP update is requested when the project
    changes working conditions (R4121-2 2°)."""
    comments = _text(comments, "comments")
    study = _locked(study)
    _require_status(study, StudyStatus.IN_REVIEW)
    for _prefix, response in responses_of(study):
        if response.status == ResponseStatus.DRAFT:
            assessment_services.submit_response(response, user)
    language = settings.LANGUAGE_CODE[:2]
    decision = decision_of(study)
    now = timezone.now()
    reason = _("Impact study “%(title)s” signed off") % {"title": study.title}
    tool = Tool.objects.get(pk=study.tool_id)
    changes: dict[str, Any] = dict(decision.register)
    with translation.override(language):
        heading = _("Impact study “%(title)s”, signed off on %(date)s:") % {
            "title": study.title,
            "date": timezone.localdate(now).isoformat(),
        }
    for field, lines in decision.texts.items():
        merged = feeds_module.merge_text(getattr(tool, field), "\n".join([heading, *lines]))
        if merged is not None:
            changes[field] = merged
    if changes:
        tool = registry_services.update_tool(tool, user, changes, reason, source="impact_study")
    if decision.facts:
        qualification_services.record_answers(tool, user, dict(decision.facts), reason=reason)
    changes_wc = decision.study.get("changes_working_conditions")
    study.status, study.signed_off_by, study.signed_off_at = StudyStatus.SIGNED_OFF, user, now
    if comments:
        study.review_comments = f"{study.review_comments.rstrip()}\n{comments}".strip()
    study.changes_working_conditions = changes_wc
    study.results = {
        "register": decision.register,
        "texts": sorted(decision.texts),
        "facts": decision.facts,
        "levels": decision.levels,
        "changes_working_conditions": changes_wc,
    }
    _save(study, user, reason)
    record(
        "studies.signed_off",
        actor=user,
        organisation_id=study.organisation_id,
        obj=study,
        data={"results": study.results},
    )
    if changes_wc:
        _request_duerp_update(study, user)
    return study


@transaction.atomic
def reopen_for_review(tool: Tool, user: Any, *, reason: str, title: str) -> tuple[ImpactStudy, bool]:
    """Reopen the impact study of `tool` after a review meeting decided so (issue 6 §3: the meeting's
    outcome "may reopen its impact study or consultation"). Returns (study, created).

    The latest study still being written or reviewed is reopened: it goes back to "in progress" with
    `reason` added to its review comments. A signed-off study is never rewritten (its results fed the
    register and its signature stands): a new study of kind "change" is started, titled `title`, as is
    one for a tool that has none."""
    reason = _text(reason, "reason", required=True)
    latest = ImpactStudy.objects.filter(tool=tool).order_by("-created_at", "-pk").first()
    if latest is None or latest.status == StudyStatus.SIGNED_OFF:
        return create_study(tool, user, kind=StudyKind.CHANGE, title=title), True
    study = _locked(latest)
    stamp = timezone.localdate().isoformat()
    study.review_comments = f"{study.review_comments.rstrip()}\n[{stamp}] {reason}".strip()
    previous = study.status
    study.status = StudyStatus.IN_PROGRESS
    _save(study, user, _("Reopened by a review meeting"), update_fields=["status", "review_comments"])
    record(
        "studies.reopened",
        actor=user,
        organisation_id=study.organisation_id,
        obj=study,
        data={"from": previous, "reason": reason},
    )
    return study, False


# DUERP --------------------------------------------------------------------------------------------------


def prevention_owner(study: ImpactStudy) -> Any:
    assignment = study.response.assignments.filter(section_id="prevention").select_related("assignee").first()
    return assignment.assignee if assignment else None


def _request_duerp_update(study: ImpactStudy, user: Any) -> DuerpUpdate:
    update = DuerpUpdate(
        organisation_id=study.organisation_id,
        tool_id=study.tool_id,
        study=study,
        owner=prevention_owner(study),
        reason=_(
            "The impact study “%(title)s” found that the project changes working conditions: update the "
            "occupational risk assessment (Code du travail R4121-2 2°)."
        )
        % {"title": study.title},
    )
    _save(update, user, _("DUERP update requested"))
    record(
        "studies.duerp_requested",
        actor=user,
        organisation_id=study.organisation_id,
        obj=update,
        data={"study": study.pk, "owner": getattr(update.owner, "pk", None)},
    )
    transaction.on_commit(lambda: send_duerp_reminder(update.pk))
    return update


def reminder_due_filter(now: dt.datetime) -> Q:
    return Q(done_on__isnull=True) & (
        Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - REMINDER_EVERY)
    )


def send_duerp_reminder(update_id: int, now: dt.datetime | None = None) -> bool:
    """Send one reminder if it is due, claiming it first with an atomic compare-and-set on
    `last_reminded_at`: of two schedulers or workers, only the one whose UPDATE changed the row sends."""
    now = now or timezone.now()
    update = DuerpUpdate.objects.filter(pk=update_id).first()
    if update is None:
        return False
    previous = update.last_reminded_at
    claimed = (
        DuerpUpdate.objects.filter(reminder_due_filter(now), pk=update_id, last_reminded_at=previous)
        if previous is not None
        else DuerpUpdate.objects.filter(reminder_due_filter(now), pk=update_id, last_reminded_at__isnull=True)
    ).update(last_reminded_at=now, reminders_sent=F("reminders_sent") + 1)
    if not claimed:
        return False
    if mail.duerp_reminder(update_id):
        return True
    # Not sent (mail server down): give the claim back so that the next run tries again.
    DuerpUpdate.objects.filter(pk=update_id, last_reminded_at=now).update(
        last_reminded_at=previous, reminders_sent=F("reminders_sent") - 1
    )
    return False


def send_due_duerp_reminders(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(
        DuerpUpdate.objects.filter(reminder_due_filter(now)).order_by("pk").values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if send_duerp_reminder(pk, now))


@transaction.atomic
def record_duerp_update(
    update: DuerpUpdate, user: Any, done_on: dt.date | None, notes: str = ""
) -> DuerpUpdate:
    """Record that the DUERP was updated (no more reminders); the organisation's last DUERP update date
    (fact org.last_duerp_update) moves forward with it."""
    if not isinstance(done_on, dt.date):
        raise ValidationError({"done_on": _("Give the date of the update.")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    notes = _text(notes, "notes")
    update = DuerpUpdate.objects.select_for_update().get(pk=update.pk)
    if update.done_on is not None:
        raise ValidationError({"done_on": _("This update is already recorded as done.")})
    update.done_on, update.done_by, update.notes = done_on, user, notes
    _save(update, user, _("DUERP updated"), update_fields=["done_on", "done_by", "notes"])
    record(
        "studies.duerp_done",
        actor=user,
        organisation_id=update.organisation_id,
        obj=update,
        data={"done_on": done_on, "notes": notes},
    )
    organisation = Organisation.objects.get(pk=update.organisation_id)
    if organisation.last_duerp_update is None or organisation.last_duerp_update < done_on:
        update_organisation(
            organisation, user, {"last_duerp_update": done_on}, _("DUERP updated after an impact study")
        )
    return update


# Panel test ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_panel(study: ImpactStudy, user: Any, objective: str = "") -> PanelTest:
    objective = _text(objective, "objective")
    if PanelTest.objects.filter(study=study).exists():
        raise ValidationError(_("This study already has a panel test."))
    panel = PanelTest(study=study, objective=objective)
    _save(panel, user, _("Panel test created"))
    record("studies.panel_created", actor=user, organisation_id=study.organisation_id, obj=panel)
    return panel


@transaction.atomic
def update_panel(
    panel: PanelTest, user: Any, *, objective: str, status: str, results_summary: str
) -> PanelTest:
    if status not in PanelStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    panel = PanelTest.objects.select_for_update().get(pk=panel.pk)
    panel.objective = _text(objective, "objective")
    panel.results_summary = _text(results_summary, "results_summary")
    panel.status = status
    _save(panel, user, _("Panel test updated"))
    record(
        "studies.panel_updated",
        actor=user,
        organisation_id=panel.study.organisation_id,
        obj=panel,
        data={"status": status},
    )
    return panel


@transaction.atomic
def add_member(
    panel: PanelTest,
    user: Any,
    *,
    full_name: str,
    member_user: Any = None,
    job: str = "",
    department: str = "",
    represents: str = "",
) -> PanelMember:
    organisation_id = panel.study.organisation_id
    if member_user is not None and not _is_member(organisation_id, member_user):
        raise ValidationError({"member_user": _("The person is not a member of this organisation.")})
    member = PanelMember(
        panel=panel,
        full_name=_text(full_name, "full_name", required=True, max_length=200),
        user=member_user,
        job=_text(job, "job", max_length=200),
        department=_text(department, "department", max_length=100),
        represents=_text(represents, "represents", max_length=300),
    )
    _save(member, user, _("Panel member added"))
    record(
        "studies.panel_member_added",
        actor=user,
        organisation_id=organisation_id,
        obj=member,
        data={"panel": panel.pk, "name": member.full_name},
    )
    return member


@transaction.atomic
def remove_member(member: PanelMember, user: Any) -> None:
    organisation_id = member.panel.study.organisation_id
    record(
        "studies.panel_member_removed",
        actor=user,
        organisation_id=organisation_id,
        obj=member,
        data={"panel": member.panel_id, "name": member.full_name},
    )
    member._history_user = user  # type: ignore[attr-defined]
    member.delete()  # its evaluation row goes with it; the questionnaire response stays, with its history


@transaction.atomic
def add_session(
    panel: PanelTest,
    user: Any,
    *,
    held_on: dt.date,
    location: str = "",
    participants: Iterable[PanelMember] = (),
    scenarios: str = "",
    findings: str = "",
) -> PanelSession:
    if not isinstance(held_on, dt.date):
        raise ValidationError({"held_on": _("Give the date of the session.")})
    participants = list(participants)
    if any(p.panel_id != panel.pk for p in participants):
        raise ValidationError({"participants": _("Participants must be members of this panel.")})
    session = PanelSession(
        panel=panel,
        held_on=held_on,
        location=_text(location, "location", max_length=200),
        scenarios=_text(scenarios, "scenarios"),
        findings=_text(findings, "findings"),
    )
    _save(session, user, _("Test session recorded"))
    session.participants.set(participants)
    record(
        "studies.panel_session_added",
        actor=user,
        organisation_id=panel.study.organisation_id,
        obj=session,
        data={"panel": panel.pk, "held_on": held_on, "participants": [p.pk for p in participants]},
    )
    return session


@transaction.atomic
def remove_session(session: PanelSession, user: Any) -> None:
    record(
        "studies.panel_session_removed",
        actor=user,
        organisation_id=session.panel.study.organisation_id,
        obj=session,
        data={"panel": session.panel_id, "held_on": session.held_on},
    )
    session._history_user = user  # type: ignore[attr-defined]
    session.delete()


@transaction.atomic
def start_evaluation(member: PanelMember, user: Any) -> PanelEvaluation:
    """The member's evaluation questionnaire (idempotent). A member with an account owns every section,
    so they can fill it in themselves; otherwise the organiser enters it."""
    existing = PanelEvaluation.objects.filter(member=member).select_related("response").first()
    if existing is not None:
        return existing
    panel = member.panel
    study = panel.study
    response = assessment_services.create_response(
        study.organisation,
        user,
        PANEL_DEFINITION,
        _("Evaluation by %(name)s — %(study)s") % {"name": member.full_name, "study": study.title},
        tool=study.tool,
    )
    if member.user_id and _is_member(study.organisation_id, member.user):
        for section in response.definition.parsed.sections:
            assessment_services.assign_section(response, user, section.id, assignee=member.user)
    evaluation = PanelEvaluation.objects.create(panel=panel, member=member, response=response)
    record(
        "studies.panel_evaluation_started",
        actor=user,
        organisation_id=study.organisation_id,
        obj=evaluation,
        data={"member": member.pk, "response": response.pk},
    )
    return evaluation


@transaction.atomic
def share_panel_results(panel: PanelTest, user: Any, staff_bodies: Iterable[StaffBody]) -> PanelTest:
    """Share the panel's results with staff bodies (seed 003: « évaluation partagée avec la F3SCT »):
    the sharing is recorded, and the body members who have an account get the summary and a link."""
    bodies = list(staff_bodies)
    organisation_id = panel.study.organisation_id
    if not bodies:
        raise ValidationError({"staff_bodies": _("Choose at least one staff body.")})
    if any(b.organisation_id != organisation_id for b in bodies):
        raise ValidationError({"staff_bodies": _("Unknown staff body.")})
    panel = PanelTest.objects.select_for_update().get(pk=panel.pk)
    panel.shared_at, panel.shared_by = timezone.now(), user
    _save(panel, user, _("Results shared with the staff bodies"), update_fields=["shared_at", "shared_by"])
    panel.shared_with.add(*bodies)
    record(
        "studies.panel_shared",
        actor=user,
        organisation_id=organisation_id,
        obj=panel,
        data={"staff_bodies": [b.pk for b in bodies]},
    )
    body_ids = [b.pk for b in bodies]
    transaction.on_commit(lambda: mail.panel_results_shared(panel.pk, body_ids))
    return panel


# Framing note -------------------------------------------------------------------------------------------

ROLE_SUGGESTIONS = {
    "project": "Maître d'ouvrage",
    "prevention": "Service prévention",
    "hr": "DRH",
    "it": "DSI / maître d'œuvre",
    "dpo": "DPO",
}


def framing_note_initial(study: ImpactStudy) -> dict[str, Any]:
    """The framing note as first proposed: the needs from the purpose answers, one responsibility row per
    part of the study (department and person assigned), the planned go-live as a milestone."""
    answers = study.response.answer_map()
    needs = answers.get("purpose_description") or ""
    responsibilities = []
    seen = set()
    for part in parts(study):
        a = part.assignment
        if a is None or not (a.department or a.assignee_id):
            continue
        person = a.assignee.display_name if a.assignee_id else ""  # type: ignore[union-attr]
        key = (a.department, person)
        if key in seen:
            continue
        seen.add(key)
        responsibilities.append(
            {"department": a.department, "role": ROLE_SUGGESTIONS.get(part.owner, ""), "person": person}
        )
    calendar = []
    if answers.get("planned_go_live"):
        calendar.append(
            {"milestone": _("Planned go-live"), "date": answers["planned_go_live"], "workload": ""}
        )
    return {"needs": needs, "responsibilities": responsibilities, "calendar": calendar}


def _rows(value: Any, field: str, keys: tuple[str, ...], required: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 50:
        raise ValidationError({field: _("Expected at most 50 rows.")})
    rows = []
    for item in value:
        if not isinstance(item, dict) or set(item) - set(keys):
            raise ValidationError({field: _("Malformed row.")})
        row = {k: _text(item.get(k, ""), field, max_length=300) for k in keys}
        if not any(row.values()):
            continue
        if not row[required]:
            raise ValidationError({field: _("Each row needs a %(key)s.") % {"key": required}})
        rows.append(row)
    return rows


@transaction.atomic
def save_framing_note(study: ImpactStudy, user: Any, values: dict[str, Any]) -> FramingNote:
    """Create or update the study's framing note (project contract)."""
    responsibilities = _rows(
        values.get("responsibilities", []), "responsibilities", ("department", "role", "person"), "department"
    )
    calendar = _rows(values.get("calendar", []), "calendar", ("milestone", "date", "workload"), "milestone")
    for row in calendar:
        if row["date"]:
            try:
                row["date"] = dt.date.fromisoformat(row["date"]).isoformat()
            except ValueError as exc:
                raise ValidationError(
                    {"calendar": _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row["date"]}}
                ) from exc
    budget = values.get("budget")
    if budget is not None and (not isinstance(budget, Decimal | int) or budget < 0 or budget >= 10**10):
        raise ValidationError({"budget": _("Give a positive amount in euros.")})
    note, created = FramingNote.objects.select_for_update().get_or_create(study=study)
    note.needs = _text(values.get("needs", ""), "needs")
    note.responsibilities = responsibilities
    note.calendar = calendar
    note.workload_compatibility = _text(values.get("workload_compatibility", ""), "workload_compatibility")
    note.budget = budget
    note.budget_notes = _text(values.get("budget_notes", ""), "budget_notes")
    note.updated_by = user
    _save(note, user, _("Framing note written") if created else _("Framing note updated"))
    record(
        "studies.framing_note_saved",
        actor=user,
        organisation_id=study.organisation_id,
        obj=note,
        data={"study": study.pk, "created": created},
    )
    return note
