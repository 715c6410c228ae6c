"""Who sees a report (issue 5 §4), per persona and per step: the delegate, the committee role, the staff
representative sitting on the committee and people they add see it; management, the administrator, the
auditor, the reporter and staff representatives outside the committee do not (404), an outsider neither,
an anonymous visitor is sent to the login page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from revoyure.committee.models import CommitteeMember
from revoyure.core.navigation import items_for
from revoyure.core.permissions import permissions_for
from revoyure.reports import services
from revoyure.reports.access import access_report, may_see
from tests.reports.test_case_helpers import *  # noqa: F403 - the fixtures
from tests.reports.test_case_helpers import advance, case_url

pytestmark = pytest.mark.django_db

SEE = ("delegate", "committee", "staff_rep")
NOT_SEE = ("admin", "manager", "auditor", "employee", "outsider")
STEPS = (None, "convene_committee", "record_expertise", "record_finding", "alert_vendor", "close")


@pytest.mark.parametrize("step", STEPS)
def test_access_matrix_per_persona_and_step(
    personas: Any, report: Any, step: str | None, smtp_server: Any
) -> None:
    if step:
        advance(report, personas.delegate, step)
    for who in SEE:
        response = personas.client(who).get(case_url(report))
        assert response.status_code == 200, (who, step)
        assert may_see(getattr(personas, who), report)
    for who in NOT_SEE:
        assert personas.client(who).get(case_url(report)).status_code == 404, (who, step)
        assert not may_see(getattr(personas, who), report)
    anonymous = Client().get(case_url(report))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    if step == "alert_vendor":
        alert = report.vendor_alerts.get()
        for who in NOT_SEE:
            assert (
                personas.client(who).get(case_url(report, "case_letter", alert_id=alert.pk)).status_code
                == 404
            )


def test_the_reporter_does_not_see_the_case_page(personas: Any, report: Any, reporter: Any) -> None:
    client = Client()
    client.force_login(reporter)
    assert client.get(case_url(report)).status_code == 404


def test_staff_rep_off_the_committee_sees_nothing(personas: Any, report: Any, case_committee: Any) -> None:
    CommitteeMember.objects.filter(user=personas.staff_rep).update(active=False)
    assert personas.client("staff_rep").get(case_url(report)).status_code == 404
    assert personas.client("staff_rep").get(f"/o/{personas.org.slug}/reports/").status_code == 403


def test_person_added_reads_but_cannot_act(personas: Any, report: Any) -> None:
    assert personas.client("manager").get(case_url(report)).status_code == 404
    services.add_person(report, personas.delegate, personas.manager)
    client = personas.client("manager")
    page = client.get(case_url(report))
    assert page.status_code == 200 and "Next steps" not in page.content.decode()
    response = client.post(
        case_url(report, "case_convene_committee"), {"convene_committee-starts_at": "2030-01-01T10:00"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "received"
    # The list shows them that report only.
    listing = client.get(f"/o/{personas.org.slug}/reports/")
    assert listing.status_code == 200 and report.reference in listing.content.decode()


def test_actions_refused_to_those_who_cannot_see(personas: Any, report: Any) -> None:
    for who in NOT_SEE:
        response = personas.client(who).post(
            case_url(report, "case_convene_committee"), {"convene_committee-starts_at": "2030-01-01T10:00"}
        )
        assert response.status_code == 404, who
    report.refresh_from_db()
    assert report.status == "received" and not report.steps.exists()


def test_list_page_per_persona_and_filters(personas: Any, report: Any) -> None:
    url = f"/o/{personas.org.slug}/reports/"
    for who in SEE:
        response = personas.client(who).get(url)
        assert response.status_code == 200 and report.reference in response.content.decode(), who
    for who in ("admin", "manager", "auditor", "employee"):
        assert personas.client(who).get(url).status_code == 403, who
    assert personas.client("outsider").get(url).status_code == 404
    client = personas.client("delegate")
    assert report.reference in client.get(url, {"status": "received"}).content.decode()
    assert report.reference not in client.get(url, {"status": "closed"}).content.decode()
    assert report.reference in client.get(url, {"tool": report.tool_id}).content.decode()
    assert client.get(url, {"status": "bogus"}).status_code == 400
    assert client.get(url, {"tool": "abc"}).status_code == 400
    assert client.get(url, {"tool": "999999"}).status_code == 400


def test_other_organisation_report_is_404(personas: Any, report: Any) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        access_report(personas.outsider, "other", report.pk)
    with pytest.raises(Http404):
        access_report(personas.delegate, "acme", 2**70)


def test_menu_entry_for_instructors_only(personas: Any) -> None:
    from revoyure.organisations.models import Membership

    for who, expected in (("delegate", True), ("committee", True), ("admin", False), ("manager", False)):
        roles = Membership.objects.filter(user=getattr(personas, who)).values_list("role", flat=True)
        labels = [str(i["label"]) for i in items_for("acme", permissions_for(roles), "/")]
        assert ("Staff reports" in labels) is expected, who
