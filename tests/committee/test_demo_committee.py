"""The demo organisation gets a committee with a member of each quality, the delegate, the annual
meeting of this year and a delegate's note; seeding twice adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.utils import timezone

from revoyure.committee.models import Committee, MeetingKind, Quality


def test_demo_committee(db: Any) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    committee = Committee.objects.get(delegate__email="delegue@demo.revoyure.fr")
    assert set(committee.members.values_list("quality", flat=True)) == set(Quality.values)
    assert committee.members.count() == 4
    year = timezone.localdate().year
    assert committee.meetings.filter(kind=MeetingKind.ANNUAL, year=year).count() == 1
    assert committee.notes.count() == 1
    assert committee.public_reporting_enabled and len(committee.public_reporting_token) >= 43
