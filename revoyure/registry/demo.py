"""The demo organisation loaded by `seed_demo` and `make run`: one account per role and a realistic
register, written through the services so that history and audit log are real."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from revoyure.core import hooks
from revoyure.core.permissions import Role
from revoyure.organisations.models import LegalForm, Organisation, StaffBodyKind
from revoyure.organisations.services import (
    create_agreement,
    create_organisation,
    create_staff_body,
    set_member_roles,
)
from revoyure.registry import services
from revoyure.registry.choices import ToolStatus

DEMO_SLUG = "demo"
DEMO_PASSWORD = "revoyure-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only

DEMO_ACCOUNTS: list[tuple[str, str, list[str]]] = [
    ("admin@demo.revoyure.fr", "Alice Martin", [Role.ORG_ADMIN]),
    ("delegue@demo.revoyure.fr", "Daniel Petit", [Role.DELEGATE, Role.COMMITTEE]),
    ("direction@demo.revoyure.fr", "Marie Dubois", [Role.MANAGEMENT]),
    ("elu@demo.revoyure.fr", "Karim Benali", [Role.STAFF_REP, Role.EMPLOYEE]),
    ("salarie@demo.revoyure.fr", "Sophie Leroy", [Role.EMPLOYEE]),
    ("comite@demo.revoyure.fr", "Pr Hélène Garnier", [Role.COMMITTEE]),
    ("auditeur@demo.revoyure.fr", "Jean Moreau", [Role.AUDITOR]),
]

DEMO_TOOLS: list[dict[str, Any]] = [
    {
        "name": "TriCV — présélection des candidatures",
        "vendor": "TalentSoft Analytics",
        "function": "Recruter",
        "purpose": "Sélectionner des candidats pour les postes de conseiller clientèle",
        "specific_modalities": "Évaluation et classement automatique des CV reçus",
        "domain_category": "recruitment",
        "techniques": ["machine_learning"],
        "is_ai_system": "yes",
        "affected_public": ["candidates"],
        "affected_workers_count": 0,
        "risk_fundamental_rights": 3,
        "risk_fundamental_rights_justification": "Risque de discrimination dans le tri des candidatures.",
        "personal_data": "yes",
        "personal_data_categories": "CV, lettres de motivation, coordonnées",
        "decision_role": "advisory",
        "annex3_point": "4a",
        "profiling": "yes",
        "used_at_workplace": "yes",
        "new_technology_for_org": "yes",
        "owner_department": "Ressources humaines",
        "owner_name": "Marie Dubois",
        "staff_impact": "Les candidatures sont classées par l'outil ; un recruteur lit toujours chaque dossier.",
        "status": ToolStatus.PROJECT,
    },
    {
        "name": "Planif+ — planification des équipes",
        "vendor": "Horaires Malins SAS",
        "function": "Planifier les horaires",
        "purpose": "Construire les plannings hebdomadaires des agences",
        "specific_modalities": "Proposition automatique de plannings selon la charge prévue",
        "domain_category": "scheduling",
        "techniques": ["statistics", "machine_learning"],
        "is_ai_system": "unknown",
        "affected_public": ["employees", "managers"],
        "affected_workers_count": 240,
        "risk_health": 2,
        "personal_data": "yes",
        "personal_data_categories": "Identité, contrat, disponibilités, absences",
        "can_monitor_activity": "no",
        "decision_role": "decisive",
        "used_at_workplace": "yes",
        "major_change_working_conditions": "yes",
        "owner_department": "Direction des opérations",
        "staff_impact": "Vos plannings sont proposés par l'outil puis validés par votre responsable.",
        "status": ToolStatus.IN_SERVICE,
        "in_service_on": dt.date(2025, 3, 1),
    },
    {
        "name": "Assistant rédactionnel IA",
        "vendor": "OpenScript Europe",
        "function": "Aider à rédiger",
        "purpose": "Gagner du temps sur les courriers et synthèses",
        "specific_modalities": "Assistant génératif intégré à la messagerie",
        "domain_category": "generative_assistant",
        "techniques": ["generative", "deep_learning"],
        "is_ai_system": "yes",
        "affected_public": ["employees"],
        "affected_workers_count": 400,
        "personal_data": "yes",
        "personal_data_categories": "Contenu des messages rédigés",
        "used_at_workplace": "yes",
        "new_technology_for_org": "yes",
        "owner_department": "Direction des systèmes d'information",
        "staff_impact": "Un assistant vous propose des brouillons ; vous restez responsable du texte envoyé.",
        "status": ToolStatus.PILOT,
        "pilot_started_on": dt.date(2026, 9, 15),
    },
    {
        "name": "Géolocalisation de la flotte",
        "vendor": "FleetTrack",
        "function": "Suivre les véhicules",
        "purpose": "Optimiser les tournées des techniciens",
        "specific_modalities": "Position GPS des véhicules de service toutes les 5 minutes",
        "domain_category": "activity_monitoring",
        "techniques": ["rules"],
        "is_ai_system": "no",
        "affected_public": ["employees"],
        "affected_workers_count": 35,
        "personal_data": "yes",
        "location_data": "yes",
        "personal_data_categories": "Position des véhicules, horaires de trajet",
        "can_monitor_activity": "yes",
        "monitoring_details": "La position permet de connaître l'activité des techniciens pendant le service.",
        "data_retention": "2 mois",
        "used_at_workplace": "yes",
        "owner_department": "Services techniques",
        "staff_impact": "La position de votre véhicule est connue pendant vos heures de service, jamais en "
        "dehors. Elle n'est pas utilisée pour vous évaluer.",
        "status": ToolStatus.IN_SERVICE,
        "in_service_on": dt.date(2024, 6, 1),
    },
    {
        "name": "Agent conversationnel du service client",
        "vendor": "OpenScript Europe",
        "function": "Répondre aux clients",
        "purpose": "Répondre aux questions simples 24 h sur 24",
        "specific_modalities": "Chatbot sur le site web, transfert vers un conseiller",
        "domain_category": "chatbot",
        "techniques": ["generative"],
        "is_ai_system": "yes",
        "affected_public": ["customers", "employees"],
        "generates_public_content": "yes",
        "used_at_workplace": "yes",
        "owner_department": "Relation client",
        "staff_impact": "Les conseillers reprennent les conversations que l'agent ne sait pas traiter.",
        "status": ToolStatus.PROJECT,
    },
]


_STATUS_DATE = {ToolStatus.PILOT: "pilot_started_on", ToolStatus.IN_SERVICE: "in_service_on"}


@transaction.atomic
def seed_demo() -> Organisation:
    """Create the demo organisation if it does not exist yet (idempotent)."""
    existing = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if existing:
        return existing
    user_model = get_user_model()
    platform_admin, _ = user_model.objects.get_or_create(
        email="plateforme@demo.revoyure.fr",
        defaults={"full_name": "Administrateur de la plateforme", "is_staff": True, "is_superuser": True},
    )
    platform_admin.set_password(DEMO_PASSWORD)
    platform_admin.save()
    organisation = create_organisation(
        platform_admin,
        name="Mutuelle Exemple",
        slug=DEMO_SLUG,
        legal_form=LegalForm.PRIVATE_COMPANY,
        headcount=420,
        reached_11_for_12_months=True,
        reached_50_for_12_months=True,
        reached_250_for_12_months=True,
        naf_code="65.12Z",
        region="Occitanie",
        department="Haute-Garonne",
        has_union_section=True,
        has_dpo=True,
        contact_email="delegue-ia@demo.revoyure.fr",
        last_duerp_update=dt.date(2026, 1, 15),
    )
    for email, name, roles in DEMO_ACCOUNTS:
        user, _ = user_model.objects.get_or_create(email=email, defaults={"full_name": name})
        user.set_password(DEMO_PASSWORD)
        user.save()
        set_member_roles(organisation, user, roles, actor=platform_admin)
    create_staff_body(
        organisation,
        platform_admin,
        kind=StaffBodyKind.CSE,
        name="CSE Mutuelle Exemple",
        members=[("Karim Benali", "Titulaire"), ("Lucie Fontaine", "Secrétaire")],
    )
    create_staff_body(organisation, platform_admin, kind=StaffBodyKind.CSSCT, name="CSSCT")
    create_agreement(
        organisation,
        platform_admin,
        title="Accord relatif au numérique et à l'IA au travail",
        kind="collective",
        signed_on=dt.date(2025, 11, 4),
    )
    delegate = user_model.objects.get(email="delegue@demo.revoyure.fr")
    # Tools in use are registered as projects and put in use once the other capabilities have seeded
    # what their go-live gates ask for (the demo's CSE consultations): the demo obeys the same gates.
    going_live = []
    for spec in DEMO_TOOLS:
        values = dict(spec)
        values["vendor"] = services.get_or_create_vendor(
            delegate, values.pop("vendor"), organisation_id=organisation.pk
        )
        target = values.pop("status", ToolStatus.PROJECT)
        on = values.pop(_STATUS_DATE.get(target, ""), None)
        tool = services.create_tool(organisation, delegate, values, "Inscription initiale au registre")
        if target != ToolStatus.PROJECT:
            going_live.append((tool, target, on))
    planning = organisation.tools.get(name__startswith="Planif+")
    services.update_tool(
        planning,
        delegate,
        {"vendor_version": "4.2"},
        "Mise à jour annoncée par l'éditeur (nouvelle version 4.2)",
    )
    services.update_tool(
        planning,
        delegate,
        {"human_oversight_persons": "Responsables d'agence"},
        "Désignation des personnes chargées du contrôle humain",
    )
    hooks.fire(hooks.demo_seeded, organisation)
    for tool, target, on in going_live:
        services.change_status(tool, delegate, target, "Mise en œuvre après l'avis du CSE", on=on)
    return organisation
