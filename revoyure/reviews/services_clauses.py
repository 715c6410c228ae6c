"""Writing review clauses: create, change, deactivate or reactivate one (issue 6 §1).

A clause is the roadmap's *clause de revoyure*: « formaliser entre les acteurs une série de rendez-vous
connus de tous à l'avance dans leur principe et leur objet et qui se tiendront lorsque les conditions
prédéterminées seront réunies » — so its scope, trigger events, minimum frequency, notice period and
participants are checked here, whoever calls: the trigger kinds against triggers.yaml, the categories against
`registry.choices.DomainCategory`, and the tools, staff bodies and named persons against the clause's own
organisation (a clause never reaches into another organisation)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from revoyure.core import audit
from revoyure.organisations.models import Agreement, Membership
from revoyure.registry.choices import DomainCategory
from revoyure.reviews import triggers
from revoyure.reviews.models import ClauseScope, ReviewClause

TITLE_MAX = 200
FREQUENCY_RANGE = (1, 60)  # months
NOTICE_RANGE = (1, 180)  # days
REASON_MAX = 2000
CLAUSE_FIELDS = (
    "title",
    "scope",
    "categories",
    "tools",
    "triggers",
    "minimum_frequency_months",
    "notice_days",
    "include_committee",
    "staff_bodies",
    "participants",
)
_M2M = ("tools", "staff_bodies", "participants")


def _ids(objects: Iterable[Any]) -> list[int]:
    return sorted({int(obj.pk) for obj in objects})


def _in_range(value: Any, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


def _clean(organisation_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a clause's complete values; raise one ValidationError naming every wrong field."""
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the clause a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title under %(max)d characters.") % {"max": TITLE_MAX}

    scope = values.get("scope")
    if scope not in ClauseScope.values:
        errors["scope"] = _("Unknown scope.")

    categories = list(dict.fromkeys(values.get("categories") or ()))
    if any(category not in DomainCategory.values for category in categories):
        errors["categories"] = _("Unknown category.")
    elif scope == ClauseScope.CATEGORY and not categories:
        errors["categories"] = _("Choose at least one category of tools.")

    tools = list(values.get("tools") or ())
    if any(getattr(tool, "organisation_id", None) != organisation_id for tool in tools):
        errors["tools"] = _("Choose tools of the organisation's register.")
    elif scope == ClauseScope.TOOLS and not tools:
        errors["tools"] = _("Choose at least one tool.")

    known = triggers.load()
    chosen = set(values.get("triggers") or ())
    if chosen - set(known):
        errors["triggers"] = _("Unknown trigger event.")
    trigger_ids = [ident for ident in known if ident in chosen]  # the file's order, without repeats

    frequency = values.get("minimum_frequency_months")
    if frequency is not None and not _in_range(frequency, FREQUENCY_RANGE):
        errors["minimum_frequency_months"] = _("Enter a number of months between %(low)d and %(high)d.") % {
            "low": FREQUENCY_RANGE[0],
            "high": FREQUENCY_RANGE[1],
        }
    notice = values.get("notice_days")
    if not _in_range(notice, NOTICE_RANGE):
        errors["notice_days"] = _("Enter a number of days between %(low)d and %(high)d.") % {
            "low": NOTICE_RANGE[0],
            "high": NOTICE_RANGE[1],
        }
    # « des rendez-vous … qui se tiendront lorsque les conditions prédéterminées seront réunies »: a clause
    # without any event and without a frequency would never lead to a meeting.
    if (
        "triggers" not in errors
        and "minimum_frequency_months" not in errors
        and not trigger_ids
        and not frequency
    ):
        errors["triggers"] = _("Choose at least one trigger event, or a minimum frequency.")

    bodies = list(values.get("staff_bodies") or ())
    if any(getattr(body, "organisation_id", None) != organisation_id for body in bodies):
        errors["staff_bodies"] = _("Choose staff bodies of the organisation.")
    people = list(values.get("participants") or ())
    person_ids = {getattr(person, "pk", None) for person in people}
    if person_ids:
        members = set(
            Membership.objects.filter(organisation_id=organisation_id, user_id__in=person_ids).values_list(
                "user_id", flat=True
            )
        )
        if None in person_ids or person_ids - members:
            errors["participants"] = _("Choose members of the organisation.")
    include_committee = bool(values.get("include_committee"))
    if not errors and not (bodies or people or include_committee):
        errors["participants"] = _(
            "Name who meets: at least one staff body, the AI committee or a named person."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "scope": scope,
        # What is outside the scope chosen is not kept: a clause on "all tools" names no category.
        "categories": categories if scope == ClauseScope.CATEGORY else [],
        "tools": tools if scope == ClauseScope.TOOLS else [],
        "triggers": trigger_ids,
        "minimum_frequency_months": frequency,
        "notice_days": notice,
        "include_committee": include_committee,
        "staff_bodies": bodies,
        "participants": people,
    }


def _current(clause: ReviewClause) -> dict[str, Any]:
    return {
        "title": clause.title,
        "scope": clause.scope,
        "categories": list(clause.categories or []),
        "tools": list(clause.tools.all()),
        "triggers": list(clause.triggers or []),
        "minimum_frequency_months": clause.minimum_frequency_months,
        "notice_days": clause.notice_days,
        "include_committee": clause.include_committee,
        "staff_bodies": list(clause.staff_bodies.all()),
        "participants": list(clause.participants.all()),
    }


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _ids(value) if name in _M2M else value for name, value in values.items()}


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def create_clause(agreement: Agreement, actor: Any, **values: Any) -> ReviewClause:
    """Add a review clause to an agreement. `values`: title, scope (ClauseScope), categories (DomainCategory
    values), tools (Tool objects), triggers (ids of triggers.yaml), minimum_frequency_months (1–60 or None),
    notice_days (1–180, 15 if not given), include_committee, staff_bodies (StaffBody objects), participants
    (users). Everything named must belong to the agreement's organisation; a ValidationError names each
    wrong field and nothing is written."""
    unknown = set(values) - set(CLAUSE_FIELDS)
    if unknown:
        raise ValueError(f"create_clause: unknown fields {sorted(unknown)}")
    values.setdefault("scope", ClauseScope.ALL)
    values.setdefault("notice_days", 15)
    clean = _clean(agreement.organisation_id, values)
    with transaction.atomic():
        clause = ReviewClause(
            organisation_id=agreement.organisation_id,
            agreement=agreement,
            **{name: value for name, value in clean.items() if name not in _M2M},
        )
        clause._history_user = _actor(actor)  # type: ignore[attr-defined]
        clause._change_reason = _("Review clause added")  # type: ignore[attr-defined]
        clause.save()
        for name in _M2M:
            getattr(clause, name).set(clean[name])
        audit.record(
            "review.clause_created",
            actor=actor,
            organisation_id=agreement.organisation_id,
            obj=clause,
            data={"agreement": agreement.pk, **_audit_values(clean)},
        )
    return clause


def update_clause(clause: ReviewClause, actor: Any, *, reason: str = "", **values: Any) -> ReviewClause:
    """Change some of a clause's values (the names of `create_clause`); the others stay. Checked as a whole
    after the change; nothing is written if nothing changes. The history row carries `reason`; the audit
    entry lists what changed (including tools, bodies and persons, which the history rows do not hold)."""
    unknown = set(values) - set(CLAUSE_FIELDS)
    if unknown:
        raise ValueError(f"update_clause: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        clause = ReviewClause.objects.select_for_update().get(pk=clause.pk)
        before = _current(clause)
        clean = _clean(clause.organisation_id, {**before, **values})
        changes = {
            name: value
            for name, value in clean.items()
            if (_ids(value) != _ids(before[name]) if name in _M2M else value != before[name])
        }
        if not changes:
            return clause
        fields = [name for name in changes if name not in _M2M]
        for name in fields:
            setattr(clause, name, changes[name])
        clause._history_user = _actor(actor)  # type: ignore[attr-defined]
        clause._change_reason = (reason or "")[:REASON_MAX] or _("Review clause changed")  # type: ignore[attr-defined]
        # Saved even when only tools, bodies or persons changed, so the history shows when and why.
        clause.save(update_fields=fields or ["title"])
        for name in _M2M:
            if name in changes:
                getattr(clause, name).set(changes[name])
        audit.record(
            "review.clause_updated",
            actor=actor,
            organisation_id=clause.organisation_id,
            obj=clause,
            data={"changes": _audit_values(changes), "reason": reason},
        )
    return clause


def set_clause_active(clause: ReviewClause, actor: Any, active: bool, reason: str = "") -> ReviewClause:
    """Deactivate a clause (no new meeting is scheduled from it; its meetings and their record stay) or
    reactivate it. Doing what is already done is refused, so a double click tells the truth."""
    with transaction.atomic():
        clause = ReviewClause.objects.select_for_update().get(pk=clause.pk)
        if clause.active == active:
            raise ValidationError(
                _("This clause is already active.") if active else _("This clause is already inactive.")
            )
        clause.active = active
        clause._history_user = _actor(actor)  # type: ignore[attr-defined]
        default = _("Review clause reactivated") if active else _("Review clause deactivated")
        clause._change_reason = (reason or "")[:REASON_MAX] or default  # type: ignore[attr-defined]
        clause.save(update_fields=["active"])
        audit.record(
            "review.clause_activated" if active else "review.clause_deactivated",
            actor=actor,
            organisation_id=clause.organisation_id,
            obj=clause,
            data={"title": clause.title, "reason": reason},
        )
    return clause
