"""The staff transparency page and its optional public version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from revoyure.registry.choices import ToolStatus
from tests.factories import make_tool

ALL_MEMBERS = ["admin", "delegate", "manager", "staff_rep", "committee", "employee", "auditor"]


def staff_url(org: str = "acme") -> str:
    return reverse("registry:transparency", kwargs={"org": org})


def public_url(org: str = "acme") -> str:
    return reverse("registry:public_transparency", kwargs={"org": org})


@pytest.fixture
def tools(personas):
    in_service = make_tool(
        personas.org,
        name="Shift planner",
        status=ToolStatus.IN_SERVICE,
        function="Builds the weekly rota",
        purpose="Fair distribution of shifts",
        personal_data="yes",
        personal_data_categories="Availability, skills",
        can_monitor_activity="yes",
        monitoring_details="Logs who accepted which shift",
        staff_impact="Your rota is proposed by the tool and checked by your manager",
        staff_contact="Service RH, bureau 12",
        owner_name="Jeanne Secretowner",
        project_cost=Decimal("98765.43"),
        procurement_notes="Contract ref CONFIDENTIAL-42",
    )
    pilot = make_tool(
        personas.org, name="Chat assistant", status=ToolStatus.PILOT, function="Answers questions"
    )
    suspended = make_tool(personas.org, name="Badge reader", status=ToolStatus.SUSPENDED)
    project = make_tool(personas.org, name="Future scoring tool", status=ToolStatus.PROJECT)
    withdrawn = make_tool(personas.org, name="Old tracker", status=ToolStatus.WITHDRAWN)
    return {
        "in_service": in_service,
        "pilot": pilot,
        "suspended": suspended,
        "project": project,
        "withdrawn": withdrawn,
    }


@pytest.mark.parametrize("who", ALL_MEMBERS)
def test_every_member_sees_the_transparency_page(personas, tools, who):
    response = personas.client(who).get(staff_url())
    assert response.status_code == 200
    assert "Shift planner" in response.content.decode()


def test_the_page_lists_only_tools_in_use(personas, tools):
    response = personas.client("employee").get(staff_url())
    assert [t.name for t in response.context["tools"]] == ["Badge reader", "Chat assistant", "Shift planner"]
    content = response.content.decode()
    assert "Future scoring tool" not in content
    assert "Old tracker" not in content


def test_the_page_says_what_why_which_data_monitoring_and_meaning(personas, tools):
    content = personas.client("employee").get(staff_url()).content.decode()
    for text in (
        "Builds the weekly rota",
        "Fair distribution of shifts",
        "Availability, skills",
        "Logs who accepted which shift",
        "Your rota is proposed by the tool and checked by your manager",
        "Service RH, bureau 12",
    ):
        assert text in content


def test_the_page_explains_the_rights_of_staff(personas, tools):
    content = personas.client("employee").get(staff_url()).content.decode()
    assert "L1222-4" in content
    assert "article 22" in content
    assert "staff representatives" in content


def test_the_organisation_contact_is_given_when_a_tool_names_none(personas, tools):
    personas.org.contact_email = "questions@acme.example"
    personas.org.save()
    content = personas.client("employee").get(staff_url()).content.decode()
    assert 'href="mailto:questions@acme.example"' in content


def test_the_page_shows_no_owner_name_cost_or_contract(personas, tools):
    content = personas.client("employee").get(staff_url()).content.decode()
    assert "Secretowner" not in content
    assert "98765" not in content and "98,765" not in content
    assert "CONFIDENTIAL-42" not in content


def test_the_menu_of_an_employee_offers_transparency_but_not_the_register(personas):
    content = personas.client("employee").get(staff_url()).content.decode()
    assert 'href="/o/acme/transparency/" aria-current="page"' in content
    assert 'href="/o/acme/register/"' not in content


def test_outsider_gets_404_on_the_transparency_page(personas, tools):
    assert personas.client("outsider").get(staff_url()).status_code == 404


def test_anonymous_visitor_of_the_staff_page_is_sent_to_login(client, personas):
    response = client.get(staff_url())
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_public_page_is_404_unless_the_organisation_publishes_it(client, personas, tools):
    assert client.get(public_url()).status_code == 404


def test_the_public_page_is_404_for_an_unknown_organisation(client, db):
    assert client.get(public_url("nobody")).status_code == 404


def test_the_public_page_is_shown_without_login_when_switched_on(client, personas, tools):
    personas.org.transparency_public = True
    personas.org.save()
    response = client.get(public_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Shift planner" in content
    assert "Future scoring tool" not in content
    assert "L1222-4" in content


def test_the_public_page_shows_nothing_the_staff_page_does_not(client, personas, tools):
    personas.org.transparency_public = True
    personas.org.save()
    public = client.get(public_url()).content.decode()
    assert "Secretowner" not in public
    assert "98765" not in public and "98,765" not in public
    assert "CONFIDENTIAL-42" not in public
    staff = personas.client("employee").get(staff_url())
    assert list(staff.context["tools"]) == list(client.get(public_url()).context["tools"])


def test_the_staff_page_links_to_the_public_version_when_it_exists(personas, tools):
    personas.org.transparency_public = True
    personas.org.save()
    assert public_url() in personas.client("employee").get(staff_url()).content.decode()


def test_public_page_of_one_organisation_never_shows_another_organisations_tools(client, personas, tools):
    personas.other_org.transparency_public = True
    personas.other_org.save()
    make_tool(personas.other_org, name="Their tool", status=ToolStatus.IN_SERVICE)
    content = client.get(public_url("other")).content.decode()
    assert "Their tool" in content
    assert "Shift planner" not in content
