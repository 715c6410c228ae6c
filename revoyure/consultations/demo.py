"""The consultation part of the demo organisation: the CSE's consultations that preceded the tools
already piloted or in service (closed, favourable), and one open consultation of the CSE on a planned
tool, informed twelve days ago, with its computed deadline."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from revoyure.consultations import services
from revoyure.consultations.models import Opinion
from revoyure.organisations.models import Organisation, StaffBodyKind

# Tool name prefix -> (information date, opinion date) of the consultation that preceded its use.
_CONSULTED = {
    "Géolocalisation": (dt.date(2024, 4, 2), dt.date(2024, 4, 30)),
    "Planif+": (dt.date(2025, 1, 6), dt.date(2025, 2, 3)),
    "Assistant rédactionnel": (dt.date(2026, 7, 1), dt.date(2026, 7, 28)),
}
_PLANNED = "TriCV"


def seed_demo_consultation(organisation: Organisation) -> None:
    cse = organisation.staff_bodies.filter(kind=StaffBodyKind.CSE).first()
    if cse is None:
        return
    delegate = get_user_model().objects.filter(email="delegue@demo.revoyure.fr").first()
    for prefix, (informed_on, opinion_on) in _CONSULTED.items():
        tool = organisation.tools.filter(name__startswith=prefix).first()
        if tool is None or tool.consultations.exists():
            continue
        consultation = services.open_consultation(
            tool, delegate, subject=f"Introduction de l'outil « {tool.name} »", staff_bodies=[cse]
        )
        body = consultation.bodies.get()
        services.record_information(body, delegate, informed_on)
        services.record_opinion(
            body,
            delegate,
            Opinion.FAVOURABLE,
            "Avis favorable, sous réserve d'un bilan à six mois présenté au CSE.",
            votes_for=8,
            votes_against=2,
            abstentions=1,
            opinion_on=opinion_on,
        )
    planned = organisation.tools.filter(name__startswith=_PLANNED).first()
    if planned is None or planned.consultations.exists():
        return
    consultation = services.open_consultation(
        planned,
        delegate,
        subject=f"Projet d'introduction de « {planned.name} »",
        staff_bodies=[cse],
        study=planned.impact_studies.first(),
    )
    services.record_information(consultation.bodies.get(), delegate, services.today() - dt.timedelta(days=12))
