"""The review clause part of the demo organisation: the AI agreement with its review clause, a signal from
the AI delegate about the writing assistant that scheduled a review meeting, and a measure to follow."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from revoyure.organisations import services as organisation_services
from revoyure.organisations.models import Organisation
from revoyure.reviews import fanout, services_clauses, services_meetings, triggers
from revoyure.reviews.models import ReviewClause
from revoyure.reviews.services_events import create_event


def seed_demo_reviews(organisation: Organisation) -> None:
    if ReviewClause.objects.filter(organisation=organisation).exists():
        return
    delegate = get_user_model().objects.filter(email="delegue@demo.revoyure.fr").first()
    agreement = organisation_services.create_agreement(
        organisation,
        delegate,
        title="Accord sur le dialogue social et les outils d'IA",
        kind="collective",
        signed_on=dt.date(2025, 11, 4),
        parties="Mutuelle Exemple, représentée par sa directrice générale\nCFDT\nCGT\nCFE-CGC",
    )
    services_clauses.create_clause(
        agreement,
        delegate,
        title="Clause de revoyure des outils d'IA",
        scope="all",
        triggers=list(triggers.load()),
        minimum_frequency_months=12,
        notice_days=15,
        include_committee=True,
        staff_bodies=list(organisation.staff_bodies.filter(kind="cse")),
    )
    tool = organisation.tools.filter(name__startswith="Assistant rédactionnel").first()
    event, _created = create_event(
        organisation_id=organisation.pk,
        kind="delegate_signal",
        origin="manual",
        title="Réponses inexactes de l'assistant rédactionnel sur les règles de congés",
        occurred_on=timezone.localdate() - dt.timedelta(days=2),
        actor=delegate,
        confirmed=True,
        source="Délégué à l'IA",
        description="Plusieurs courriers rédigés avec l'assistant citaient des règles de congés périmées.",
        tool=tool,
    )
    # The demo is seeded without a worker running: the fan-out the worker would run is run here.
    fanout.fan_out_event(event.pk)
    meeting = event.meetings.first()
    if meeting is not None:
        services_meetings.add_measure(
            meeting,
            delegate,
            text="Ajouter au guide d'utilisation un avertissement sur les règles RH et un lien vers l'intranet",
            owner=delegate,
            due_on=timezone.localdate() + dt.timedelta(days=30),
            tool=tool,
        )
