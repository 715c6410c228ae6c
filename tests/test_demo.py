"""The demo organisation of `make run`: one account per role, a register with history, an intact audit log."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command

from revoyure.core.audit import verify_chain
from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership, Organisation
from revoyure.qualification.models import Obligation
from revoyure.registry import services
from revoyure.registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def test_seed_demo_creates_one_account_per_role_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    organisation = Organisation.objects.get(slug="demo")
    roles = set(Membership.objects.filter(organisation=organisation).values_list("role", flat=True))
    assert roles >= {
        Role.ORG_ADMIN,
        Role.DELEGATE,
        Role.MANAGEMENT,
        Role.STAFF_REP,
        Role.EMPLOYEE,
        Role.COMMITTEE,
        Role.AUDITOR,
    }
    # The five tools of the register demo, plus the qualification's prohibited-practice example.
    assert organisation.tools.count() == 6
    output = capsys.readouterr().out
    for email, _name, _roles in DEMO_ACCOUNTS:
        assert email in output
        assert authenticate(username=email, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in output


def test_demo_register_has_history_and_an_intact_audit_log(db):
    call_command("seed_demo")
    planning = Organisation.objects.get(slug="demo").tools.get(name__startswith="Planif+")
    assert planning.history.count() == 4  # registered, two updates, put in service
    assert verify_chain().intact


def test_demo_tools_are_qualified_and_the_prohibited_one_cannot_be_piloted(db):
    call_command("seed_demo")
    organisation = Organisation.objects.get(slug="demo")
    assert Obligation.objects.filter(organisation=organisation, tool__isnull=True).exists()
    emotion = organisation.tools.get(name__startswith="HumeurCall")
    assert emotion.qualification.classification["prohibited"][0]["rule"] == "PRO-1"
    with pytest.raises(ValidationError, match=r"5\(1\)\(f\)"):
        services.change_status(emotion, None, "pilot", "Try it")


def test_demo_has_an_impact_study_and_consultations_and_obeys_the_go_live_gate(db):
    from revoyure.consultations.gate import required_consultations
    from revoyure.consultations.models import Consultation, ConsultationStatus
    from revoyure.studies.models import ImpactStudy, StudyStatus

    call_command("seed_demo")
    organisation = Organisation.objects.get(slug="demo")
    assert ImpactStudy.objects.filter(organisation=organisation, status=StudyStatus.IN_PROGRESS).exists()
    assert Consultation.objects.filter(organisation=organisation, status=ConsultationStatus.OPEN).exists()
    # Every tool the demo put in use went through the gate: what it requires is satisfied.
    for tool in organisation.tools.filter(status__in=["pilot", "in_service"]):
        assert all(r.satisfied for r in required_consultations(tool)), tool.name
    planning = organisation.tools.get(name__startswith="Planif+")
    assert [r.rule.id for r in required_consultations(planning)] != []
