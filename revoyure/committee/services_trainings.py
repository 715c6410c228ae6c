"""Training and AI literacy records (AI Act art. 4; issue 5 §2): writes and reads.

Article 4 asks deployers to take measures to ensure « un niveau suffisant de maîtrise de l'IA » of their staff
and of the people who use AI systems on their behalf. A `Training` records what was covered, when, by whom,
for which tools of the register and who was trained (members of the organisation, or people typed by name
when they have no account). A `TrainingPlan` is the committee's plan for its own members; its progress is
which planned members took part in a training linked to the plan.

Every write is atomic, keeps the history (django-simple-history; the trained people, who have no history
table of their own, are listed in the audit entry) and appends to the audit log. The read functions
(`trainings_for_tool`, `trainings_in_year`, `filter_trainings`, ...) are used by the pages, the register's
group G link and the committee's annual dossier."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.committee.models import Committee, CommitteeMember, Trainee, Training, TrainingPlan
from revoyure.core import audit
from revoyure.organisations.models import Membership, Organisation
from revoyure.registry.exporting.records import safe_cell
from revoyure.registry.models import Tool

MAX_TEXT = 10_000
MAX_TITLE = 200
MAX_NAME = 200
MAX_DEPARTMENT = 100
MAX_HOURS = Decimal("1000")
MAX_PEOPLE = 2000
EARLIEST = dt.date(1990, 1, 1)
LATEST_PLAN = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Person:
    """A trained person without an account: a name and, optionally, a department or service."""

    full_name: str
    department: str = ""


def today() -> dt.date:
    return timezone.localdate()


def get_or_create_committee(organisation: Organisation) -> Committee:
    committee, _created = Committee.objects.get_or_create(organisation=organisation)
    return committee


# Validation helpers ------------------------------------------------------------------------------------


def _text(value: Any, name: str, errors: dict[str, str], *, required: bool = False, max_length: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = _("Expected text.")
        return ""
    text = value.strip()
    if required and not text:
        errors[name] = _("This field is required.")
    elif len(text) > max_length:
        errors[name] = _("The text is too long (at most %(max)d characters).") % {"max": max_length}
    return text


def _hours(value: Any, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        errors["duration_hours"] = _("Enter a number of hours.")
        return None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        errors["duration_hours"] = _("The duration must be more than 0 and at most %(max)s hours.") % {
            "max": MAX_HOURS
        }
        return None
    if hours != hours.quantize(Decimal("0.1")):
        errors["duration_hours"] = _("Give the duration to the tenth of an hour at most (e.g. 1.5).")
        return None
    return hours.quantize(Decimal("0.1"))


def _given_on(value: Any, errors: dict[str, str]) -> dt.date | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors["given_on"] = _("Enter the date of the training.")
        return None
    if value > today():
        errors["given_on"] = _("A training is recorded once given: the date cannot be in the future.")
    elif value < EARLIEST:
        errors["given_on"] = _("The date cannot be before %(date)s.") % {"date": EARLIEST.isoformat()}
    return value


def _member_departments(organisation: Organisation, users: list[Any]) -> dict[int, str] | None:
    """The department of each user in the organisation (from their memberships), or None if one of them is
    not a member."""
    rows = Membership.objects.filter(organisation=organisation, user__in=[u.pk for u in users]).values_list(
        "user_id", "department"
    )
    departments: dict[int, str] = {}
    for user_id, department in rows:
        if department or user_id not in departments:
            departments[user_id] = department or ""
    if any(u.pk not in departments for u in users):
        return None
    return departments


@dataclass
class _TrainingData:
    title: str
    topic: str
    given_on: dt.date
    duration_hours: Decimal | None
    trainer: str
    tools: list[Tool]
    plan: TrainingPlan | None
    members: list[Any]
    departments: dict[int, str]
    others: list[Person] = field(default_factory=list)


def _clean_training(
    organisation: Organisation,
    *,
    title: Any,
    topic: Any,
    given_on: Any,
    duration_hours: Any,
    trainer: Any,
    tools: Iterable[Tool],
    plan: TrainingPlan | None,
    members: Iterable[Any],
    others: Iterable[Person],
) -> _TrainingData:
    errors: dict[str, str] = {}
    title = _text(title, "title", errors, required=True, max_length=MAX_TITLE)
    topic = _text(topic, "topic", errors, max_length=MAX_TEXT)
    trainer = _text(trainer, "trainer", errors, max_length=MAX_NAME)
    day = _given_on(given_on, errors)
    hours = _hours(duration_hours, errors)

    tool_list = list({t.pk: t for t in tools}.values())
    if any(t.organisation_id != organisation.pk for t in tool_list):
        errors["tools"] = _("A tool belongs to another organisation's register.")

    if plan is not None:
        plan_org = Committee.objects.filter(pk=plan.committee_id).values_list("organisation_id", flat=True)
        if list(plan_org) != [organisation.pk]:
            errors["plan"] = _("The training plan belongs to another organisation.")

    member_list = list({u.pk: u for u in members}.values())
    departments: dict[int, str] = {}
    if member_list:
        found = _member_departments(organisation, member_list)
        if found is None:
            errors["members"] = _("A trained person is not a member of this organisation.")
        else:
            departments = found

    people: list[Person] = []
    seen: set[tuple[str, str]] = set()
    for person in others:
        name = (person.full_name or "").strip() if isinstance(person.full_name, str) else None
        department = (person.department or "").strip() if isinstance(person.department, str) else None
        if not name or department is None:
            errors["others"] = _("Give the full name of each person trained without an account.")
            break
        if len(name) > MAX_NAME or len(department) > MAX_DEPARTMENT:
            errors["others"] = _(
                "A name is too long (at most %(name)d characters) or a department is too long (at most "
                "%(department)d characters)."
            ) % {"name": MAX_NAME, "department": MAX_DEPARTMENT}
            break
        key = (name.casefold(), department.casefold())
        if key not in seen:
            seen.add(key)
            people.append(Person(name, department))
    if not errors.get("members") and not errors.get("others"):
        if not member_list and not people:
            errors["members"] = _("Say who was trained: choose members or type the names of other people.")
        elif len(member_list) + len(people) > MAX_PEOPLE:
            errors["others"] = _("At most %(max)d people per training.") % {"max": MAX_PEOPLE}
    if errors or day is None:
        raise ValidationError(errors)
    return _TrainingData(title, topic, day, hours, trainer, tool_list, plan, member_list, departments, people)


def _save(obj: Any, user: Any, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


def _trainees_summary(training: Training) -> list[dict[str, Any]]:
    return [
        {"user": t.user_id, "name": t.full_name, "department": t.department}
        for t in training.trainees.order_by("pk")
    ]


def _summary(training: Training) -> dict[str, Any]:
    return {
        "title": training.title,
        "given_on": training.given_on,
        "duration_hours": training.duration_hours,
        "trainer": training.trainer,
        "tools": sorted(training.tools.values_list("pk", flat=True)),
        "plan": training.plan_id,
        "trainees": _trainees_summary(training),
    }


def _set_trainees(training: Training, data: _TrainingData) -> None:
    """Make the trained people those of `data`: rows that stay are kept as they are (with the department
    recorded at the time), the others are removed and the new ones added."""
    wanted_users = {u.pk: u for u in data.members}
    wanted_names = {(p.full_name.casefold(), p.department.casefold()): p for p in data.others}
    remove: list[int] = []
    for trainee in training.trainees.all():
        if trainee.user_id is not None and trainee.user_id in wanted_users:
            wanted_users.pop(trainee.user_id)
            continue
        key = (trainee.full_name.casefold(), trainee.department.casefold())
        if trainee.user_id is None and key in wanted_names:
            wanted_names.pop(key)
            continue
        remove.append(trainee.pk)
    if remove:
        Trainee.objects.filter(pk__in=remove).delete()
    Trainee.objects.bulk_create(
        [
            Trainee(
                training=training,
                user=user,
                full_name=(getattr(user, "full_name", "") or user.email)[:MAX_NAME],
                department=data.departments.get(user.pk, "")[:MAX_DEPARTMENT],
            )
            for user in wanted_users.values()
        ]
        + [
            Trainee(training=training, full_name=p.full_name, department=p.department)
            for p in wanted_names.values()
        ]
    )


# Trainings ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_training(
    organisation: Organisation,
    user: Any,
    *,
    title: Any,
    given_on: Any,
    topic: Any = "",
    duration_hours: Any = None,
    trainer: Any = "",
    tools: Iterable[Tool] = (),
    plan: TrainingPlan | None = None,
    members: Iterable[Any] = (),
    others: Iterable[Person] = (),
) -> Training:
    """Record a training given in `organisation` and the people trained. `members` are users who are
    members of the organisation; `others` people without an account."""
    data = _clean_training(
        organisation,
        title=title,
        topic=topic,
        given_on=given_on,
        duration_hours=duration_hours,
        trainer=trainer,
        tools=tools,
        plan=plan,
        members=members,
        others=others,
    )
    training = Training(
        organisation=organisation,
        title=data.title,
        topic=data.topic,
        given_on=data.given_on,
        duration_hours=data.duration_hours,
        trainer=data.trainer,
        plan=data.plan,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _save(training, user, _("Training recorded"))
    if data.tools:
        training.tools.set(data.tools)
    _set_trainees(training, data)
    audit.record(
        "committee.training_created",
        actor=user,
        organisation_id=organisation.pk,
        obj=training,
        data=_summary(training),
    )
    return training


@transaction.atomic
def update_training(
    training: Training,
    user: Any,
    *,
    title: Any,
    given_on: Any,
    topic: Any = "",
    duration_hours: Any = None,
    trainer: Any = "",
    tools: Iterable[Tool] = (),
    plan: TrainingPlan | None = None,
    members: Iterable[Any] = (),
    others: Iterable[Person] = (),
) -> Training:
    training = Training.objects.select_for_update().get(pk=training.pk)
    organisation = Organisation.objects.get(pk=training.organisation_id)
    data = _clean_training(
        organisation,
        title=title,
        topic=topic,
        given_on=given_on,
        duration_hours=duration_hours,
        trainer=trainer,
        tools=tools,
        plan=plan,
        members=members,
        others=others,
    )
    before = _summary(training)
    training.title = data.title
    training.topic = data.topic
    training.given_on = data.given_on
    training.duration_hours = data.duration_hours
    training.trainer = data.trainer
    training.plan = data.plan
    _save(training, user, _("Training updated"))
    if {t.pk for t in data.tools} != set(before["tools"]):
        training.tools.set(data.tools)
    _set_trainees(training, data)
    after = _summary(training)
    audit.record(
        "committee.training_updated",
        actor=user,
        organisation_id=organisation.pk,
        obj=training,
        data={"before": before, "after": after},
    )
    return training


@transaction.atomic
def delete_training(training: Training, user: Any) -> None:
    training = Training.objects.select_for_update().get(pk=training.pk)
    summary = _summary(training)
    audit.record(
        "committee.training_deleted",
        actor=user,
        organisation_id=training.organisation_id,
        obj=training,
        data=summary,
    )
    training._history_user = user  # type: ignore[attr-defined]
    training._change_reason = _("Training deleted")  # type: ignore[attr-defined]
    training.delete()


# Training plans for the committee's own members ---------------------------------------------------------


def _clean_plan(
    committee: Committee, *, title: Any, objectives: Any, planned_by: Any, members: Iterable[CommitteeMember]
) -> tuple[str, str, dt.date | None, list[CommitteeMember]]:
    errors: dict[str, str] = {}
    title = _text(title, "title", errors, required=True, max_length=MAX_TITLE)
    objectives = _text(objectives, "objectives", errors, max_length=MAX_TEXT)
    if planned_by is not None and (
        not isinstance(planned_by, dt.date) or isinstance(planned_by, dt.datetime)
    ):
        errors["planned_by"] = _("Enter a date.")
    elif planned_by is not None and not EARLIEST <= planned_by <= LATEST_PLAN:
        errors["planned_by"] = _("Enter a date between %(start)s and %(end)s.") % {
            "start": EARLIEST.isoformat(),
            "end": LATEST_PLAN.isoformat(),
        }
    member_list = list({m.pk: m for m in members}.values())
    if any(m.committee_id != committee.pk for m in member_list):
        errors["members"] = _("A chosen person is not a member of this organisation's AI committee.")
    if errors:
        raise ValidationError(errors)
    return title, objectives, planned_by, member_list


def _plan_summary(plan: TrainingPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "planned_by": plan.planned_by,
        "members": sorted(plan.members.values_list("pk", flat=True)),
    }


@transaction.atomic
def create_plan(
    organisation: Organisation,
    user: Any,
    *,
    title: Any,
    objectives: Any = "",
    planned_by: Any = None,
    members: Iterable[CommitteeMember] = (),
) -> TrainingPlan:
    committee = get_or_create_committee(organisation)
    title, objectives, planned_by, member_list = _clean_plan(
        committee, title=title, objectives=objectives, planned_by=planned_by, members=members
    )
    plan = TrainingPlan(committee=committee, title=title, objectives=objectives, planned_by=planned_by)
    _save(plan, user, _("Training plan created"))
    if member_list:
        plan.members.set(member_list)
    audit.record(
        "committee.training_plan_created",
        actor=user,
        organisation_id=organisation.pk,
        obj=plan,
        data=_plan_summary(plan),
    )
    return plan


@transaction.atomic
def update_plan(
    plan: TrainingPlan,
    user: Any,
    *,
    title: Any,
    objectives: Any = "",
    planned_by: Any = None,
    members: Iterable[CommitteeMember] = (),
) -> TrainingPlan:
    plan = TrainingPlan.objects.select_for_update().select_related("committee").get(pk=plan.pk)
    title, objectives, planned_by, member_list = _clean_plan(
        plan.committee, title=title, objectives=objectives, planned_by=planned_by, members=members
    )
    before = _plan_summary(plan)
    plan.title = title
    plan.objectives = objectives
    plan.planned_by = planned_by
    _save(plan, user, _("Training plan updated"))
    if {m.pk for m in member_list} != set(before["members"]):
        plan.members.set(member_list)
    audit.record(
        "committee.training_plan_updated",
        actor=user,
        organisation_id=plan.committee.organisation_id,
        obj=plan,
        data={"before": before, "after": _plan_summary(plan)},
    )
    return plan


@transaction.atomic
def delete_plan(plan: TrainingPlan, user: Any) -> None:
    """Delete a plan; its trainings stay, no longer linked to it (each one's history says so)."""
    plan = TrainingPlan.objects.select_for_update().select_related("committee").get(pk=plan.pk)
    unlinked = []
    for training in Training.objects.select_for_update().filter(plan=plan):
        training.plan = None
        _save(training, user, _("Training plan deleted"))
        unlinked.append(training.pk)
    audit.record(
        "committee.training_plan_deleted",
        actor=user,
        organisation_id=plan.committee.organisation_id,
        obj=plan,
        data={**_plan_summary(plan), "trainings_unlinked": unlinked},
    )
    plan._history_user = user  # type: ignore[attr-defined]
    plan._change_reason = _("Training plan deleted")  # type: ignore[attr-defined]
    plan.delete()


# Reads --------------------------------------------------------------------------------------------------


def _with_details(queryset: QuerySet[Training]) -> QuerySet[Training]:
    return queryset.select_related("plan").prefetch_related(
        Prefetch("tools", queryset=Tool.objects.order_by("name", "pk")),
        Prefetch("trainees", queryset=Trainee.objects.order_by("full_name", "pk")),
    )


def trainings_of(organisation: Organisation) -> QuerySet[Training]:
    return _with_details(Training.objects.filter(organisation=organisation)).order_by("-given_on", "-pk")


def filter_trainings(
    organisation: Organisation,
    *,
    tool: Tool | int | None = None,
    person: Any = None,
    year: int | None = None,
) -> QuerySet[Training]:
    """The organisation's trainings, most recent first, for one tool, one person (a user) and/or one year."""
    queryset = trainings_of(organisation)
    if tool is not None:
        queryset = queryset.filter(
            pk__in=Training.tools.through.objects.filter(tool=tool).values("training_id")
        )
    if person is not None:
        queryset = queryset.filter(pk__in=Trainee.objects.filter(user=person).values("training_id"))
    if year is not None:
        queryset = queryset.filter(given_on__year=year)
    return queryset


def trainings_for_tool(tool: Tool) -> QuerySet[Training]:
    """The trainings given for `tool` (what the register's group G links to), most recent first."""
    through = Training.tools.through.objects.filter(tool_id=tool.pk).values("training_id")
    return _with_details(
        Training.objects.filter(organisation_id=tool.organisation_id, pk__in=through)
    ).order_by("-given_on", "-pk")


def trainings_in_year(organisation: Organisation, year: int) -> QuerySet[Training]:
    """The trainings given in `year` (for the committee's annual dossier), oldest first, with their tools
    and trained people prefetched."""
    return filter_trainings(organisation, year=year).order_by("given_on", "pk")


def trainings_of_person(organisation: Organisation, user: Any) -> QuerySet[Training]:
    return filter_trainings(organisation, person=user)


def training_years(organisation: Organisation) -> list[int]:
    return [
        d.year for d in Training.objects.filter(organisation=organisation).dates("given_on", "year", "DESC")
    ]


def trained_users(organisation: Organisation) -> QuerySet[Any]:
    """People with an account who took part in a training of the organisation."""
    return (
        get_user_model()
        .objects.filter(pk__in=Trainee.objects.filter(training__organisation=organisation).values("user_id"))
        .order_by("full_name", "email")
    )


def is_person_of(organisation: Organisation, user_id: int) -> bool:
    """Whether `user_id` is a member of the organisation or was trained in it (a former member)."""
    return (
        Membership.objects.filter(organisation=organisation, user_id=user_id).exists()
        or Trainee.objects.filter(training__organisation=organisation, user_id=user_id).exists()
    )


@dataclass(frozen=True)
class PersonSummary:
    full_name: str
    department: str
    user_id: int | None
    trainings: int
    hours: Decimal
    last_on: dt.date


def trained_people(organisation: Organisation) -> list[PersonSummary]:
    """Everyone trained in the organisation (by account, or by name and department without one), with the
    number of trainings, their total duration and the last date."""
    rows = Trainee.objects.filter(training__organisation=organisation).values_list(
        "user_id", "full_name", "department", "training__duration_hours", "training__given_on"
    )
    people: dict[Any, dict[str, Any]] = {}
    for user_id, name, department, hours, given_on in rows.iterator(chunk_size=2000):
        key = ("user", user_id) if user_id is not None else ("name", name.casefold(), department.casefold())
        entry = people.setdefault(
            key,
            {"full_name": name, "department": department, "user_id": user_id, "n": 0, "h": Decimal(0)},
        )
        entry["n"] += 1
        entry["h"] += hours or 0
        if "last" not in entry or given_on > entry["last"]:
            entry["last"] = given_on
            entry["full_name"] = name
            entry["department"] = department
    return sorted(
        (
            PersonSummary(e["full_name"], e["department"], e["user_id"], e["n"], e["h"], e["last"])
            for e in people.values()
        ),
        key=lambda p: (p.full_name.casefold(), p.department.casefold(), p.user_id or 0),
    )


# Plan progress ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanMemberProgress:
    member: CommitteeMember
    trainings: list[Training]

    @property
    def done(self) -> bool:
        return bool(self.trainings)


def _matches(member: CommitteeMember, trainee: Trainee) -> bool:
    if member.user_id is not None:
        return trainee.user_id == member.user_id
    return (
        trainee.user_id is None
        and trainee.full_name.strip().casefold() == member.full_name.strip().casefold()
    )


def plan_progress(plan: TrainingPlan) -> list[PlanMemberProgress]:
    """For each planned member, the trainings linked to the plan in which they were trained (by account,
    or by name for a member recorded without one). Uses the plan's prefetched members and trainings when
    present (see `plans_of`)."""
    trainings = list(plan.trainings.all())
    progress = []
    for member in plan.members.all():
        done = [t for t in trainings if any(_matches(member, trainee) for trainee in t.trainees.all())]
        progress.append(PlanMemberProgress(member, done))
    return progress


def plans_of(organisation: Organisation) -> QuerySet[TrainingPlan]:
    return TrainingPlan.objects.filter(committee__organisation=organisation).prefetch_related(
        Prefetch("members", queryset=CommitteeMember.objects.order_by("full_name", "pk")),
        Prefetch(
            "trainings",
            queryset=Training.objects.order_by("given_on", "pk").prefetch_related(
                Prefetch("trainees", queryset=Trainee.objects.order_by("full_name", "pk"))
            ),
        ),
    )


# CSV export ---------------------------------------------------------------------------------------------


def csv_header() -> list[str]:
    return [
        _("Date"),
        _("Training"),
        _("Topic"),
        _("Duration (hours)"),
        _("Given by"),
        _("Tools"),
        _("Person"),
        _("Department"),
    ]


def csv_rows(trainings: Iterable[Training], *, person: Any = None) -> Iterator[list[str]]:
    """One row per trained person (only `person`'s rows when given), cells safe from formula injection."""
    for training in trainings:
        tools = ", ".join(t.name for t in training.tools.all())
        hours = "" if training.duration_hours is None else str(training.duration_hours)
        for trainee in training.trainees.all():
            if person is not None and trainee.user_id != getattr(person, "pk", person):
                continue
            yield [
                safe_cell(text)
                for text in (
                    training.given_on.isoformat(),
                    training.title,
                    training.topic,
                    hours,
                    training.trainer,
                    tools,
                    trainee.full_name,
                    trainee.department,
                )
            ]


def write_csv(stream: IO[str], trainings: Iterable[Training], *, person: Any = None) -> None:
    """UTF-8 with a byte-order mark (for spreadsheets), comma-separated, one header row, like the register's
    CSV export."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(csv_header())
    writer.writerows(csv_rows(trainings, person=person))
