"""Fixtures and helpers of the case-workflow tests (imported by test_case_*, test_access_*,
test_serious_*)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from revoyure.committee.models import Committee, CommitteeMember, Quality
from revoyure.registry.models import Vendor
from revoyure.reports import services
from revoyure.reports.models import Report
from tests.factories import make_tool

REPORTER_NAME = "Jeanne Reporter-Unique"
REPORTER_EMAIL = "jeanne.reporter@acme.example"


@pytest.fixture
def case_committee(personas: Any) -> Committee:
    """The committee: the delegate, and the staff representative sitting on it."""
    committee = Committee.objects.create(organisation=personas.org, delegate=personas.delegate)
    CommitteeMember.objects.create(
        committee=committee, user=personas.staff_rep, full_name="Staff Rep", quality=Quality.STAFF_REP
    )
    return committee


@pytest.fixture
def vendor() -> Vendor:
    return Vendor.objects.create(name="Shift Vendor SAS", alert_contact_email="alerts@vendor.example")


@pytest.fixture
def case_tool(personas: Any, vendor: Vendor) -> Any:
    return make_tool(
        personas.org, personas.delegate, name="Shift planner", vendor=vendor, vendor_version="3.1"
    )


@pytest.fixture
def reporter(personas: Any) -> Any:
    from revoyure.core.permissions import Role
    from revoyure.organisations.models import Membership
    from tests.factories import UserFactory

    user = UserFactory(email=REPORTER_EMAIL, full_name=REPORTER_NAME)
    Membership.objects.create(organisation=personas.org, user=user, role=Role.EMPLOYEE)
    return user


def make_report(
    personas: Any, tool: Any = None, *, reporter: Any = None, reference: str = "R-0001"
) -> Report:
    return Report.objects.create(
        organisation=personas.org,
        reference=reference,
        tool=tool,
        title="Shifts beyond contract",
        description=f"I, {REPORTER_NAME} ({REPORTER_EMAIL}), saw shifts beyond my contract.",
        received_on=timezone.localdate(),
        channel="web",
        anonymous=reporter is None,
        reporter=reporter,
    )


@pytest.fixture
def report(personas: Any, case_tool: Any, reporter: Any, case_committee: Committee) -> Report:
    return make_report(personas, case_tool, reporter=reporter)


def case_url(report: Report, name: str = "case_detail", **kw: Any) -> str:
    return reverse(f"reports:{name}", kwargs={"org": report.organisation.slug, "report_id": report.pk, **kw})


def advance(report: Report, user: Any, until: str) -> Report:
    """Take the workflow steps (founded path) up to and including `until`."""
    from revoyure.committee.models import Meeting

    order = [
        "convene_committee",
        "record_expertise",
        "record_finding",
        "alert_vendor",
        "record_vendor_correction",
        "revalidate",
        "inform_reporter",
        "close",
    ]
    calls = {
        "convene_committee": lambda: services.convene_committee(
            report, user, starts_at=timezone.now() + dt.timedelta(days=2)
        ),
        "record_expertise": lambda: services.record_expertise(
            report,
            user,
            sandbox="Sandbox copy of May data",
            steps="Replayed 4 weeks",
            evidence="3 plannings",
            reproduced=True,
        ),
        "record_finding": lambda: services.record_finding(
            report, user, founded=True, reasons="Reproduced: contract hours exceeded"
        ),
        "alert_vendor": lambda: services.alert_vendor(report, user),
        "record_vendor_correction": lambda: services.record_vendor_correction(
            report, user, correction="Version 3.2 checks contract hours", corrected_on=timezone.localdate()
        ),
        "revalidate": lambda: services.revalidate(
            report,
            user,
            meeting=Meeting.objects.filter(committee__organisation=report.organisation).first(),
            staff_reps_involvement="informed",
            revalidated_on=timezone.localdate(),
        ),
        "inform_reporter": lambda: services.inform_reporter(report, user, body="Founded; corrected in 3.2."),
        "close": lambda: services.close(report, user),
    }
    for name in order:
        calls[name]()
        if name == until:
            break
    report.refresh_from_db()
    return report
