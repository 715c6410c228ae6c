"""The impact-study part of the demo organisation: a study in progress for a planned tool (the customer
chatbot), with its parts assigned, the purpose and prevention parts answered, and a panel test."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from revoyure.assessments import services as assessment_services
from revoyure.organisations.models import Organisation
from revoyure.registry.choices import ToolStatus
from revoyure.studies import services
from revoyure.studies.models import StudyKind

DEMO_TOOL_PREFIX = "Agent conversationnel"


def seed_demo_studies(organisation: Organisation) -> None:
    users = get_user_model().objects
    delegate = users.get(email="delegue@demo.revoyure.fr")
    manager = users.get(email="direction@demo.revoyure.fr")
    admin = users.get(email="admin@demo.revoyure.fr")
    tool = organisation.tools.filter(name__startswith=DEMO_TOOL_PREFIX, status=ToolStatus.PROJECT).first()
    if tool is None:
        return
    study = services.create_study(
        tool,
        manager,
        kind=StudyKind.NEW_TOOL,
        title="Étude d'impact — agent conversationnel",
        with_fria=False,
    )
    due = dt.date(2026, 11, 30)
    for key, department, person in (
        ("purpose", "Relation client", manager),
        ("prevention", "Service prévention", admin),
        ("hr", "Ressources humaines", manager),
        ("it", "Direction des systèmes d'information", delegate),
        ("dpo", "Délégué à la protection des données", delegate),
    ):
        services.assign_part(study, manager, key, assignee=person, department=department, due_on=due)
    assessment_services.save_answers(
        study.response,
        manager,
        {
            "purpose_description": "Répondre aux questions simples des clients 24 h sur 24 et transférer les "
            "demandes complexes aux conseillers.",
            "change_kind": "new_tool",
            "expected_benefits": ["time_saving", "quality"],
            "headcount_reduction_expected": "no",
            "users_count": 60,
            "planned_go_live": "2027-03-01",
        },
    )
    assessment_services.complete_section(study.response, manager, "purpose")
    assessment_services.save_answers(
        study.response,
        admin,
        {
            "workload_change": "temporary_increase",
            "workload_measures": "Renforts pendant trois mois.",
            "mental_load": 2,
        },
    )
    panel = services.create_panel(
        study, manager, "Vérifier que l'agent aide les conseillers sans les surcharger."
    )
    first = services.add_member(
        panel,
        manager,
        full_name="Nadia Haddad",
        job="Conseillère clientèle",
        department="Relation client",
        represents="Conseillers du plateau de Toulouse",
    )
    second = services.add_member(
        panel,
        manager,
        full_name="Paul Girard",
        job="Superviseur",
        department="Relation client",
        represents="Encadrement de proximité",
    )
    services.add_session(
        panel,
        manager,
        held_on=dt.date(2026, 10, 20),
        location="Plateau de Toulouse",
        participants=[first, second],
        scenarios="Questions sur un remboursement ; transfert vers un conseiller.",
        findings="Les transferts perdent l'historique de la conversation.",
    )
    services.start_evaluation(first, manager)
