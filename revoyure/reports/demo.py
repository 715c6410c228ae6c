"""The staff-report part of the demo organisation: one report on the shift-planning tool, with the
committee convened and the expertise in the acceptability sandbox under way."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from revoyure.organisations.models import Organisation
from revoyure.reports import intake, services
from revoyure.reports.models import Channel, Report

_TOOL = "Planif+"
_TITLE = "Plannings incohérents pour les temps partiels"


def seed_demo_reports(organisation: Organisation) -> None:
    tool = organisation.tools.filter(name__startswith=_TOOL).first()
    delegate = get_user_model().objects.filter(email="delegue@demo.revoyure.fr").first()
    if (
        tool is None
        or delegate is None
        or Report.objects.filter(organisation=organisation, title=_TITLE).exists()
    ):
        return
    report, _code = intake.create_report(
        organisation,
        channel=Channel.WEB,
        title=_TITLE,
        description=(
            "Depuis la dernière mise à jour, l'outil propose aux salariés à temps partiel des plannings qui "
            "dépassent leur durée contractuelle, sans alerte. Plusieurs collègues du service logistique "
            "l'ont constaté."
        ),
        occurred_on=timezone.localdate() - dt.timedelta(days=20),
        tool=tool,
        anonymous=True,
    )
    services.convene_committee(
        report,
        delegate,
        starts_at=timezone.now() - dt.timedelta(days=7),
        title=f"Instruction du signalement {report.reference}",
        agenda="Examen du signalement sur les plannings des temps partiels ; organisation de l'expertise.",
    )
    services.record_expertise(
        report,
        delegate,
        sandbox="Bac à sable d'acceptabilité : copie des données de planification du mois en cours.",
        steps="1. Import des contrats à temps partiel. 2. Génération des plannings de quatre semaines.",
        evidence="Trois plannings générés dépassent la durée contractuelle de 2 à 4 heures.",
        similar_cases="",
        reproduced=True,
    )
