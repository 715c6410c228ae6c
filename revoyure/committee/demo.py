"""The committee part of the demo organisation: the AI committee with a member of each quality, the
delegate and a deputy, the strategy, the annual meeting of this year and a delegate's note."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from revoyure.committee import services
from revoyure.committee.models import NoteKind, Quality
from revoyure.organisations.models import Organisation

_MEMBERS = [
    ("direction@demo.revoyure.fr", "Marie Dubois", Quality.MANAGEMENT, "Direction générale"),
    ("", "Me Claire Fontaine", Quality.LAWYER, "Service juridique"),
    ("elu@demo.revoyure.fr", "Karim Benali", Quality.STAFF_REP, "CSE"),
    ("comite@demo.revoyure.fr", "Pr Hélène Garnier", Quality.QUALIFIED, "Université de Lille"),
]


def seed_demo_committee(organisation: Organisation) -> None:
    users = get_user_model().objects
    delegate = users.filter(email="delegue@demo.revoyure.fr").first()
    committee = services.get_or_create_committee(organisation)
    if committee.members.exists():
        return
    services.update_settings(
        committee,
        delegate,
        delegate=delegate,
        deputy=users.filter(email="admin@demo.revoyure.fr").first(),
        reporting_email="signalement-ia@demo.revoyure.fr",
        public_reporting_enabled=True,
        strategy=(
            "Déployer des outils d'IA qui allègent les tâches répétitives sans surveiller les personnes ; "
            "évaluer chaque outil un an après sa mise en service avec le CSE ; former chaque utilisateur "
            "avant l'accès à un outil."
        ),
        annual_meeting_month=3,
    )
    for email, name, quality, affiliation in _MEMBERS:
        account = users.filter(email=email).first() if email else None
        services.add_member(
            committee,
            delegate,
            full_name=name,
            email="" if account else "juriste@demo.revoyure.fr",
            quality=quality,
            affiliation=affiliation,
            user=account,
            joined_on=dt.date(2025, 1, 6),
        )
    services.schedule_annual_meeting(committee, timezone.localdate().year)
    services.add_note(
        committee,
        delegate,
        kind=NoteKind.REGULATION,
        title="Lignes directrices de la Commission sur la définition de système d'IA",
        body="La Commission a publié ses lignes directrices sur la définition de système d'IA (art. 3(1)).",
        url="https://digital-strategy.ec.europa.eu/",
        noted_on=timezone.localdate() - dt.timedelta(days=30),
    )
