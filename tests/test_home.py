"""The home page sends each person where their roles let them start."""

from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership
from tests.factories import OrganisationFactory


def test_register_reader_lands_on_the_register(personas):
    response = personas.client("delegate").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/register/"


def test_employee_lands_on_the_transparency_page(personas):
    response = personas.client("employee").get("/")
    assert response["Location"] == "/o/acme/transparency/"
    assert personas.client("employee").get(response["Location"]).status_code == 200


def test_member_of_several_organisations_chooses(personas):
    second = OrganisationFactory(name="Second")
    Membership.objects.create(organisation=second, user=personas.delegate, role=Role.EMPLOYEE)
    response = personas.client("delegate").get("/")
    assert response.status_code == 200
    assert b"Second" in response.content
    assert b"Acme" in response.content


def test_anonymous_visitor_is_sent_to_login(db):
    from django.test import Client

    response = Client().get("/")
    assert response["Location"].startswith("/accounts/login/")


def test_organisation_start_page_follows_the_roles(personas):
    assert personas.client("employee").get("/o/acme/")["Location"] == "/o/acme/transparency/"
    assert personas.client("auditor").get("/o/acme/")["Location"] == "/o/acme/register/"
    assert personas.client("outsider").get("/o/acme/").status_code == 404
