"""Scale data for the benchmark (PRODUCT.md §4): many organisations, each with a realistic register whose
tools have several versions in their history.

Deterministic: the same parameters and seed on an empty database give the same rows (dates included: they
are drawn from the seed, not from the clock). Fast: rows are built in memory and written in bulk
(`bulk_create` for organisations, people and vendors; multi-row `executemany` for the tools and their
`HistoricalTool` rows, see `_RowWriter`), one transaction per chunk of organisations, with no per-row query
and a single audit entry for the whole run (the rows are synthetic; the log records that they were
generated, and how). The reference dataset (1,000 x 100 x 5) takes about two minutes on SQLite.

Who can log in: each organisation gets one member per role (admin, delegate, management, staff
representative, committee, employee, auditor) with an unusable password, plus one shared **bench user**
(`BENCH_EMAIL` / `BENCH_PASSWORD`) who is AI delegate of every generated organisation, so that one session
can drive requests across all of them. Never generate scale data on a real installation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connections, models, router, transaction

from revoyure.core import audit
from revoyure.core.permissions import Role
from revoyure.organisations.models import PUBLIC_LEGAL_FORMS, LegalForm, Membership, Organisation
from revoyure.registry.choices import (
    Annex3Point,
    DomainCategory,
    DpiaStatus,
    OrganisationRole,
    ToolStatus,
)
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.search import SEARCHED_FIELDS, build_document

SLUG_PREFIX = "scale-"
EMAIL_DOMAIN = "scale.revoyure.example"
BENCH_EMAIL = f"bench@{EMAIL_DOMAIN}"
BENCH_PASSWORD = "revoyure-bench-2026"  # noqa: S105 - synthetic benchmark account, documented on purpose
VENDOR_COUNT = 200
# Every date is drawn between these two, whatever the day the data is generated.
FIRST_DAY = dt.datetime(2020, 1, 6, 8, 0, tzinfo=dt.UTC)
LAST_DAY = dt.datetime(2026, 10, 30, 18, 0, tzinfo=dt.UTC)
# Roughly this many tools are written per transaction.
TOOLS_PER_TRANSACTION = 5000
BATCH_SIZE = 2000

MEMBER_ROLES = (
    Role.ORG_ADMIN,
    Role.DELEGATE,
    Role.MANAGEMENT,
    Role.STAFF_REP,
    Role.COMMITTEE,
    Role.EMPLOYEE,
    Role.AUDITOR,
)


@dataclass(frozen=True)
class ScaleParams:
    organisations: int
    tools_per_organisation: int
    versions: int
    seed: int = 2026

    def __post_init__(self) -> None:
        if self.organisations < 1 or self.tools_per_organisation < 0 or self.versions < 1:
            raise ValueError("organisations ≥ 1, tools per organisation ≥ 0 and versions ≥ 1 are required")


@dataclass(frozen=True)
class ScaleReport:
    organisations: int
    users: int
    vendors: int
    tools: int
    history_rows: int
    seconds: float


class ScaleDataExists(Exception):
    """Scale data is already in this database: generating again would mix two datasets."""


# Vocabulary: realistic French text, kept as data (scale_vocabulary.json) ----------------------------------

_VOCABULARY: dict[str, Any] = json.loads(Path(__file__).with_name("scale_vocabulary.json").read_text("utf-8"))
FIRST_NAMES: tuple[str, ...] = tuple(_VOCABULARY["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(_VOCABULARY["last_names"])
PLACES = tuple((p["town"], p["region"], p["department"]) for p in _VOCABULARY["places"])
# (legal form, name patterns, NAF codes, headcount range)
ORGANISATION_KINDS = tuple(
    (LegalForm(k["legal_form"]), tuple(k["names"]), tuple(k["naf_codes"]), tuple(k["headcount"]))
    for k in _VOCABULARY["organisation_kinds"]
)
_BRANCH = {
    LegalForm.LOCAL_AUTHORITY: "territoriale",
    LegalForm.HOSPITAL: "hospitaliere",
    LegalForm.STATE_ADMINISTRATION: "etat",
    LegalForm.PUBLIC_ESTABLISHMENT: "territoriale",
}
VENDOR_STEMS: tuple[str, ...] = tuple(_VOCABULARY["vendor_stems"])
VENDOR_ENDINGS: tuple[str, ...] = tuple(_VOCABULARY["vendor_endings"])
VENDOR_FORMS: tuple[str, ...] = tuple(_VOCABULARY["vendor_forms"])
VENDOR_COUNTRIES = tuple((c["country"], c["in_eu"]) for c in _VOCABULARY["vendor_countries"])
DEPARTMENTS: tuple[str, ...] = tuple(_VOCABULARY["departments"])
QUALIFIERS: tuple[str, ...] = tuple(_VOCABULARY["qualifiers"])


@dataclass(frozen=True)
class Archetype:
    """What tools of one domain category typically are, said the way an organisation would write it."""

    category: str
    products: tuple[str, ...]
    function: str
    purposes: tuple[str, ...]
    modalities: tuple[str, ...]
    techniques: tuple[str, ...]
    is_ai: str
    publics: tuple[str, ...]
    data: str
    monitors: str
    annex3: str
    decision: str
    impacts: tuple[str, ...]


ARCHETYPES = tuple(
    Archetype(
        **cast(
            dict[str, Any], {k: tuple(v) if isinstance(v, list) else v for k, v in a.items() if k != "weight"}
        )
    )
    for a in _VOCABULARY["archetypes"]
)
ARCHETYPE_WEIGHTS = tuple(a["weight"] for a in _VOCABULARY["archetypes"])
RISK_JUSTIFICATIONS = {
    int(level): tuple(texts) for level, texts in _VOCABULARY["risk_justifications"].items()
}
RIGHTS = {
    domain: tuple((e["measures"], e["evidence"]) for e in entries)
    for domain, entries in _VOCABULARY["rights"].items()
}
SECURITY_MEASURES = tuple((m["type"], m["description"]) for m in _VOCABULARY["security_measures"])
TRAININGS = tuple((t["title"], t["audience"]) for t in _VOCABULARY["trainings"])
OVERSIGHT: tuple[str, ...] = tuple(_VOCABULARY["oversight"])
DOCUMENTS: tuple[str, ...] = tuple(_VOCABULARY["documents"])
CONDUCT: tuple[str, ...] = tuple(_VOCABULARY["conduct"])
OTHER_MEASURES: tuple[str, ...] = tuple(_VOCABULARY["other_measures"])
FOOTPRINT: tuple[str, ...] = tuple(_VOCABULARY["footprint"])
PROCUREMENT: tuple[str, ...] = tuple(_VOCABULARY["procurement"])
RETENTION: tuple[str, ...] = tuple(_VOCABULARY["retention"])
CONTACTS: tuple[str, ...] = tuple(_VOCABULARY["contacts"])
UPDATE_REASONS: dict[str, str] = _VOCABULARY["update_reasons"]
STATUS_REASONS: dict[str, str] = _VOCABULARY["status_reasons"]

_STATUS_DATE_FIELD: dict[str, str] = {
    ToolStatus.PILOT: "pilot_started_on",
    ToolStatus.IN_SERVICE: "in_service_on",
    ToolStatus.SUSPENDED: "suspended_on",
    ToolStatus.WITHDRAWN: "withdrawn_on",
}
# Final statuses and how a tool got there (the lifecycle of choices.STATUS_TRANSITIONS).
STATUS_PATHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (55, (ToolStatus.PROJECT, ToolStatus.PILOT, ToolStatus.IN_SERVICE)),
    (15, (ToolStatus.PROJECT, ToolStatus.PILOT)),
    (15, (ToolStatus.PROJECT,)),
    (10, (ToolStatus.PROJECT, ToolStatus.IN_SERVICE, ToolStatus.SUSPENDED)),
    (5, (ToolStatus.PROJECT, ToolStatus.PILOT, ToolStatus.WITHDRAWN)),
)


# Generation ----------------------------------------------------------------------------------------------


@contextmanager
def _dates_from_the_data() -> Iterator[None]:
    """Let `bulk_create` keep the generated creation and update dates instead of stamping the clock (which
    would make two runs differ). Only for the duration of the generation."""
    fields = [
        Tool._meta.get_field("created_at"),
        Tool._meta.get_field("updated_at"),
        Organisation._meta.get_field("created_at"),
        Membership._meta.get_field("created_at"),
        Vendor._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for field in fields:
            field.auto_now = field.auto_now_add = False
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _moment(rng: random.Random, start: dt.datetime = FIRST_DAY, end: dt.datetime = LAST_DAY) -> dt.datetime:
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randrange(max(span, 1)))


def _unusable_password(rng: random.Random) -> str:
    # The form Django's set_unusable_password() writes, drawn from the seed instead of the system RNG.
    return "!" + "".join(rng.choices(string.ascii_letters + string.digits, k=40))


def _bulk_create_with_keys(model: type[models.Model], objects: list[Any]) -> None:
    model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
    # The history rows need the new primary keys: PostgreSQL and SQLite ≥ 3.35 return them.
    if objects and objects[0].pk is None:
        raise RuntimeError(
            "This database does not return primary keys from bulk inserts (SQLite ≥ 3.35 needed)."
        )


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _apply_update(
    state: dict[str, Any], change: str, kind: Archetype, moment: dt.datetime, rng: random.Random
) -> str:
    """Apply one kind of register update to `state`; return its reason."""
    reason = UPDATE_REASONS[change]
    if change == "version":
        major, minor = (int(p) for p in state["vendor_version"].split(".")[:2])
        state["vendor_version"] = f"{major}.{minor + 1}" if rng.random() < 0.7 else f"{major + 1}.0"
        reason = reason.format(version=state["vendor_version"])
    elif change == "risk":
        level = rng.randint(1, 4)
        state["risk_fundamental_rights"] = level
        state["risk_fundamental_rights_justification"] = rng.choice(RISK_JUSTIFICATIONS[level])
    elif change == "impact":
        state["staff_impact"] = rng.choice(kind.impacts) + " Les représentants du personnel ont été informés."
    elif change == "training":
        title, audience = rng.choice(TRAININGS)
        state["user_trainings"] = [
            *state["user_trainings"],
            {
                "title": title,
                "audience": audience,
                "date": moment.date().isoformat(),
                "people_trained": rng.randint(3, 250),
            },
        ]
    elif change == "dpia":
        state["dpia_status"] = DpiaStatus.DONE
        state["dpia_link"] = f"AIPD-{moment.year}-{rng.randint(1, 99):03d}"
    elif change == "owner":
        state["owner_name"] = _person(rng)
    else:
        state["monitoring_details"] = (
            f"Les données de connexion sont conservées {rng.choice(RETENTION[:3])} "
            "et consultées seulement en cas d'incident."
        )
    return reason


class _Generator:
    def __init__(self, params: ScaleParams) -> None:
        self.params = params
        self.rng = random.Random(params.seed)  # noqa: S311 - reproducible data, not secrets
        self.user_model = get_user_model()
        self.history_user_ids: dict[int, list[int]] = {}
        self.vendors: list[Vendor] = []
        self.tools = 0
        self.history_rows = 0
        self.users = 0

    # People and organisations ---------------------------------------------------------------------------

    def organisations(self) -> list[Organisation]:
        rng = self.rng
        width = max(4, len(str(self.params.organisations)))
        organisations, history = [], []
        used_names: set[str] = set()
        for index in range(1, self.params.organisations + 1):
            legal_form, patterns, naf_codes, (low, high) = rng.choice(ORGANISATION_KINDS)
            place, region, department = rng.choice(PLACES)
            name = rng.choice(patterns).format(name=rng.choice(LAST_NAMES), place=place)
            if name in used_names:
                name = f"{name} ({index})"
            used_names.add(name)
            headcount = rng.randint(low, high)
            public = legal_form in PUBLIC_LEGAL_FORMS
            created = _moment(rng, FIRST_DAY, FIRST_DAY + dt.timedelta(days=200))
            organisation = Organisation(
                name=name,
                slug=f"{SLUG_PREFIX}{index:0{width}d}",
                legal_form=legal_form,
                is_public_sector=public,
                public_service_branch=_BRANCH.get(legal_form, ""),
                is_public_authority=public,
                headcount=headcount,
                reached_11_for_12_months=headcount >= 11,
                reached_50_for_12_months=headcount >= 50,
                reached_250_for_12_months=headcount >= 250,
                naf_code=rng.choice(naf_codes),
                region=region,
                department=department,
                has_union_section=headcount >= 50 and rng.random() < 0.7,
                has_dpo=headcount >= 250 or public,
                contact_email=f"delegue-ia@{SLUG_PREFIX}{index}.{EMAIL_DOMAIN}",
                created_at=created,
            )
            organisations.append(organisation)
        _bulk_create_with_keys(Organisation, organisations)
        history_model = Organisation.history.model
        names = [f.attname for f in Organisation._meta.concrete_fields]
        for organisation in organisations:
            history.append(
                history_model(
                    **{n: getattr(organisation, n) for n in names},
                    history_date=organisation.created_at,
                    history_type="+",
                    history_change_reason="Organisation créée (données de volume)",
                )
            )
        history_model.objects.bulk_create(history, batch_size=BATCH_SIZE)
        return organisations

    def people(self, organisations: list[Organisation]) -> None:
        rng = self.rng
        bench = self.user_model(
            email=BENCH_EMAIL,
            full_name="Banc d'essai",
            password=make_password(
                BENCH_PASSWORD, salt=hashlib.sha256(f"bench-{self.params.seed}".encode()).hexdigest()[:22]
            ),
            date_joined=FIRST_DAY,
        )
        users = [bench]
        for organisation in organisations:
            for role in MEMBER_ROLES:
                full_name = _person(rng)
                users.append(
                    self.user_model(
                        email=f"{role.replace('_', '-')}@{organisation.slug}.{EMAIL_DOMAIN}",
                        full_name=full_name,
                        password=_unusable_password(rng),
                        date_joined=organisation.created_at,
                    )
                )
        self.user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
        self.users = len(users)
        by_email = dict(
            self.user_model.objects.filter(email__endswith=EMAIL_DOMAIN).values_list("email", "pk")
        )
        memberships = []
        for organisation in organisations:
            ids = []
            for role in MEMBER_ROLES:
                user_id = by_email[f"{role.replace('_', '-')}@{organisation.slug}.{EMAIL_DOMAIN}"]
                memberships.append(
                    Membership(
                        organisation=organisation,
                        user_id=user_id,
                        role=role,
                        created_at=organisation.created_at,
                    )
                )
                if role in (Role.DELEGATE, Role.MANAGEMENT):
                    ids.append(user_id)
            memberships.append(
                Membership(
                    organisation=organisation,
                    user_id=by_email[BENCH_EMAIL],
                    role=Role.DELEGATE,
                    created_at=organisation.created_at,
                )
            )
            self.history_user_ids[organisation.pk] = ids
        Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)

    def vendors_(self) -> None:
        rng = self.rng
        existing = {name.lower() for name in Vendor.objects.values_list("name", flat=True)}
        wanted: list[Vendor] = []
        names: set[str] = set()
        while len(wanted) < VENDOR_COUNT:
            form = rng.choice(VENDOR_FORMS)
            name = f"{rng.choice(VENDOR_STEMS)}{rng.choice(VENDOR_ENDINGS)} {form}".strip()
            if name.lower() in names:
                continue
            names.add(name.lower())
            country, in_eu = rng.choice(VENDOR_COUNTRIES)
            slug = name.split()[0].lower()
            wanted.append(
                Vendor(
                    name=name,
                    country=country,
                    in_eu=in_eu,
                    alert_contact_email=f"alertes@{slug}.example",
                    website=f"https://www.{slug}.example/",
                    description=f"Éditeur de logiciels ({country}).",
                    created_at=FIRST_DAY,
                )
            )
        new = [v for v in wanted if v.name.lower() not in existing]
        Vendor.objects.bulk_create(new, batch_size=BATCH_SIZE)
        by_name = {v.name.lower(): v for v in Vendor.objects.all()}
        self.vendors = [by_name[v.name.lower()] for v in wanted]
        history_model = Vendor.history.model
        attnames = [f.attname for f in Vendor._meta.concrete_fields]
        history_model.objects.bulk_create(
            [
                history_model(
                    **{n: getattr(by_name[v.name.lower()], n) for n in attnames},
                    history_date=FIRST_DAY,
                    history_type="+",
                    history_change_reason="Éditeur enregistré (données de volume)",
                )
                for v in new
            ],
            batch_size=BATCH_SIZE,
        )

    # Tools and their versions ---------------------------------------------------------------------------

    def tool_versions(
        self, organisation: Organisation, used_names: set[str]
    ) -> list[tuple[dict[str, Any], str]]:
        """The successive states of one tool, each with the reason of the change that produced it."""
        rng = self.rng
        kind = rng.choices(ARCHETYPES, weights=ARCHETYPE_WEIGHTS)[0]
        name = f"{rng.choice(kind.products)} — {rng.choice(QUALIFIERS)}"
        suffix = 2
        base = name
        while name in used_names:
            name = f"{base} ({suffix})"
            suffix += 1
        used_names.add(name)
        vendor = rng.choice(self.vendors) if rng.random() < 0.9 else None
        risk_rights, risk_health, risk_safety = (rng.choice((None, 1, 2, 3, 4)) for _ in range(3))
        rights: dict[str, str] = {}
        for domain, options in RIGHTS.items():
            measure, evidence = rng.choice(options)
            rights[f"rights_{domain}_measures"] = measure
            rights[f"rights_{domain}_evidence"] = evidence if rng.random() < 0.7 else ""
        personal = "yes" if "Aucune" not in kind.data else "no"
        workers = rng.choice((None, rng.randint(5, 40), rng.randint(40, 400), rng.randint(400, 4000)))
        state: dict[str, Any] = {
            "name": name,
            "system_created_on": (FIRST_DAY + dt.timedelta(days=rng.randrange(2000))).date(),
            "vendor_version": f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
            "status": ToolStatus.PROJECT,
            "pilot_started_on": None,
            "in_service_on": None,
            "suspended_on": None,
            "withdrawn_on": None,
            "vendor_id": vendor.pk if vendor else None,
            "developed_in_house": vendor is None,
            "owner_department": rng.choice(DEPARTMENTS),
            "owner_name": _person(rng),
            "affected_public": list(kind.publics),
            "affected_public_details": f"{rng.choice(QUALIFIERS).capitalize()} : "
            f"environ {workers or 'quelques'} "
            "personnes concernées",
            "affected_workers_count": workers,
            "function": kind.function,
            "purpose": rng.choice(kind.purposes),
            "specific_modalities": rng.choice(kind.modalities),
            "domain_category": kind.category,
            "techniques": list(kind.techniques),
            "is_ai_system": kind.is_ai,
            "risk_fundamental_rights": risk_rights,
            "risk_fundamental_rights_justification": rng.choice(RISK_JUSTIFICATIONS[risk_rights])
            if risk_rights
            else "",
            "risk_health": risk_health,
            "risk_health_justification": rng.choice(RISK_JUSTIFICATIONS[risk_health]) if risk_health else "",
            "risk_safety": risk_safety,
            "risk_safety_justification": rng.choice(RISK_JUSTIFICATIONS[risk_safety]) if risk_safety else "",
            **rights,
            "security_measures": [
                {"type": str(t), "description": d}
                for t, d in rng.sample(SECURITY_MEASURES, rng.randint(1, 3))
            ],
            "user_trainings": [],
            "human_oversight_persons": rng.choice(OVERSIGHT),
            "documents_provided": rng.choice(DOCUMENTS),
            "code_of_conduct": rng.choice(CONDUCT),
            "other_trust_measures": rng.choice(OTHER_MEASURES),
            "personal_data": personal,
            "personal_data_categories": kind.data if personal == "yes" else "",
            "special_category_data": rng.choice(("no", "no", "unknown")),
            "biometric_data": "no",
            "location_data": "yes" if "Position" in kind.data else "no",
            "gdpr_record_reference": f"Registre des traitements, fiche n° {rng.randint(1, 120)}"
            if personal == "yes"
            else "",
            "dpia_status": DpiaStatus.TO_DO if personal == "yes" else DpiaStatus.NOT_REQUIRED,
            "dpia_link": "",
            "data_retention": rng.choice(RETENTION) if personal == "yes" else "",
            "can_monitor_activity": kind.monitors,
            "monitoring_details": "Les données permettent de connaître l'activité des personnes au travail."
            if kind.monitors == "yes"
            else "",
            "logs_kept": rng.choice(("yes", "no", "unknown")),
            "logs_retention": rng.choice(RETENTION[:3]),
            "decision_role": kind.decision,
            "legal_or_significant_effects": "yes" if kind.annex3 == Annex3Point.RECRUITMENT else "no",
            "used_at_workplace": "yes",
            "new_technology_for_org": rng.choice(("yes", "no")),
            "major_change_working_conditions": rng.choice(("yes", "no", "unknown")),
            "number_of_sites": rng.randint(1, 30),
            "project_cost": Decimal(rng.randrange(2_000, 900_000, 500)),
            "environmental_footprint": rng.choice(FOOTPRINT),
            "procurement_notes": rng.choice(PROCUREMENT),
            "organisation_role": OrganisationRole.PROVIDER_IN_HOUSE
            if vendor is None
            else OrganisationRole.DEPLOYER,
            "annex3_point": kind.annex3,
            "profiling": "yes"
            if kind.annex3 in (Annex3Point.RECRUITMENT, Annex3Point.WORK_RELATIONSHIPS)
            else "no",
            "art6_3_exemption_documented": "no",
            "registered_in_eu_database": "unknown",
            "infers_emotions": "no",
            "biometric_categorisation": "no",
            "generates_public_content": "yes" if kind.category == DomainCategory.CHATBOT else "no",
            "staff_impact": rng.choice(kind.impacts),
            "staff_contact": rng.choice(CONTACTS),
        }
        _, path = rng.choices(STATUS_PATHS, weights=[w for w, _ in STATUS_PATHS])[0]
        updates = self.params.versions - 1
        # With few versions, the tool enters the register already further along its lifecycle (an import).
        path = path[max(0, len(path) - 1 - updates) :]
        moments = sorted(_moment(rng, organisation.created_at, LAST_DAY) for _ in range(updates + 1))
        state["status"] = path[0]
        if path[0] in _STATUS_DATE_FIELD:
            state[_STATUS_DATE_FIELD[path[0]]] = moments[0].date()
        versions: list[tuple[dict[str, Any], str]] = [(state, "Inscription au registre")]
        status_steps = list(path[1:])
        update_kinds = list(UPDATE_REASONS)
        for position in range(updates):
            state = dict(state)
            moment = moments[position + 1]
            remaining = updates - position
            if status_steps and (remaining <= len(status_steps) or rng.random() < 0.4):
                status = status_steps.pop(0)
                state["status"] = status
                state[_STATUS_DATE_FIELD[status]] = moment.date()
                reason = STATUS_REASONS[status]
            else:
                reason = _apply_update(state, rng.choice(update_kinds), kind, moment, rng)
                if state == versions[-1][0]:  # the drawn change restated the current value
                    reason = _apply_update(state, "version", kind, moment, rng)
            versions.append((state, reason))
        for (version_state, _), moment in zip(versions, moments, strict=True):
            version_state["_at"] = moment
        return versions

    def write_tools(self, organisations: list[Organisation]) -> None:
        """Tools of a chunk of organisations, then every version of each as history rows."""
        tools = _RowWriter(Tool, exclude={"id"})
        history = _RowWriter(Tool.history.model, exclude={"history_id"})
        vendor_names = {v.pk: v.name for v in self.vendors}
        versions_of: list[tuple[int, str, list[tuple[dict[str, Any], str]]]] = []
        for organisation in organisations:
            used_names: set[str] = set()
            for _ in range(self.params.tools_per_organisation):
                versions = self.tool_versions(organisation, used_names)
                final = dict(versions[-1][0])
                texts = [str(final.get(f) or "") for f in SEARCHED_FIELDS]
                if final["vendor_id"]:
                    texts.append(vendor_names[final["vendor_id"]])
                final.update(
                    organisation_id=organisation.pk,
                    created_at=versions[0][0]["_at"],
                    updated_at=final["_at"],
                    search_document=build_document(texts),
                )
                tools.add(final)
                versions_of.append((organisation.pk, final["name"], versions))
        tools.write()
        # One query per chunk (not per tool) brings back the new primary keys; names are unique per
        # organisation.
        ids = {
            (org_id, name): pk
            for org_id, name, pk in Tool.objects.filter(organisation__in=organisations).values_list(
                "organisation_id", "name", "pk"
            )
        }
        for org_id, name, versions in versions_of:
            tool_id = ids[(org_id, name)]
            user_ids = self.history_user_ids[org_id]
            created_at = versions[0][0]["_at"]
            for number, (state, reason) in enumerate(versions):
                history.add(
                    {
                        **state,
                        "id": tool_id,
                        "organisation_id": org_id,
                        "created_at": created_at,
                        "updated_at": state["_at"],
                        "history_date": state["_at"],
                        "history_type": "+" if number == 0 else "~",
                        "history_change_reason": reason,
                        "history_user_id": self.rng.choice(user_ids),
                    }
                )
        history.write()
        self.tools += len(versions_of)
        self.history_rows += history.written


class _RowWriter:
    """Plain multi-row INSERTs (`executemany`) of prepared values.

    `bulk_create` spends about 10 µs of Python per value; a tool row has some 80 columns, so the 600,000 tool
    and history rows of the reference dataset took over ten minutes that way. Here only the values whose type
    needs it (dates, JSON, decimals) go through the field's own database preparation, memoised, and the rows
    go to the driver in large `executemany` calls.
    """

    def __init__(self, model: type[models.Model], exclude: set[str]) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in exclude]
        self.rows: list[list[Any]] = []
        self.written = 0
        self.memos: list[dict[int, tuple[Any, Any]]] = []
        self.converters: list[Callable[[Any], Any] | None] = [self._converter(f) for f in self.fields]

    def _converter(self, field: models.Field) -> Callable[[Any], Any] | None:
        prepare = partial(field.get_db_prep_save, connection=self.connection)
        if isinstance(field, models.JSONField):
            return self._by_identity(prepare)
        if isinstance(field, models.DateField | models.DecimalField):
            return lru_cache(maxsize=65536)(prepare)
        # Everything else (text, numbers, booleans, str-based choice enums) goes to the driver as it is.
        return None

    def _by_identity(self, prepare: Callable[[Any], Any]) -> Callable[[Any], Any]:
        # Successive versions of a tool share the same list objects until a change replaces them.
        memo: dict[int, tuple[Any, Any]] = {}
        self.memos.append(memo)

        def convert(value: Any) -> Any:
            hit = memo.get(id(value))
            if hit is None or hit[0] is not value:
                hit = memo[id(value)] = (value, prepare(value))
            return hit[1]

        return convert

    def add(self, values: dict[str, Any]) -> None:
        self.rows.append(
            [
                values[f.attname] if convert is None else convert(values[f.attname])
                for f, convert in zip(self.fields, self.converters, strict=True)
            ]
        )

    def write(self) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        sql = f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        with self.connection.cursor() as cursor:
            for start in range(0, len(self.rows), BATCH_SIZE):
                cursor.executemany(sql, self.rows[start : start + BATCH_SIZE])
        self.written += len(self.rows)
        self.rows = []
        for memo in self.memos:
            memo.clear()


def existing_scale_data() -> bool:
    return (
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        or get_user_model().objects.filter(email=BENCH_EMAIL).exists()
    )


def generate(params: ScaleParams, progress: Callable[[int, int], None] | None = None) -> ScaleReport:
    """Write the scale dataset. Raises ScaleDataExists if this database already holds one."""
    started = time.monotonic()
    if existing_scale_data():
        raise ScaleDataExists(
            f"Scale data already exists in this database (organisations '{SLUG_PREFIX}…' or "
            f"{BENCH_EMAIL}); generate it into an empty database."
        )
    generator = _Generator(params)
    per_chunk = max(1, TOOLS_PER_TRANSACTION // max(1, params.tools_per_organisation))
    with _dates_from_the_data():
        with transaction.atomic():
            organisations = generator.organisations()
            generator.people(organisations)
            generator.vendors_()
        for start in range(0, len(organisations), per_chunk):
            chunk = organisations[start : start + per_chunk]
            with transaction.atomic():
                generator.write_tools(chunk)
            if progress:
                progress(start + len(chunk), len(organisations))
    report = ScaleReport(
        organisations=len(organisations),
        users=generator.users,
        vendors=len(generator.vendors),
        tools=generator.tools,
        history_rows=generator.history_rows,
        seconds=round(time.monotonic() - started, 1),
    )
    with transaction.atomic():
        audit.record(
            "scale_data.generated",
            data={
                "organisations": params.organisations,
                "tools_per_organisation": params.tools_per_organisation,
                "versions": params.versions,
                "seed": params.seed,
                "tools": report.tools,
                "history_rows": report.history_rows,
                "bench_user": BENCH_EMAIL,
            },
        )
    return report
