"""The accessibility audit (axe-core: WCAG 2.1 A/AA and best practices) on every page type, as a person allowed
to see it, with realistic data, including the states people meet: filters applied, results updated by htmx,
forms showing their errors, each step of the import, a new API token shown once, error pages.

Every page must pass with no violation: a violation is fixed in the page, never excluded here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from revoyure.core.permissions import Role
from revoyure.organisations import services as organisation_services
from revoyure.organisations import tokens
from revoyure.organisations.models import Membership, StaffBody
from revoyure.registry import services
from revoyure.registry.models import Tool, Vendor
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import (
    AcceptInvitationPage,
    AgreementsPage,
    ApiTokensPage,
    AuditLogPage,
    BasePage,
    ComparePage,
    ExportPage,
    HistoryPage,
    HomePage,
    ImportPage,
    InvitePage,
    LoginPage,
    MemberEditPage,
    MembersPage,
    PasswordResetConfirmPage,
    PasswordResetDonePage,
    PasswordResetPage,
    PlatformOrganisationsPage,
    PublicTransparencyPage,
    RegisterListPage,
    SettingsEditPage,
    SettingsPage,
    StaffBodiesPage,
    StaffBodyDeletePage,
    StaffBodyPage,
    ToolFormPage,
    ToolPage,
    TransparencyPage,
    VendorFormPage,
    VendorListPage,
    VendorPage,
)
from tests.factories import UserFactory, make_tool

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IMPORT_CSV = (
    "Nom;Fournisseur;Finalité;Statut;Usage\n"
    "Chatbot RH;Parlia;Répondre aux questions des salariés;En service;Répond sur les congés\n"
    "Planificateur;Planifix;Planifier les tournées;projet;Calcule les tournées\n"
)
INVALID_IMPORT_CSV = "Nom;Statut\nChatbot RH;En service\nPlanificateur;Peut-être\n"


@dataclass
class World:
    """One organisation as it looks after some months of use."""

    personas: Any
    tool: Tool  # in service, three versions, two documents
    vendor: Vendor
    body: StaffBody
    invitation_token: str
    superuser: Any
    files: Path

    def user(self, who: str) -> Any:
        return self.superuser if who == "superuser" else getattr(self.personas, who)

    def file(self, name: str, content: bytes | str) -> str:
        path = self.files / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)


@pytest.fixture
def world(personas: Any, settings: Any, tmp_path: Path) -> World:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    p = personas
    organisation_services.update_organisation(
        p.org,
        p.admin,
        {"contact_email": "ia@acme.example", "transparency_public": True, "open_data_enabled": True},
        "Publication décidée avec le CSE",
    )
    vendor = services.create_vendor(
        p.delegate, {"name": "Planifix", "country": "France", "in_eu": "yes"}, organisation_id=p.org.pk
    )
    services.update_vendor_note(vendor, p.org, p.delegate, "Contrat renouvelé chaque année en mars.")
    tool = make_tool(
        p.org,
        p.delegate,
        name="Planification des équipes",
        vendor=vendor,
        status="in_service",
        domain_category="scheduling",
        is_ai_system="yes",
        can_monitor_activity="no",
        function="Propose les plannings",
        purpose="Réduire les conflits d'horaires",
        staff_impact="Vos horaires sont proposés par l'outil et validés par votre responsable.",
    )
    services.update_tool(tool, p.delegate, {"function": "Construit les plannings"}, "Précision du CSE")
    services.update_tool(tool, p.manager, {"purpose": "Respecter les temps de repos"}, "Accord signé")
    for name, content in [("notice.pdf", PDF), ("faq.txt", b"Questions et reponses sur le planning.\n")]:
        services.add_attachment(
            p.org, p.delegate, SimpleUploadedFile(name, content), title=name, kind="instructions", tool=tool
        )
    for name, status, category in [
        ("Tri des candidatures", "project", "recruitment"),
        ("Assistant de rédaction", "pilot", "generative_assistant"),
        ("Badgeuse connectée", "suspended", "activity_monitoring"),
    ]:
        make_tool(p.org, p.manager, name=name, status=status, domain_category=category, vendor=vendor)
    body = organisation_services.create_staff_body(
        p.org,
        p.admin,
        kind="cse",
        name="CSE central",
        members=[("Camille Martin", "Secrétaire"), ("Samir Haddad", "Trésorier")],
    )
    organisation_services.create_agreement(
        p.org,
        p.admin,
        title="Accord sur le numérique",
        kind="collective",
        signed_on=None,
        document=SimpleUploadedFile("accord.pdf", PDF),
    )
    _invitation, invitation_token = organisation_services.invite_member(
        p.org, p.admin, "nouvelle@acme.example", [Role.EMPLOYEE], department="Logistique"
    )
    tokens.create_token(p.org, p.delegate, name="Tableau de bord", role=Role.DELEGATE)
    Membership.objects.create(organisation=p.other_org, user=p.admin, role=Role.EMPLOYEE)
    superuser = UserFactory(email="platform@example.org", is_superuser=True, is_staff=True)
    files = tmp_path / "files"
    files.mkdir()
    return World(p, tool, vendor, body, invitation_token, superuser, files)


# What to do on a page before auditing it -----------------------------------------------------------------


def change_filter_with_htmx(page: Page, world: World) -> None:
    register = RegisterListPage(page)
    expect(register.tool_links()).to_have_count(4)
    register.change_filter(status="in_service")
    expect(register.tool_links()).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]status=in_service"))  # pushed by htmx, not a new page


def submit_edit_with_errors(page: Page, world: World) -> None:
    form = ToolFormPage(page)
    form.fill(name="   ", purpose="Autre finalité")
    form.save(reason="   ")
    expect(form.field_errors).to_have_count(2)


def submit_status_without_reason(page: Page, world: World) -> None:
    record = ToolPage(page)
    record.change_status("suspended", reason="   ")
    expect(record.status_form.locator(".field-error")).to_be_visible()


def attach_a_disguised_html_file(page: Page, world: World) -> None:
    record = ToolPage(page)
    record.attach(world.file("notice.pdf", "<!DOCTYPE html><html><body>Pas un PDF</body></html>"))
    expect(record.attachment_form.locator(".field-error")).to_be_visible()


def upload_for_import(page: Page, world: World) -> None:
    importer = ImportPage(page)
    importer.upload(world.file("registre.csv", IMPORT_CSV))
    expect(importer.mapped_column("name")).to_have_value("Nom")


def check_the_import(page: Page, world: World) -> None:
    upload_for_import(page, world)
    importer = ImportPage(page)
    importer.map_column("function", "Usage")
    importer.check()
    expect(importer.import_button).to_be_visible()


def check_an_invalid_import(page: Page, world: World) -> None:
    importer = ImportPage(page)
    importer.upload(world.file("registre.csv", INVALID_IMPORT_CSV))
    importer.check()
    expect(importer.problems).to_have_count(1)


def create_a_token(page: Page, world: World) -> None:
    api_tokens = ApiTokensPage(page)
    api_tokens.create_token("Script d'export")
    expect(api_tokens.new_token).to_be_visible()


def expect_the_filtered_tool(page: Page, world: World) -> None:
    expect(RegisterListPage(page).tool_links()).to_have_text(["Planification des équipes"])


def expect_two_organisations(page: Page, world: World) -> None:
    expect(HomePage(page).main.get_by_role("listitem")).to_have_text(["Acme", "Other"])


def expect_the_account_form(page: Page, world: World) -> None:
    expect(AcceptInvitationPage(page).field("password1")).to_be_visible()


def submit_an_invalid_invitation(page: Page, world: World) -> None:
    invite = InvitePage(page)
    invite.field("email").fill("pas-une-adresse")
    invite.submit()
    expect(invite.field_errors.first).to_be_visible()


def request_a_reset_link(page: Page, world: World) -> None:
    PasswordResetPage(page).request_link("employee@acme.example")
    expect(page).to_have_url(re.compile(re.escape(PasswordResetDonePage.path()) + "$"))


def verify_the_chain(page: Page, world: World) -> None:
    audit = AuditLogPage(page)
    audit.main.get_by_role("button", name="Verify the chain").click()
    expect(audit.main.get_by_role("status")).to_contain_text("The chain is intact")


# Every page type -----------------------------------------------------------------------------------------

Url = Callable[[World], str]
Action = Callable[[Page, World], None]


@dataclass(frozen=True)
class Visit:
    name: str
    who: str | None  # a persona, "superuser", or None for an anonymous visitor
    url: Url
    status: int = 200  # of the page first opened
    act: Action | None = None


def acme(page_class: type[BasePage], query: str = "") -> Url:
    return lambda world: page_class.path(query, org="acme")


def of_tool(page_class: type[BasePage], query: str = "") -> Url:
    return lambda world: page_class.path(query, org="acme", pk=world.tool.pk)


def edit_form(world: World) -> str:
    return ToolFormPage.edit_path(org="acme", pk=world.tool.pk)


def of_vendor(page_class: type[BasePage]) -> Url:
    return lambda world: page_class.path(org="acme", pk=world.vendor.pk)


def compare_oldest_and_newest(world: World) -> str:
    versions = list(world.tool.history.order_by("history_id").values_list("history_id", flat=True))
    return ComparePage.path(f"a={versions[0]}&b={versions[-1]}", org="acme", pk=world.tool.pk)


def staff_body(world: World) -> str:
    return StaffBodyPage.path(org="acme", body_id=world.body.pk)


def staff_body_delete(world: World) -> str:
    return StaffBodyDeletePage.path(org="acme", body_id=world.body.pk)


def member_edit(world: World) -> str:
    return MemberEditPage.path(org="acme", user_id=world.personas.employee.pk)


def invitation(world: World) -> str:
    return AcceptInvitationPage.path(token=world.invitation_token)


def password_reset_link(world: World) -> str:
    user = world.personas.employee
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return PasswordResetConfirmPage.path(uidb64=uid, token=default_token_generator.make_token(user))


def missing_tool(world: World) -> str:
    return ToolPage.path(org="acme", pk=world.tool.pk + 1000)


VISITS = [
    # The register
    Visit("register list", "delegate", acme(RegisterListPage)),
    Visit(
        "register list with filters",
        "delegate",
        acme(RegisterListPage, "status=in_service&domain_category=scheduling&is_ai_system=yes&sort=-updated"),
        act=expect_the_filtered_tool,
    ),
    Visit("register list updated by htmx", "delegate", acme(RegisterListPage), act=change_filter_with_htmx),
    Visit("register list with an invalid filter", "delegate", acme(RegisterListPage, "risk=9"), status=400),
    Visit("record page", "delegate", of_tool(ToolPage)),
    Visit("record page of a staff representative", "staff_rep", of_tool(ToolPage)),
    Visit("create form", "delegate", acme(ToolFormPage)),
    Visit("edit form", "delegate", edit_form),
    Visit("edit form with errors", "delegate", edit_form, act=submit_edit_with_errors),
    Visit("status change with an error", "delegate", of_tool(ToolPage), act=submit_status_without_reason),
    Visit("attachment upload error", "delegate", of_tool(ToolPage), act=attach_a_disguised_html_file),
    Visit("history", "staff_rep", of_tool(HistoryPage)),
    Visit("compare", "staff_rep", compare_oldest_and_newest),
    Visit("vendor list", "delegate", acme(VendorListPage)),
    Visit("vendor page", "delegate", of_vendor(VendorPage)),
    Visit("vendor page of a staff representative", "staff_rep", of_vendor(VendorPage)),
    Visit("vendor edit", "delegate", of_vendor(VendorFormPage)),
    Visit("staff transparency", "employee", acme(TransparencyPage)),
    Visit("public transparency", None, acme(PublicTransparencyPage)),
    # Import and export
    Visit("import upload", "delegate", acme(ImportPage)),
    Visit("import mapping", "delegate", acme(ImportPage), act=upload_for_import),
    Visit("import preview", "delegate", acme(ImportPage), act=check_the_import),
    Visit("import preview with an invalid row", "delegate", acme(ImportPage), act=check_an_invalid_import),
    Visit("export", "delegate", acme(ExportPage)),
    # The organisation
    Visit("organisation settings", "admin", acme(SettingsPage)),
    Visit("organisation settings edit", "admin", acme(SettingsEditPage)),
    Visit("staff bodies", "admin", acme(StaffBodiesPage)),
    Visit("staff body", "admin", staff_body),
    Visit("confirmation", "admin", staff_body_delete),
    Visit("agreements", "admin", acme(AgreementsPage)),
    Visit("members", "admin", acme(MembersPage)),
    Visit("member edit", "admin", member_edit),
    Visit("invite", "admin", acme(InvitePage)),
    Visit("invite with an error", "admin", acme(InvitePage), act=submit_an_invalid_invitation),
    Visit("invitation accept", None, invitation, act=expect_the_account_form),
    Visit("invitation not valid", None, lambda world: AcceptInvitationPage.path(token="expired"), status=404),
    Visit("API tokens", "delegate", acme(ApiTokensPage)),
    Visit("API tokens with a new token", "delegate", acme(ApiTokensPage), act=create_a_token),
    Visit("audit log", "admin", acme(AuditLogPage)),
    Visit("audit log with the chain verified", "admin", acme(AuditLogPage), act=verify_the_chain),
    Visit("platform organisations", "superuser", lambda world: PlatformOrganisationsPage.path()),
    Visit(
        "home with several organisations",
        "admin",
        lambda world: HomePage.path(),
        act=expect_two_organisations,
    ),
    # Accounts and errors
    Visit("login", None, lambda world: LoginPage.path()),
    Visit("password reset", None, lambda world: PasswordResetPage.path()),
    Visit("password reset link sent", None, lambda world: PasswordResetPage.path(), act=request_a_reset_link),
    Visit("password reset confirm", None, password_reset_link),
    Visit("404 page", "delegate", missing_tool, status=404),
    Visit("403 page", "employee", acme(RegisterListPage), status=403),
]


def visit(page: Page, world: World, login: Callable[[Page, Any], None], target: Visit) -> None:
    if target.who:
        login(page, world.user(target.who))
    response = page.goto(target.url(world))
    assert response is not None
    assert response.status == target.status, f"{target.url(world)} answered {response.status}"
    if target.act:
        target.act(page, world)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


@pytest.mark.parametrize("target", VISITS, ids=[v.name for v in VISITS])
def test_page_is_accessible(
    page: Page, world: World, login: Callable[[Page, Any], None], target: Visit
) -> None:
    visit(page, world, login, target)
    assert_accessible(page)


# In French, the default language: the same pages with translated labels and `lang="fr"` --------------------

FRENCH = {
    "register list updated by htmx": "Registre des systèmes d'IA et outils numériques",
    "record page": "Planification des équipes",
    "edit form with errors": "Modifier Planification des équipes",
    "staff transparency": "Outils numériques et IA au travail",
    "import mapping": "Correspondance des colonnes",
    "login": "Se connecter",
}
FRENCH_VISITS = [v for v in VISITS if v.name in FRENCH]


@pytest.mark.parametrize("target", FRENCH_VISITS, ids=[v.name for v in FRENCH_VISITS])
def test_page_is_accessible_in_french(
    page: Page,
    world: World,
    login: Callable[[Page, Any], None],
    target: Visit,
    settings: Any,
    live_server: Any,
) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    visit(page, world, login, target)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(FRENCH[target.name])
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()
    assert_accessible(page)


# Qualification and obligations ---------------------------------------------------------------------------


def _qualified(world: World) -> Any:
    """The record page's tool, answered as a high-risk recruitment tool (obligations with reasons, one
    to clarify), once per test."""
    from revoyure.qualification import services as qualification_services

    qualification_services.record_answers(
        world.tool,
        world.personas.delegate,
        {
            "sys.infers_outputs": True,
            "sys.annex3_point": "4a",
            "sys.profiling": True,
            "sys.used_at_workplace": True,
        },
    )
    return world.tool


def _an_obligation(world: World) -> Any:
    from revoyure.qualification.models import Obligation

    _qualified(world)
    return Obligation.objects.filter(tool=world.tool).order_by("rule_id").first()


def qualification_page(world: World) -> str:
    from tests.browser.pages import QualificationPage

    return QualificationPage.path(org="acme", pk=_qualified(world).pk)


def question_page(query: str = "") -> Url:
    def url(world: World) -> str:
        from tests.browser.pages import QuestionPage

        return QuestionPage.path(query, org="acme", pk=_qualified(world).pk)

    return url


def obligation_page(world: World) -> str:
    from tests.browser.pages import ObligationPage

    return ObligationPage.path(org="acme", obligation_id=_an_obligation(world).pk)


def obligations_page(page_class_name: str, query: str = "") -> Url:
    def url(world: World) -> str:
        from tests.browser import pages

        _qualified(world)
        return getattr(pages, page_class_name).path(query, org="acme")

    return url


def submit_an_empty_answer(page: Page, world: World) -> None:
    from tests.browser.pages import QuestionPage

    questions = QuestionPage(page)
    questions.save()
    expect(questions.field_errors.first).to_be_visible()


def submit_done_without_evidence(page: Page, world: World) -> None:
    from tests.browser.pages import ObligationPage

    obligation = ObligationPage(page)
    obligation.set_status("Done")
    expect(obligation.field_errors.first).to_be_visible()


QUALIFICATION_VISITS = [
    Visit("tool qualification", "staff_rep", qualification_page),
    Visit("question (yes / no / I don't know)", "delegate", question_page("q=infers-outputs")),
    Visit("question (choices)", "delegate", question_page("q=annex3-point")),
    Visit("question (checkboxes)", "delegate", question_page("q=affected-public")),
    Visit("question (date)", "delegate", question_page("q=first-use-date")),
    Visit(
        "question with an error", "delegate", question_page("q=first-use-date"), act=submit_an_empty_answer
    ),
    Visit("questionnaire summary", "delegate", question_page("summary=1")),
    Visit("obligation", "delegate", obligation_page),
    Visit("obligation with an error", "delegate", obligation_page, act=submit_done_without_evidence),
    Visit("obligations dashboard", "staff_rep", obligations_page("ObligationsDashboardPage")),
    Visit(
        "obligations dashboard filtered",
        "staff_rep",
        obligations_page("ObligationsDashboardPage", "family=ai_act"),
    ),
    Visit(
        "obligations dashboard invalid filter",
        "staff_rep",
        obligations_page("ObligationsDashboardPage", "state=zzz"),
        status=400,
    ),
    Visit("obligations calendar", "staff_rep", obligations_page("ObligationsCalendarPage", "month=2027-12")),
]


@pytest.mark.parametrize("target", QUALIFICATION_VISITS, ids=[v.name for v in QUALIFICATION_VISITS])
def test_qualification_page_is_accessible(
    page: Page, world: World, login: Callable[[Page, Any], None], target: Visit
) -> None:
    visit(page, world, login, target)
    assert_accessible(page)


def pia_import_page(world: World) -> str:
    return f"/o/acme/tools/{world.tool.pk}/dpia/import/"


def pia_detail_page(world: World) -> str:
    from revoyure.assessments.services_pia import import_pia

    data = (Path(__file__).parent.parent / "assessments" / "data" / "pia_export.json").read_bytes()
    pia = import_pia(world.tool, world.personas.delegate, data, "pia_export.json")
    return f"/o/acme/dpia/{pia.pk}/"


DPIA_VISITS = [
    Visit("DPIA import form", "delegate", pia_import_page),
    Visit("imported DPIA (read-only)", "staff_rep", pia_detail_page),
]


@pytest.mark.parametrize("target", DPIA_VISITS, ids=[v.name for v in DPIA_VISITS])
def test_dpia_page_is_accessible(
    page: Page, world: World, login: Callable[[Page, Any], None], target: Visit
) -> None:
    visit(page, world, login, target)
    assert_accessible(page)
