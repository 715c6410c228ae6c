"""Which column of the file gives which register field.

Columns are matched by field name, by the English or French label and by a list of usual names (the
French labels of the SECOIA format, and the names other public registers use), ignoring case, accents,
spaces and punctuation. A mapping file or the web mapping step can say it explicitly.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from revoyure.registry.fields import READ_ONLY_FIELDS, field_specs, importable_field_names
from revoyure.registry.importing.errors import ImportFileError

# Usual column names for each field, "|"-separated, as people write them (folded before use).
FIELD_ALIASES: dict[str, str] = {
    "name": (
        "nom|nom du système|nom du système d'IA|nom de l'outil|outil|système|système d'IA|tool"
        "|tool name|system|system name|titre|title|naam|algorithme|algorithm|nom de l'algorithme"
    ),
    "system_created_on": (
        "date de création|date de création du système|créé le|created on|creation date|date created"
    ),
    "vendor_version": "version|édition|version / édition|product version|version du produit",
    "status": "statut|état|state|phase|stade",
    "pilot_started_on": (
        "début du pilote|date de début du pilote|date du pilote|pilot start date|pilot date"
    ),
    "in_service_on": (
        "mise en service|date de mise en service|go-live|go live date|date de déploiement"
        "|deployment date|begin date|start date|date de début"
    ),
    "suspended_on": "date de suspension|suspended on",
    "withdrawn_on": "date de retrait|retrait|retiré le|end date|date de fin|withdrawn on",
    "vendor": (
        "fournisseur|éditeur|concepteur|vendor|provider|supplier|prestataire|fabricant|manufacturer"
        "|leverancier|aanbieder"
    ),
    "developed_in_house": "développé en interne|interne|in-house|in house|developed internally",
    "owner_department": (
        "service|direction|département|department|service responsable|équipe|team|business unit"
    ),
    "owner_name": "responsable|propriétaire|référent|owner|responsible person|responsable interne",
    "affected_public": (
        "public concerné|public concerné par l'utilisation du système|publics concernés"
        "|personnes concernées|affected public|affected people"
    ),
    "affected_workers_count": (
        "nombre de salariés concernés|nombre de travailleurs concernés"
        "|nombre d'agents concernés|workers affected|number of workers affected"
    ),
    "function": (
        "fonction|fonction remplie par le système|description|description courte"
        "|short description|description short|what it does|omschrijving"
    ),
    "purpose": "finalité|finalités|finalité du système|objectif|objectifs|but|goal|aim|doel",
    "specific_modalities": "modalités|modalités spécifiques|modalities|specific modalities",
    "domain_category": "catégorie|category|domaine|domain|catégorie d'usage",
    "techniques": (
        "technique|technologie|technologies|technology|méthode|méthodes|methods|methods and models"
    ),
    "is_ai_system": (
        "IA|AI|système d'IA au sens de l'AI Act|est-ce de l'IA|is AI|AI system|intelligence artificielle"
    ),
    "risk_fundamental_rights": "risque droits fondamentaux|risque sur les droits fondamentaux",
    "risk_health": "risque santé|risque sur la santé",
    "risk_safety": "risque sécurité|risque sur la sécurité",
    "security_measures": "mesures de sécurité",
    "user_trainings": "formations|formations dispensées aux utilisateurs|trainings",
    "human_oversight_persons": "contrôle humain|personnes chargées du contrôle humain|human oversight",
    "documents_provided": "documentation|documents mis à disposition",
    "code_of_conduct": "code de bonne conduite|code of conduct|charte",
    "other_trust_measures": "autres mesures|autres mesures de confiance",
    "personal_data": "données personnelles|données à caractère personnel|personal data",
    "personal_data_categories": (
        "catégories de données|catégories de données personnelles|data categories|source data"
    ),
    "special_category_data": "données sensibles|catégories particulières de données",
    "biometric_data": "données biométriques|biométrie",
    "location_data": "données de localisation|géolocalisation|localisation",
    "gdpr_record_reference": "registre RGPD|référence registre des traitements|registre des traitements",
    "dpia_status": "AIPD|statut AIPD|DPIA|analyse d'impact",
    "dpia_link": "lien AIPD|référence AIPD|DPIA link",
    "data_retention": "durée de conservation|conservation des données|retention",
    "can_monitor_activity": (
        "surveillance|surveillance de l'activité|peut surveiller l'activité"
        "|monitoring|can monitor|contrôle de l'activité"
    ),
    "monitoring_details": "détails de la surveillance|surveillance détails",
    "logs_kept": "journaux|journalisation|logs",
    "logs_retention": "conservation des journaux|durée de conservation des journaux",
    "decision_role": "décisions|décisions sur les personnes|rôle dans la décision|decision role",
    "legal_or_significant_effects": "effets juridiques|effets juridiques ou significatifs",
    "used_at_workplace": "utilisé au travail|utilisé sur le lieu de travail",
    "new_technology_for_org": "nouvelle technologie|nouvelle technologie pour l'organisation",
    "major_change_working_conditions": (
        "changement important des conditions de travail|modification importante des conditions de travail"
    ),
    "number_of_sites": "nombre de sites|sites",
    "project_cost": "coût|coût du projet|cost|budget",
    "environmental_footprint": "empreinte environnementale|impact environnemental",
    "procurement_notes": "contrats|achats|contrats et achats|contracts|procurement",
    "organisation_role": "rôle de l'organisation|rôle AI Act|role AI Act",
    "annex3_point": "annexe III|point de l'annexe III|annex III|annex III point",
    "profiling": "profilage",
    "art6_3_exemption_documented": "exemption article 6(3)|exemption art. 6(3)",
    "registered_in_eu_database": "enregistré dans la base de l'UE|base de données de l'UE",
    "infers_emotions": "reconnaissance des émotions|émotions|inférence des émotions",
    "biometric_categorisation": "catégorisation biométrique",
    "generates_public_content": "contenu généré|génère du contenu public",
    "staff_impact": (
        "impact pour les salariés|ce que cela signifie pour les salariés|impact"
        "|effets pour le personnel|what it means for staff"
    ),
    "staff_contact": "contact|contact salariés|contact email|e-mail|email",
}


def fold(text: Any) -> str:
    """Lower case, no accents, letters and digits only: how column names and values are compared."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


@cache
def _lookup() -> dict[str, str]:
    """Folded column name → register field. Earlier sources win: field names, labels, then aliases."""
    lookup: dict[str, str] = {}
    importable = set(importable_field_names())
    specs = [s for s in field_specs() if s.name in importable]
    candidates: list[tuple[str, str]] = [(s.name, s.name) for s in specs]
    for language in ("en", "fr"):
        with translation.override(language):
            candidates += [(str(s.label), s.name) for s in specs]
    candidates += [(alias, name) for name, aliases in FIELD_ALIASES.items() for alias in aliases.split("|")]
    for text, name in candidates:
        key = fold(text)
        if key:
            lookup.setdefault(key, name)
    return lookup


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Register field → the first column that looks like it."""
    lookup = _lookup()
    mapping: dict[str, str] = {}
    for column in columns:
        name = lookup.get(fold(column))
        if name and name not in mapping:
            mapping[name] = column
    return mapping


def load_mapping_file(path: Path) -> dict[str, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ImportFileError(
            _("The mapping file could not be read: %(error)s") % {"error": exc.strerror or exc}
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(_("The mapping file is not valid JSON: %(error)s.") % {"error": exc}) from exc
    return parse_mapping(data)


def parse_mapping(data: Any) -> dict[str, str | None]:
    if not isinstance(data, dict) or not all(isinstance(v, str) or v is None for v in data.values()):
        raise ImportFileError(_("The mapping must be a JSON object {“register field”: “column name”}."))
    return {str(k): v for k, v in data.items()}


def resolve_mapping(
    columns: list[str], explicit: dict[str, str | None] | None = None, *, auto: bool = True
) -> tuple[dict[str, str], list[str]]:
    """The mapping to use (register field → column) and warnings about ignored columns.

    An explicit mapping wins; with `auto`, fields it does not name are still matched automatically from the
    columns it does not use. A field mapped to null or "" is not imported."""
    explicit = explicit or {}
    importable = set(importable_field_names())
    problems = []
    mapping: dict[str, str] = {}
    for name, column in explicit.items():
        if name in READ_ONLY_FIELDS:
            problems.append(
                _("Mapping: the field “%(field)s” is maintained automatically and cannot be imported.")
                % {"field": name}
            )
        elif name not in importable:
            problems.append(
                _("Mapping: “%(field)s” is not a register field (see import_register --list-fields).")
                % {"field": name}
            )
        elif column and column not in columns:
            problems.append(
                _(
                    "Mapping: the column “%(column)s” given for the field “%(field)s” is not in the "
                    "file. Its columns are: %(columns)s."
                )
                % {"column": column, "field": name, "columns": ", ".join(columns) or "—"}
            )
        elif column:
            mapping[name] = column
    if problems:
        raise ImportFileError(*problems)
    if auto:
        used = set(mapping.values())
        for name, column in suggest_mapping([c for c in columns if c not in used]).items():
            if name not in explicit:
                mapping.setdefault(name, column)
    if "name" not in mapping:
        raise ImportFileError(
            _(
                "No column gives the system name (field “name”). Name a column “name” or "
                "“Nom”, or give a mapping. The file's columns are: %(columns)s."
            )
            % {"columns": ", ".join(columns) or "—"}
        )
    used = set(mapping.values())
    lookup = _lookup()
    notes = []
    for column in columns:
        if column in used:
            continue
        if fold(column) in {fold(f) for f in READ_ONLY_FIELDS}:
            notes.append(
                _("Column “%(column)s” ignored: it is maintained automatically.") % {"column": column}
            )
        elif lookup.get(fold(column)):
            notes.append(
                _("Column “%(column)s” ignored: its field is already given by another column.")
                % {"column": column}
            )
        else:
            notes.append(_("Column “%(column)s” ignored: it matches no register field.") % {"column": column})
    return mapping, notes
