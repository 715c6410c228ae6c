"""The qualification part of the demo organisation: questionnaire answers for some tools, a tool whose
facts match a prohibited practice (so the gate can be seen), and a first evaluation of everything."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from revoyure.organisations.models import Organisation
from revoyure.qualification import services
from revoyure.qualification.models import ObligationStatus
from revoyure.registry import services as registry_services

_ANSWERS: dict[str, dict[str, Any]] = {
    "TriCV": {
        "sys.infers_outputs": True,
        "sys.deployer_controls_input_data": True,
        "sys.consultation_info_date": "2026-10-05",
        "sys.expert_appointed": True,
    },
    "Agent conversationnel": {"sys.infers_outputs": True, "sys.interacts_with_persons": True},
    "Assistant rédactionnel": {"sys.infers_outputs": True, "sys.generates_deepfake": False},
    "Géolocalisation": {"sys.infers_outputs": False, "sys.cnil_large_scale_location": False},
}

_PROHIBITED_TOOL = {
    "name": "HumeurCall — analyse des émotions des téléconseillers",
    "function": "Mesurer l'humeur des téléconseillers pendant les appels",
    "purpose": "Projet proposé par un éditeur, en cours d'examen",
    "domain_category": "activity_monitoring",
    "techniques": ["deep_learning", "speech"],
    "is_ai_system": "yes",
    "affected_public": ["employees"],
    "personal_data": "yes",
    "biometric_data": "yes",
    "infers_emotions": "yes",
    "can_monitor_activity": "yes",
    "used_at_workplace": "yes",
    "new_technology_for_org": "yes",
}


def seed_demo_qualification(organisation: Organisation) -> None:
    delegate = get_user_model().objects.get(email="delegue@demo.revoyure.fr")
    registry_services.create_tool(organisation, delegate, _PROHIBITED_TOOL, "Proposition de l'éditeur")
    for prefix, answers in _ANSWERS.items():
        tool = organisation.tools.get(name__startswith=prefix)
        services.record_answers(tool, delegate, answers, reason="Questionnaire de qualification")
    prohibited = organisation.tools.get(name__startswith="HumeurCall")
    services.record_answers(
        prohibited, delegate, {"sys.infers_outputs": True, "sys.purpose_medical_or_safety": False}
    )
    services.reevaluate_organisation(organisation)
    first = organisation.obligations.filter(rule_id="AIA-01").first()
    if first is not None:
        services.set_obligation_status(
            first,
            delegate,
            ObligationStatus.DONE,
            evidence=f"Formation « L'IA au travail » suivie par 38 salariés le {dt.date(2026, 3, 12):%d/%m/%Y}.",
        )
