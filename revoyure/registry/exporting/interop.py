"""Interoperable exports of the public fields: the Dutch Algoritmeregister publication standard v1.0 and the
UK Algorithmic Transparency Recording Standard (tier 1).

The mappings are tables here, tested value by value. A key of the standard with no equivalent in our record
is left empty ("" or [] for the list-valued keys): nothing is invented. Texts are the organisation's own
(French), hence `lang` "fra" and French labels for our controlled values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation

from revoyure.organisations.models import Organisation
from revoyure.registry.choices import Annex3Point, DecisionRole, DomainCategory, ToolStatus, YesNoUnknown
from revoyure.registry.models import Tool

# Algoritmeregister v1.0 ------------------------------------------------------------------------------------

ALGORITMEREGISTER_KEYS = (
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen_grouping",
    "impacttoetsen",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
)
# Keys whose value is a list in the standard; empty means [].
ALGORITMEREGISTER_LIST_KEYS = frozenset(
    {
        "category",
        "lawful_basis_grouping",
        "impacttoetsen_grouping",
        "source_data_grouping",
    }
)
ALGORITMEREGISTER_STATUS = {
    ToolStatus.PROJECT: "In ontwikkeling",
    ToolStatus.PILOT: "In gebruik",
    ToolStatus.IN_SERVICE: "In gebruik",
    ToolStatus.SUSPENDED: "In gebruik",
    ToolStatus.WITHDRAWN: "Buiten gebruik",
}
HIGH_RISK = "Hoog-risico AI-systeem"
IMPACTFUL = "Impactvolle algoritmes"
OTHER = "Overige algoritmes"
# The Annex III points among our choices: each lists high-risk uses (AI Act art. 6(2); legal-rules.md CL-1 to
# CL-3 for the workplace ones). The publication category follows the point alone; weighing the art. 6(3)
# exemption (CL-4) is the qualification's work, not an export's.
HIGH_RISK_ANNEX3_POINTS = frozenset(
    {
        Annex3Point.BIOMETRIC_CATEGORISATION,
        Annex3Point.EMOTION_RECOGNITION,
        Annex3Point.RECRUITMENT,
        Annex3Point.WORK_RELATIONSHIPS,
        Annex3Point.ESSENTIAL_SERVICES_CREDIT,
        Annex3Point.ESSENTIAL_SERVICES_INSURANCE,
    }
)
IMPACTFUL_DECISION_ROLES = frozenset({DecisionRole.DECISIVE, DecisionRole.SOLELY_AUTOMATED})
LANG = "fra"
STANDARD_VERSION = "1.0"


def year_month(value: dt.date | None) -> str:
    return value.strftime("%Y-%m") if value else ""


def publication_category(tool: Tool) -> str:
    if tool.annex3_point in HIGH_RISK_ANNEX3_POINTS:
        return HIGH_RISK
    if (
        tool.decision_role in IMPACTFUL_DECISION_ROLES
        or tool.legal_or_significant_effects == YesNoUnknown.YES
    ):
        return IMPACTFUL
    return OTHER


def _french_label(choices: Any, value: str) -> str:
    with translation.override("fr"):
        return str(choices(value).label) if value in choices.values else ""


def algoritmeregister_record(tool: Tool, organisation: Organisation) -> dict[str, Any]:
    record: dict[str, Any] = {
        key: [] if key in ALGORITMEREGISTER_LIST_KEYS else "" for key in ALGORITMEREGISTER_KEYS
    }
    record.update(
        {
            "name": tool.name,
            "description_short": tool.function,
            "organization": organisation.name,
            "status": ALGORITMEREGISTER_STATUS[ToolStatus(tool.status)],
            "begin_date": year_month(tool.in_service_on or tool.pilot_started_on),
            "end_date": year_month(tool.withdrawn_on),
            "contact_email": organisation.contact_email,
            "publication_category": publication_category(tool),
            "goal": tool.purpose,
            "provider": tool.vendor.name if tool.vendor_id and tool.vendor else "",
            "lang": LANG,
            "standard_version": STANDARD_VERSION,
            "source_id": str(tool.pk),
            # The standard's `category` is a closed list of Dutch policy themes; our category goes in tags.
            "tags": _french_label(DomainCategory, tool.domain_category),
        }
    )
    return record


# ATRS tier 1 ---------------------------------------------------------------------------------------------

ATRS_KEYS = ("name", "description", "organisation", "function", "phase", "contact", "website")
ATRS_PHASE = {
    ToolStatus.PROJECT: "Pre-deployment",
    ToolStatus.PILOT: "Beta/pilot",
    ToolStatus.IN_SERVICE: "Production",
    ToolStatus.SUSPENDED: "Production",
    ToolStatus.WITHDRAWN: "Retired",
}


def atrs_record(tool: Tool, organisation: Organisation) -> dict[str, Any]:
    return {
        "name": tool.name,
        "description": tool.function,
        "organisation": organisation.name,
        "function": _french_label(DomainCategory, tool.domain_category),
        "phase": ATRS_PHASE[ToolStatus(tool.status)],
        "contact": organisation.contact_email,
        "website": "",
    }
