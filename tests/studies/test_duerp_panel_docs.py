"""DUERP reminders, panel results and sharing, the framing note and study PDFs, the demo seed."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from revoyure.assessments import services as a
from revoyure.organisations.models import StaffBody, StaffBodyMember
from revoyure.studies import services
from revoyure.studies.models import DuerpUpdate
from revoyure.studies.results import panel_results
from tests.studies.conftest import fill_and_complete


def _signed_off(personas, study, owner=None):
    if owner is not None:
        services.assign_part(study, personas.manager, "prevention", assignee=owner, department="Prev")
    fill_and_complete(study, personas.manager)
    services.request_review(study, personas.manager)
    return services.sign_off(study, personas.admin)


def test_duerp_reminder_once_per_period_and_not_after_done(
    personas, study, smtp_server, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _signed_off(personas, study, owner=personas.delegate)
        reminders = [m for m in smtp_server.messages if "DUERP" in m["Subject"]]
        assert [m["To"] for m in reminders] == [personas.delegate.email]
        assert services.send_due_duerp_reminders() == 0  # just reminded
    with time_machine.travel(dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC), tick=False):
        assert services.send_due_duerp_reminders() == 0  # 6 days later: not yet
    with time_machine.travel(dt.datetime(2026, 5, 11, 9, tzinfo=dt.UTC), tick=False):
        assert services.send_due_duerp_reminders() == 1
        assert services.send_due_duerp_reminders() == 0  # a second scheduler finds it claimed
        update = DuerpUpdate.objects.get()
        assert update.reminders_sent == 2
        # A stale copy cannot claim it again (compare-and-set on last_reminded_at).
        assert services.send_duerp_reminder(update.pk, timezone.now()) is False
        with pytest.raises(ValidationError):
            services.record_duerp_update(update, personas.admin, dt.date(2026, 6, 1))  # in the future
        services.record_duerp_update(update, personas.admin, dt.date(2026, 5, 11), "DUERP v7")
    personas.org.refresh_from_db()
    assert personas.org.last_duerp_update == dt.date(2026, 5, 11)
    with time_machine.travel(dt.datetime(2026, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        assert services.send_due_duerp_reminders() == 0
    assert len([m for m in smtp_server.messages if "DUERP" in m["Subject"]]) == 2


def test_duerp_without_owner_reminds_admins_and_delegates(
    personas, study, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signed_off(personas, study)
    reminder = next(m for m in smtp_server.messages if "DUERP" in m["Subject"])
    assert sorted(reminder["To"].split(", ")) == sorted([personas.admin.email, personas.delegate.email])


def test_scheduler_job_is_registered():
    from revoyure.core import scheduling

    assert "studies.duerp_reminders" in scheduling.discover()


def _evaluate(member, user, answers):
    evaluation = services.start_evaluation(member, user)
    a.save_answers(evaluation.response, user, answers)
    a.submit_response(evaluation.response, user)
    return evaluation


def test_panel_results_aggregate_and_share(personas, study, smtp_server, django_capture_on_commit_callbacks):
    panel = services.create_panel(study, personas.manager, "Try it")
    one = services.add_member(
        panel, personas.manager, full_name="Ann", member_user=personas.employee, job="Agent"
    )
    two = services.add_member(panel, personas.manager, full_name="Bob", represents="Night shift")
    three = services.add_member(panel, personas.manager, full_name="Cid")
    base = {
        "ease_of_use": 4,
        "fits_tasks": 3,
        "workload_effect": "lighter",
        "mental_load_effect": "same",
        "training_needed": "short",
        "trust_results": 5,
    }
    first = _evaluate(one, personas.manager, {**base, "improvements": "Bigger buttons"})
    _evaluate(two, personas.manager, {**base, "ease_of_use": 2, "workload_effect": "heavier"})
    services.start_evaluation(three, personas.manager)  # draft: not counted
    assert services.start_evaluation(one, personas.manager) == first  # idempotent
    assert first.response.assignments.filter(assignee=personas.employee).count() == 6
    results = panel_results(panel, "en")
    assert (results.evaluations, results.submitted) == (3, 2)
    usability = next(s for s in results.sections if s.id == "usability")
    ease = next(q for q in usability.questions if q.id == "ease_of_use")
    assert ease.average == 3.0
    assert {c.value: c.count for c in ease.choices}["4"] == 1
    workload = next(q for s in results.sections for q in s.questions if q.id == "workload_effect")
    assert {c.value: (c.count, c.percent) for c in workload.choices}["heavier"] == (1, 50)
    assert workload.average == 3.0
    comments = next(q for s in results.sections for q in s.questions if q.id == "improvements")
    assert comments.texts == ["Bigger buttons"]

    body = StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE")
    StaffBodyMember.objects.create(staff_body=body, full_name="Rep", user=personas.staff_rep)
    StaffBodyMember.objects.create(staff_body=body, full_name="No account")
    with django_capture_on_commit_callbacks(execute=True):
        services.share_panel_results(panel, personas.manager, [body])
    panel.refresh_from_db()
    assert panel.shared_at is not None and list(panel.shared_with.all()) == [body]
    shared = [m for m in smtp_server.messages if "Panel test results" in m["Subject"]]
    assert [m["To"] for m in shared] == [personas.staff_rep.email]
    assert f"/studies/{study.pk}/panel/" in shared[0].get_content()
    other_body = StaffBody.objects.create(organisation=personas.other_org, kind="cse")
    with pytest.raises(ValidationError):
        services.share_panel_results(panel, personas.manager, [other_body])
    with pytest.raises(ValidationError):
        services.share_panel_results(panel, personas.manager, [])


def _pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_framing_note_prefill_save_and_pdf(personas, study):
    services.assign_part(study, personas.manager, "it", assignee=personas.delegate, department="DSI")
    a.save_answers(study.response, personas.manager, {"purpose_description": "Plan shifts fairly"})
    initial = services.framing_note_initial(study)
    assert initial["needs"] == "Plan shifts fairly"
    assert {
        "department": "DSI",
        "role": "DSI / maître d'œuvre",
        "person": personas.delegate.display_name,
    } in initial["responsibilities"]
    with pytest.raises(ValidationError):
        services.save_framing_note(
            study, personas.manager, {"calendar": [{"milestone": "Go", "date": "31/02"}]}
        )
    services.save_framing_note(
        study,
        personas.manager,
        {
            "needs": "Plan shifts fairly",
            "responsibilities": [
                {"department": "Service prévention", "role": "Service prévention", "person": "Zoé"}
            ],
            "calendar": [{"milestone": "Pilot", "date": "2027-01-10", "workload": "Low season"}],
            "workload_compatibility": "Outside the peak",
            "budget": 12000,
        },
    )
    client = personas.client("staff_rep")
    response = client.get(f"/o/acme/studies/{study.pk}/framing-note.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Planning assistant" in text
    assert "Service prévention" in text and "Zoé" in text
    assert "Low season" in text
    study_pdf = client.get(f"/o/acme/studies/{study.pk}/study.pdf")
    text = _pdf_text(study_pdf.content)
    assert study.title in text and "Plan shifts fairly" in text


def test_demo_seed(personas):
    """The demo hook on a minimal demo organisation (the full `seed_demo` is tested in tests/test_demo.py)."""
    from revoyure.core import hooks
    from revoyure.organisations.models import Membership
    from revoyure.studies.demo import seed_demo_studies
    from revoyure.studies.models import ImpactStudy
    from tests.factories import UserFactory, make_tool

    assert seed_demo_studies in hooks.demo_seeded
    org = personas.org
    for email, role in (
        ("delegue@demo.revoyure.fr", "delegate"),
        ("direction@demo.revoyure.fr", "management"),
        ("admin@demo.revoyure.fr", "org_admin"),
    ):
        Membership.objects.create(organisation=org, user=UserFactory(email=email), role=role)
    make_tool(org, personas.delegate, name="Agent conversationnel du service client")
    seed_demo_studies(org)
    study = ImpactStudy.objects.get()
    assert study.tool.status == "project" and study.status == "in_progress"
    assert study.response.assignments.exclude(assignee=None).count() == 5
    assert study.response.answers.count() >= 5
    assert study.response.assignments.get(section_id="purpose").status == "done"
    assert study.panel.members.count() == 2 and study.panel.sessions.count() == 1
