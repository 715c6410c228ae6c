"""The tool's qualification page, the obligation page and its status changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from revoyure.qualification import services
from revoyure.qualification.models import Obligation, ObligationState, ObligationStatus
from revoyure.qualification.rules import rule_set

pytestmark = pytest.mark.django_db

HIGH_RISK = {
    "sys.infers_outputs": True,
    "sys.annex3_point": "4a",
    "sys.profiling": True,
    "sys.used_at_workplace": True,
}
PROHIBITED = {
    "sys.infers_outputs": True,
    "sys.infers_emotions": True,
    "sys.uses_biometric_data": True,
    "sys.used_at_workplace": True,
    "sys.purpose_medical_or_safety": False,
}


def tool_url(tool: Any) -> str:
    return reverse("qualification:tool", kwargs={"org": "acme", "pk": tool.pk})


def obligation_url(obligation: Obligation, org: str = "acme") -> str:
    return reverse("qualification:obligation", kwargs={"org": org, "obligation_id": obligation.pk})


@pytest.fixture
def high_risk(tool: Any, personas: Any) -> Any:
    services.record_answers(tool, personas.delegate, HIGH_RISK)
    return tool


@pytest.fixture
def obligation(high_risk: Any) -> Obligation:
    return Obligation.objects.get(tool=high_risk, rule_id="AIA-08")


# Access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("delegate", 200),
        ("manager", 200),
        ("staff_rep", 200),
        ("committee", 200),
        ("auditor", 200),
        ("employee", 403),
        ("outsider", 404),
    ],
)
def test_tool_page_access(personas: Any, tool: Any, who: str, status: int) -> None:
    assert personas.client(who).get(tool_url(tool)).status_code == status


def test_tool_of_another_organisation_is_404(personas: Any) -> None:
    from tests.factories import make_tool

    other = make_tool(personas.other_org, personas.outsider, name="Elsewhere")
    assert personas.client("delegate").get(tool_url(other)).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("staff_rep", 200), ("employee", 403), ("outsider", 404)])
def test_obligation_page_access(personas: Any, obligation: Obligation, who: str, status: int) -> None:
    assert personas.client(who).get(obligation_url(obligation)).status_code == status


def test_obligation_of_another_organisation_is_404(personas: Any, obligation: Obligation) -> None:
    Obligation.objects.filter(pk=obligation.pk).update(organisation=personas.other_org)
    assert personas.client("delegate").get(obligation_url(obligation)).status_code == 404


# The tool page ------------------------------------------------------------------------------------------


def test_not_started_tool_shows_its_status_and_the_questionnaire_link(personas: Any, tool: Any) -> None:
    response = personas.client("delegate").get(tool_url(tool))
    html = response.content.decode()
    assert "Not started" in html
    assert reverse("qualification:question", kwargs={"org": "acme", "pk": tool.pk}) in html
    # A staff representative may read but not answer the questionnaire.
    html = personas.client("staff_rep").get(tool_url(tool)).content.decode()
    assert "Start the questionnaire" not in html


@time_machine.travel(dt.datetime(2028, 1, 15, 9, tzinfo=dt.UTC), tick=False)
def test_high_risk_tool_shows_classification_obligation_date_and_reasons(personas: Any, tool: Any) -> None:
    services.record_answers(tool, personas.delegate, {**HIGH_RISK, "sys.first_use_date": "2028-03-01"})
    html = personas.client("staff_rep").get(tool_url(tool)).content.decode()
    assert "Annex III use with profiling: always high-risk" in html
    assert "4(a) Recruitment or selection" in html
    assert "AIA-08" in html and "Art. 26(7)" in html
    assert escape(rule_set().by_id["AIA-08"].text("en")) in html
    # Why it applies, in words: fact labels and choice labels.
    assert "Annex III point: 4(a) Recruitment or selection" in html
    assert "Profiling of natural persons: Yes" in html
    assert "Verified" in html
    assert "Employer" in html


def test_to_clarify_obligation_names_the_missing_fact_and_the_vendor_question(
    personas: Any, tool: Any
) -> None:
    services.record_answers(
        tool, personas.delegate, {"sys.infers_outputs": True, "sys.used_at_workplace": True}
    )
    obligation = Obligation.objects.get(tool=tool, rule_id="AIA-08")
    assert obligation.state == ObligationState.TO_CLARIFY
    html = personas.client("delegate").get(tool_url(tool)).content.decode()
    assert "To clarify" in html
    assert "Annex III point" in html
    assert "Does your intended purpose" not in html
    assert "question to ask the vendor:" in html
    assert "What intended purpose do your instructions for use give the system?" in html


def test_prohibited_practice_is_shown_prominently_with_its_article(personas: Any, tool: Any) -> None:
    services.record_answers(tool, personas.delegate, PROHIBITED)
    html = personas.client("delegate").get(tool_url(tool)).content.decode()
    assert 'role="alert"' in html
    assert "prohibited by art. 5(1)(f) of the AI Act" in html
    assert "It cannot be piloted or put into service." in html


def test_tool_page_in_french_uses_the_french_rule_text(personas: Any, high_risk: Any) -> None:
    client = personas.client("delegate")
    client.cookies["django_language"] = "fr"
    html = client.get(tool_url(high_risk)).content.decode()
    assert escape(rule_set().by_id["AIA-08"].text("fr")) in html


def test_overdue_obligations_come_first(personas: Any, tool: Any) -> None:
    services.record_answers(tool, personas.delegate, HIGH_RISK)
    row = Obligation.objects.get(tool=tool, rule_id="AIA-08")
    other = Obligation.objects.exclude(pk=row.pk).filter(tool=tool).first()
    Obligation.objects.filter(pk=row.pk).update(state=ObligationState.APPLIES, due_on=dt.date(2020, 1, 1))
    if other is not None:
        Obligation.objects.filter(pk=other.pk).update(
            state=ObligationState.APPLIES, due_on=dt.date(2019, 6, 1)
        )
    html = personas.client("delegate").get(tool_url(tool)).content.decode()
    assert "(overdue)" in html
    first_article = html.index("<article")
    assert html.index("overdue", first_article) < html.index("</article>", first_article)


def _make_obligations(tool: Any, organisation: Any, count: int) -> None:
    from django.utils import timezone

    Obligation.objects.bulk_create(
        Obligation(
            organisation=organisation,
            tool=tool,
            rule_id=f"CT-{100 + i}",
            family="labour_code",
            state=ObligationState.APPLIES,
            responsible="employer",
            due_on=dt.date(2030, 1, 1) + dt.timedelta(days=i),
            because=[["sys.used_at_workplace", True], ["sys.annex3_point", "4a"]],
            missing=[],
            evaluated_at=timezone.now(),
        )
        for i in range(count)
    )


def test_tool_page_query_count_is_constant(
    personas: Any, high_risk: Any, django_assert_max_num_queries: Any
) -> None:
    client = personas.client("delegate")
    client.get(tool_url(high_risk))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(tool_url(high_risk)).status_code == 200
    _make_obligations(high_risk, personas.org, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(tool_url(high_risk))
    assert response.content.decode().count("<article") >= 30


# The obligation page and its status -----------------------------------------------------------------------


def test_obligation_page_shows_the_obligation_and_its_history(personas: Any, obligation: Obligation) -> None:
    services.set_obligation_status(obligation, personas.delegate, "done", evidence="CSE minutes of 3 March")
    html = personas.client("staff_rep").get(obligation_url(obligation)).content.decode()
    assert "AIA-08" in html and "Art. 26(7)" in html
    assert "History of the status" in html
    assert "CSE minutes of 3 March" in html
    assert "Delegate" in html
    assert "Save the status" not in html  # read-only for staff representatives


def test_done_needs_evidence(personas: Any, obligation: Obligation) -> None:
    response = personas.client("delegate").post(
        obligation_url(obligation), {"status": "done", "evidence": " "}
    )
    assert response.status_code == 400
    assert "Evidence: Say what shows that it is done" in response.content.decode()
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.TO_DO


def test_not_applicable_needs_a_reason(personas: Any, obligation: Obligation) -> None:
    response = personas.client("delegate").post(obligation_url(obligation), {"status": "not_applicable"})
    assert response.status_code == 400
    assert "Reason: Say why it does not apply." in response.content.decode()
    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.TO_DO


def test_status_changes_are_saved_and_kept_in_history(personas: Any, obligation: Obligation) -> None:
    client = personas.client("delegate")
    response = client.post(obligation_url(obligation), {"status": "done", "evidence": "Minutes"})
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence) == (ObligationStatus.DONE, "Minutes")
    response = client.post(
        obligation_url(obligation), {"status": "not_applicable", "status_reason": "No CSE in this entity"}
    )
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_APPLICABLE
    assert obligation.status_reason == "No CSE in this entity"
    assert obligation.history.count() == 2
    html = client.get(obligation_url(obligation)).content.decode()
    assert "No CSE in this entity" in html and "Minutes" in html


def test_read_only_roles_cannot_change_the_status(personas: Any, obligation: Obligation) -> None:
    response = personas.client("staff_rep").post(
        obligation_url(obligation), {"status": "done", "evidence": "x"}
    )
    assert response.status_code == 403
    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.TO_DO


def test_unknown_status_is_refused(personas: Any, obligation: Obligation) -> None:
    response = personas.client("delegate").post(obligation_url(obligation), {"status": "maybe"})
    assert response.status_code == 400
    assert "Status:" in response.content.decode()


def test_obligation_page_query_count(
    personas: Any, obligation: Obligation, django_assert_max_num_queries: Any
) -> None:
    client = personas.client("delegate")
    for i in range(3):
        services.set_obligation_status(obligation, personas.delegate, "done", evidence=f"proof {i}")
    client.get(obligation_url(obligation))
    with django_assert_max_num_queries(8):
        assert client.get(obligation_url(obligation)).status_code == 200


def test_tool_record_links_to_its_qualification(personas: Any, tool: Any) -> None:
    html = (
        personas.client("staff_rep")
        .get(reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk}))
        .content.decode()
    )
    assert tool_url(tool) in html
