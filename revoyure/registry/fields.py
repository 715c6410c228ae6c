"""The register record's fields, grouped as in the SECOIA format (A–I) plus groups J–L.

One description serves the detail page, the forms, the importer, the exporters and the JSON Schema, so a
field added to `Tool` is added here once and appears everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from revoyure.registry.choices import AffectedPublic, SecurityMeasureType, Technique
from revoyure.registry.models import Tool


@dataclass(frozen=True)
class Group:
    letter: str
    title: Promise
    fields: tuple[str, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "A",
        _("System description"),
        (
            "name",
            "system_created_on",
            "updated_at",
            "vendor_version",
            "status",
            "pilot_started_on",
            "in_service_on",
            "suspended_on",
            "withdrawn_on",
        ),
    ),
    Group(
        "B",
        _("Actors"),
        (
            "vendor",
            "developed_in_house",
            "owner_department",
            "owner_name",
            "affected_public",
            "affected_public_details",
            "affected_workers_count",
        ),
    ),
    Group(
        "C",
        _("Functions, purposes and specific modalities"),
        (
            "function",
            "purpose",
            "specific_modalities",
            "domain_category",
            "techniques",
            "is_ai_system",
        ),
    ),
    Group(
        "D",
        _("Estimated risk level"),
        (
            "risk_fundamental_rights",
            "risk_fundamental_rights_justification",
            "risk_health",
            "risk_health_justification",
            "risk_safety",
            "risk_safety_justification",
        ),
    ),
    Group(
        "E",
        _("Measures assessing compliance with fundamental rights"),
        (
            "rights_civic_measures",
            "rights_civic_evidence",
            "rights_social_measures",
            "rights_social_evidence",
            "rights_data_protection_measures",
            "rights_data_protection_evidence",
            "rights_non_discrimination_measures",
            "rights_non_discrimination_evidence",
            "rights_freedoms_measures",
            "rights_freedoms_evidence",
        ),
    ),
    Group("F", _("Security measures"), ("security_measures",)),
    Group(
        "G",
        _("Trainings given to users to guarantee human control"),
        (
            "user_trainings",
            "human_oversight_persons",
        ),
    ),
    Group(
        "H", _("Documentation and code of good conduct for users"), ("documents_provided", "code_of_conduct")
    ),
    Group("I", _("Other measures for trustworthy use"), ("other_trust_measures",)),
    Group(
        "J",
        _("Data and monitoring"),
        (
            "personal_data",
            "personal_data_categories",
            "special_category_data",
            "biometric_data",
            "location_data",
            "gdpr_record_reference",
            "dpia_status",
            "dpia_link",
            "data_retention",
            "can_monitor_activity",
            "monitoring_details",
            "logs_kept",
            "logs_retention",
            "decision_role",
            "legal_or_significant_effects",
        ),
    ),
    Group(
        "K",
        _("Deployment context"),
        (
            "used_at_workplace",
            "new_technology_for_org",
            "major_change_working_conditions",
            "number_of_sites",
            "project_cost",
            "environmental_footprint",
            "procurement_notes",
        ),
    ),
    Group(
        "L",
        _("AI Act facts"),
        (
            "organisation_role",
            "annex3_point",
            "profiling",
            "art6_3_exemption_documented",
            "registered_in_eu_database",
            "infers_emotions",
            "biometric_categorisation",
            "generates_public_content",
        ),
    ),
    Group("T", _("Staff transparency"), ("staff_impact", "staff_contact")),
)

# Fields the system maintains: shown, exported, never written by a user or an import.
READ_ONLY_FIELDS = frozenset({"updated_at"})
# Status and its dates change only through `change_status`, so every change of lifecycle is deliberate.
STATUS_FIELDS = frozenset({"status", "pilot_started_on", "in_service_on", "suspended_on", "withdrawn_on"})
# Structured list fields and the allowed values inside them.
LIST_CHOICES: dict[str, type[models.TextChoices]] = {
    "affected_public": AffectedPublic,
    "techniques": Technique,
}
STRUCTURED_LIST_FIELDS = frozenset({"security_measures", "user_trainings"})
SECURITY_MEASURE_TYPES = SecurityMeasureType


@dataclass(frozen=True)
class FieldSpec:
    name: str
    group: str
    label: Promise | str
    kind: str  # text, string, date, datetime, integer, decimal, boolean, choice, list, structured, vendor
    required: bool
    # Labels stay lazy: the specs are cached once, and each use must speak the request's language.
    choices: tuple[tuple[str, Promise | str], ...] = ()
    max_length: int | None = None


def _kind(field: models.Field) -> str:
    if field.name == "vendor":
        return "vendor"
    if field.name in LIST_CHOICES:
        return "list"
    if field.name in STRUCTURED_LIST_FIELDS:
        return "structured"
    if field.choices:
        return "choice"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField):
        return "decimal"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.TextField):
        return "text"
    return "string"


@cache
def field_specs() -> tuple[FieldSpec, ...]:
    specs = []
    for group in GROUPS:
        for name in group.fields:
            field = cast(models.Field, Tool._meta.get_field(name))
            choices: tuple[tuple[str, Promise | str], ...] = ()
            if name in LIST_CHOICES:
                choices = tuple((str(v), lbl) for v, lbl in LIST_CHOICES[name].choices)
            elif field.choices:
                choices = tuple((str(v), cast(Promise, lbl)) for v, lbl in field.choices)
            specs.append(
                FieldSpec(
                    name=name,
                    group=group.letter,
                    label=field.verbose_name,
                    kind=_kind(field),
                    required=name == "name",
                    choices=choices,
                    max_length=getattr(field, "max_length", None) if _kind(field) == "string" else None,
                )
            )
    return tuple(specs)


@cache
def spec_by_name() -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in field_specs()}


def editable_field_names() -> list[str]:
    """Fields a person edits in the tool form (status is changed by its own action)."""
    return [s.name for s in field_specs() if s.name not in READ_ONLY_FIELDS | STATUS_FIELDS]


def importable_field_names() -> list[str]:
    """Fields an import may set, status and its dates included (an import brings existing tools)."""
    return [s.name for s in field_specs() if s.name not in READ_ONLY_FIELDS]
