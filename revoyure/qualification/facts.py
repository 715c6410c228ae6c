"""The facts of legal-rules.md §6, and how they are read from the organisation and the tool record.

Facts are named ``org.<name>`` (organisation, its staff bodies and agreements) and ``sys.<name>`` (the
system and its deployment). A fact is either read from a register column (`column`), answered in the
qualification questionnaire and stored in `ToolQualification.answers` (`stored`), or read from the
organisation (`org`). Unknown is ``None``: the engine never guesses it.

`docs/schema/facts.schema.json` is generated from `FACTS` (`manage.py qualify --schema`) and compared in
a test, so the document and the code cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from revoyure.organisations.models import LegalForm, PublicServiceBranch, StaffBodyKind
from revoyure.registry.choices import (
    AffectedPublic,
    Annex3Point,
    DecisionRole,
    DomainCategory,
    DpiaStatus,
    OrganisationRole,
    Technique,
    ToolStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from revoyure.organisations.models import Organisation
    from revoyure.registry.models import Tool

BOOL, INT, DATE, ENUM, SET = "bool", "int", "date", "enum", "set"


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    label: StrOrPromise
    source: str  # "org", "column" (register field) or "stored" (questionnaire answer)
    column: str = ""  # register field for "column" facts
    choices: tuple[tuple[str, StrOrPromise], ...] = ()

    values: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:  # computed once: column_value reads it for every tool evaluated
        object.__setattr__(self, "values", tuple(v for v, _ in self.choices))


def _choices(enum: Any, *, skip: tuple[str, ...] = ()) -> tuple[tuple[str, StrOrPromise], ...]:
    return tuple((str(v), label) for v, label in enum.choices if v not in skip)


_ORG = [
    Fact("org.legal_form", ENUM, _("legal form"), "org", choices=_choices(LegalForm)),
    Fact(
        "org.fp",
        ENUM,
        _("public-service branch"),
        "org",
        choices=(("none", _("Not public service")), *_choices(PublicServiceBranch, skip=("",))),
    ),
    Fact("org.is_public_authority", BOOL, _("public authority or body governed by public law"), "org"),
    Fact("org.private_providing_public_service", BOOL, _("private body providing a public service"), "org"),
    Fact("org.headcount", INT, _("headcount"), "org"),
    Fact("org.reached_11_for_12_months", BOOL, _("11 employees for 12 consecutive months"), "org"),
    Fact("org.reached_50_for_12_months", BOOL, _("50 employees for 12 consecutive months"), "org"),
    Fact("org.reached_250_for_12_months", BOOL, _("250 employees for 12 consecutive months"), "org"),
    Fact("org.has_cse", BOOL, _("a CSE exists"), "org"),
    Fact("org.has_central_cse", BOOL, _("a central CSE exists"), "org"),
    Fact("org.has_cssct", BOOL, _("a CSSCT exists"), "org"),
    Fact("org.has_cst", BOOL, _("a CST exists"), "org"),
    Fact("org.has_csa", BOOL, _("a CSA exists"), "org"),
    Fact("org.has_f3sct", BOOL, _("an F3SCT exists"), "org"),
    Fact("org.has_fs", BOOL, _("an FS exists"), "org"),
    Fact("org.has_representative_union_section", BOOL, _("representative union section"), "org"),
    Fact("org.has_dpo", BOOL, _("DPO appointed"), "org"),
    Fact("org.has_agreement", BOOL, _("an agreement on digital tools or AI"), "org"),
    Fact("org.last_duerp_update", DATE, _("last DUERP update"), "org"),
]

_COLUMNS = [
    Fact("sys.status", ENUM, _("status"), "column", "status", _choices(ToolStatus)),
    Fact("sys.ai_system_declared", BOOL, _("declared an AI system"), "column", "is_ai_system"),
    Fact(
        "sys.domain_category",
        ENUM,
        _("domain category"),
        "column",
        "domain_category",
        _choices(DomainCategory),
    ),
    Fact("sys.techniques", SET, _("techniques"), "column", "techniques", _choices(Technique)),
    Fact(
        "sys.affected_public",
        SET,
        _("people affected"),
        "column",
        "affected_public",
        _choices(AffectedPublic),
    ),
    Fact("sys.in_house", BOOL, _("developed in-house"), "column", "developed_in_house"),
    Fact("sys.personal_data", BOOL, _("personal data"), "column", "personal_data"),
    Fact(
        "sys.special_category_data", BOOL, _("special categories of data"), "column", "special_category_data"
    ),
    Fact("sys.uses_biometric_data", BOOL, _("biometric data"), "column", "biometric_data"),
    Fact("sys.location_data", BOOL, _("location data"), "column", "location_data"),
    Fact(
        "sys.dpia_status",
        ENUM,
        _("DPIA status"),
        "column",
        "dpia_status",
        _choices(DpiaStatus, skip=("unknown",)),
    ),
    Fact(
        "sys.enables_activity_monitoring",
        BOOL,
        _("can monitor employees' activity"),
        "column",
        "can_monitor_activity",
    ),
    Fact("sys.logs_under_control", BOOL, _("logs under the organisation's control"), "column", "logs_kept"),
    Fact(
        "sys.decision_role",
        ENUM,
        _("decisions about persons"),
        "column",
        "decision_role",
        _choices(DecisionRole),
    ),
    Fact(
        "sys.legal_or_similarly_significant_effect",
        BOOL,
        _("legal or similarly significant effects"),
        "column",
        "legal_or_significant_effects",
    ),
    Fact("sys.used_at_workplace", BOOL, _("used at the workplace"), "column", "used_at_workplace"),
    Fact(
        "sys.new_technology_for_org",
        BOOL,
        _("new technology for the organisation"),
        "column",
        "new_technology_for_org",
    ),
    Fact(
        "sys.major_change_working_conditions",
        BOOL,
        _("important change to working conditions"),
        "column",
        "major_change_working_conditions",
    ),
    Fact("sys.pilot_start", DATE, _("pilot start"), "column", "pilot_started_on"),
    Fact("sys.go_live", DATE, _("go-live"), "column", "in_service_on"),
    Fact(
        "sys.role",
        ENUM,
        _("role of the organisation"),
        "column",
        "organisation_role",
        _choices(OrganisationRole),
    ),
    Fact(
        "sys.annex3_point",
        ENUM,
        _("Annex III point"),
        "column",
        "annex3_point",
        _choices(Annex3Point, skip=("unknown",)),
    ),
    Fact("sys.profiling", BOOL, _("profiling of natural persons"), "column", "profiling"),
    Fact(
        "sys.art6_3_exemption_documented",
        BOOL,
        _("art. 6(3) exemption documented"),
        "column",
        "art6_3_exemption_documented",
    ),
    Fact(
        "sys.registered_in_eu_database",
        BOOL,
        _("registered in the EU database"),
        "column",
        "registered_in_eu_database",
    ),
    Fact("sys.infers_emotions", BOOL, _("infers emotions"), "column", "infers_emotions"),
    Fact(
        "sys.biometric_categorisation",
        BOOL,
        _("biometric categorisation"),
        "column",
        "biometric_categorisation",
    ),
    Fact(
        "sys.generates_public_content",
        BOOL,
        _("generates content shown to the public"),
        "column",
        "generates_public_content",
    ),
]

# Facts the register record does not hold; the qualification questionnaire asks them.
_STORED = [
    Fact("sys.infers_outputs", BOOL, _("infers its outputs from the input it receives"), "stored"),
    Fact("sys.purpose_medical_or_safety", BOOL, _("used for medical or safety reasons"), "stored"),
    Fact("sys.used_in_education", BOOL, _("used in an education or training institution"), "stored"),
    Fact(
        "sys.generates_synthetic_content",
        BOOL,
        _("generates synthetic audio, image, video or text content"),
        "stored",
    ),
    Fact(
        "sys.infers_sensitive_traits",
        BOOL,
        _("infers race, opinions, union membership, beliefs or sex life"),
        "stored",
    ),
    Fact(
        "sys.social_scoring_detrimental",
        BOOL,
        _("scores persons on social behaviour with detrimental treatment"),
        "stored",
    ),
    Fact(
        "sys.generates_intimate_or_csam_content",
        BOOL,
        _("can generate non-consensual intimate content or CSAM"),
        "stored",
    ),
    Fact(
        "sys.placed_on_market_before_2026_08",
        BOOL,
        _("generative system placed on the market before 2 August 2026"),
        "stored",
    ),
    Fact("sys.first_use_date", DATE, _("date first placed on the market or put into service"), "stored"),
    Fact(
        "sys.significant_design_change",
        BOOL,
        _("significant change in design since 2 December 2027"),
        "stored",
    ),
    Fact("sys.deployer_controls_input_data", BOOL, _("the organisation controls the input data"), "stored"),
    Fact("sys.interacts_with_persons", BOOL, _("interacts directly with persons (chatbot)"), "stored"),
    Fact(
        "sys.generates_deepfake",
        BOOL,
        _("generates or manipulates images, audio or video (deepfake)"),
        "stored",
    ),
    Fact(
        "sys.publishes_ai_text_on_public_interest",
        BOOL,
        _("publishes AI text on matters of public interest"),
        "stored",
    ),
    Fact(
        "sys.human_editorial_control",
        BOOL,
        _("a person reviews the published content (editorial control)"),
        "stored",
    ),
    Fact(
        "sys.automated_personnel_management", BOOL, _("automated personnel-management processing"), "stored"
    ),
    Fact("sys.processing_occasional", BOOL, _("the processing is only occasional"), "stored"),
    Fact("sys.edpb_criteria_count", INT, _("number of EDPB high-risk criteria met"), "stored"),
    Fact("sys.cnil_constant_monitoring", BOOL, _("constant monitoring of employees' activity"), "stored"),
    Fact("sys.cnil_whistleblowing", BOOL, _("manages professional alerts or whistleblowing"), "stored"),
    Fact("sys.cnil_large_scale_location", BOOL, _("large-scale location data"), "stored"),
    Fact(
        "sys.cnil_profiling_external_data",
        BOOL,
        _("profiling with external data or that can exclude from a contract"),
        "stored",
    ),
    Fact("sys.reorganises_services", BOOL, _("affects how services are organised or run"), "stored"),
    Fact("sys.serious_incident", BOOL, _("a serious incident occurred"), "stored"),
    Fact(
        "sys.incident_awareness_date", DATE, _("date the organisation became aware of the incident"), "stored"
    ),
    Fact("sys.incident_death", BOOL, _("the incident caused a death"), "stored"),
    Fact(
        "sys.incident_widespread",
        BOOL,
        _("widespread infringement or critical-infrastructure disruption"),
        "stored",
    ),
    Fact("sys.provider_unreachable", BOOL, _("the provider cannot be reached"), "stored"),
    Fact("sys.consultation_info_date", DATE, _("date the staff body received the information"), "stored"),
    Fact("sys.expert_appointed", BOOL, _("the staff body appointed an expert"), "stored"),
    Fact(
        "sys.expertise_central_and_establishment",
        BOOL,
        _("expertises at central and establishment level"),
        "stored",
    ),
]

FACTS: dict[str, Fact] = {f.name: f for f in (*_ORG, *_COLUMNS, *_STORED)}
COLUMN_FACTS: dict[str, Fact] = {f.name: f for f in _COLUMNS}
STORED_FACTS: dict[str, Fact] = {f.name: f for f in _STORED}

_CSE_KINDS = {StaffBodyKind.CSE, StaffBodyKind.CENTRAL_CSE, StaffBodyKind.ESTABLISHMENT_CSE}
_YES_NO = {"yes": True, "no": False}


def organisation_facts(organisation: Organisation) -> dict[str, Any]:
    """The `org.*` facts (two queries: staff bodies and agreements), memoised on the instance so that an
    import of many rows or a whole-organisation re-evaluation reads them once."""
    cached = getattr(organisation, "_qualification_facts", None)
    if cached is not None:
        return cached
    kinds = set(organisation.staff_bodies.values_list("kind", flat=True))
    has_agreement = organisation.agreements.exists()
    facts = {
        "org.legal_form": organisation.legal_form,
        "org.fp": organisation.public_service_branch or "none",
        "org.is_public_authority": organisation.is_public_authority,
        "org.private_providing_public_service": organisation.private_providing_public_service,
        "org.headcount": organisation.headcount,
        "org.reached_11_for_12_months": organisation.reached_11_for_12_months,
        "org.reached_50_for_12_months": organisation.reached_50_for_12_months,
        "org.reached_250_for_12_months": organisation.reached_250_for_12_months,
        "org.has_cse": bool(kinds & _CSE_KINDS),
        "org.has_central_cse": StaffBodyKind.CENTRAL_CSE in kinds,
        "org.has_cssct": StaffBodyKind.CSSCT in kinds,
        "org.has_cst": StaffBodyKind.CST in kinds,
        "org.has_csa": StaffBodyKind.CSA in kinds,
        "org.has_f3sct": StaffBodyKind.F3SCT in kinds,
        "org.has_fs": StaffBodyKind.FS in kinds,
        "org.has_representative_union_section": organisation.has_union_section,
        "org.has_dpo": organisation.has_dpo,
        "org.has_agreement": has_agreement,
        "org.last_duerp_update": organisation.last_duerp_update,
    }
    organisation._qualification_facts = facts  # type: ignore[attr-defined]
    return facts


def forget_organisation_facts(organisation: Organisation) -> None:
    organisation.__dict__.pop("_qualification_facts", None)


def column_value(fact: Fact, raw: Any) -> Any:
    """A register column's value as a fact: "unknown" and empty values become None."""
    if fact.type == BOOL:
        if isinstance(raw, bool):
            return raw
        return _YES_NO.get(raw)
    if fact.type == SET:
        return frozenset(raw or ())
    if fact.type == ENUM:
        return raw if raw in fact.values else None
    return raw


_NO_ANSWERS = dict.fromkeys(STORED_FACTS)

# Column facts whose register field cannot say "unknown", with the field's default.
DEFAULT_ONLY_COLUMNS = {"sys.decision_role": "none", "sys.role": "deployer"}


def tool_facts(tool: Tool, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `sys.*` facts of a tool: its register columns plus the stored questionnaire answers."""
    facts = {name: column_value(f, getattr(tool, f.column)) for name, f in COLUMN_FACTS.items()}
    for name, default in DEFAULT_ONLY_COLUMNS.items():
        # These register columns have no "don't know" value. An answered "I don't know" keeps the fact
        # unknown while the column still holds its default; a later deliberate edit of the record wins.
        if (
            answers
            and name in answers
            and answers[name] is None
            and getattr(tool, COLUMN_FACTS[name].column) == default
        ):
            facts[name] = None
    if not answers:  # a tool never qualified (e.g. every row of an import): nothing to parse
        facts.update(_NO_ANSWERS)
        return facts
    for name, fact in STORED_FACTS.items():
        facts[name] = parse_value(fact, answers.get(name))
    return facts


def all_facts(tool: Tool, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**organisation_facts(tool.organisation), **tool_facts(tool, answers)}


class FactError(ValueError):
    pass


def parse_value(fact: Fact, value: Any) -> Any:
    """A JSON value for `fact`, checked and converted; None ("unknown") is always accepted."""
    if value is None or value == "unknown":
        return None
    if fact.type == BOOL:
        if isinstance(value, bool):
            return value
        if value in _YES_NO:
            return _YES_NO[value]
        raise FactError(_("expected true, false or null"))
    if fact.type == INT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FactError(_("expected a whole number, zero or more"))
        return value
    if fact.type == DATE:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise FactError(_("expected a date written YYYY-MM-DD")) from exc
    if fact.type == ENUM:
        if value not in fact.values:
            raise FactError(_("expected one of: %(values)s") % {"values": ", ".join(fact.values)})
        return value
    if fact.type == SET:
        if not isinstance(value, list | tuple | set | frozenset) or any(v not in fact.values for v in value):
            raise FactError(_("expected a list of: %(values)s") % {"values": ", ".join(fact.values)})
        return frozenset(value)
    raise FactError(_("unsupported value"))  # pragma: no cover - every type is handled above


def parse_facts(data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Facts posted as JSON (the `qualify --facts` file, the API): the converted facts and the errors, by
    fact name. Unknown names are errors, so a typo never silently reads as "unknown"."""
    if not isinstance(data, dict):
        return {}, {"": str(_("The facts must be a JSON object of fact names and values."))}
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in data.items():
        fact = FACTS.get(name)
        if fact is None:
            errors[str(name)] = str(_("unknown fact"))
            continue
        try:
            facts[name] = parse_value(fact, value)
        except FactError as exc:
            errors[name] = str(exc)
    return facts, errors


def json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value
