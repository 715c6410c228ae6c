"""User journeys through the real interface, in a real browser: what a person does and what they see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from revoyure.registry import services
from revoyure.registry.models import Tool
from tests.browser.pages import (
    ComparePage,
    HistoryPage,
    HomePage,
    ImportPage,
    LoginPage,
    RegisterListPage,
    ToolFormPage,
    ToolPage,
    TransparencyPage,
)
from tests.factories import PASSWORD, make_tool

Login = Callable[[Page, Any], None]

FUNCTION_LABEL = "Function performed by the system"
PURPOSE_LABEL = "Purpose of the system"


@pytest.fixture
def planning_tool(personas: Any) -> Tool:
    return make_tool(
        personas.org,
        personas.delegate,
        name="Planification des équipes",
        function="Propose les plannings",
        purpose="Réduire les conflits d'horaires",
    )


# Creating and editing a tool -----------------------------------------------------------------------------


def test_a_delegate_registers_a_tool_through_the_form_and_sees_its_record(page: Page, personas: Any) -> None:
    LoginPage(page).open().log_in("delegate@acme.example", PASSWORD)
    register = RegisterListPage(page)
    expect(register.heading).to_have_text("Register of AI systems and digital tools")
    register.start_new_tool()

    form = ToolFormPage(page)
    expect(form.heading).to_have_text("Register a new tool")
    form.fill(
        name="Tri des candidatures",
        function="Classe les candidatures reçues",
        purpose="Gagner du temps au recrutement",
        domain_category="recruitment",
        new_vendor_name="Recrutix",
    )
    form.save()

    record = ToolPage(page)
    tool = Tool.objects.get(organisation=personas.org)
    expect(page).to_have_url(re.compile(re.escape(ToolPage.path(org="acme", pk=tool.pk)) + "$"))
    expect(record.heading).to_have_text("Tri des candidatures")
    expect(page.get_by_role("status")).to_contain_text("is registered")
    expect(record.value_of(FUNCTION_LABEL)).to_have_text("Classe les candidatures reçues")
    expect(record.value_of(PURPOSE_LABEL)).to_have_text("Gagner du temps au recrutement")
    expect(record.value_of("Domain category")).to_have_text("Recruitment")
    expect(record.value_of("Provider (vendor)")).to_have_text("Recrutix")


def test_editing_a_tool_with_a_reason_shows_the_new_value(
    page: Page, personas: Any, planning_tool: Tool, login: Login
) -> None:
    login(page, personas.delegate)
    record = ToolPage(page).open(org="acme", pk=planning_tool.pk)
    record.follow("Edit the record")

    form = ToolFormPage(page)
    expect(form.heading).to_have_text("Edit Planification des équipes")
    form.fill(purpose="Équilibrer la charge entre les équipes")
    form.save(reason="Demande du CSE")

    expect(page.get_by_role("status")).to_contain_text("saved in the history")
    expect(record.value_of(PURPOSE_LABEL)).to_have_text("Équilibrer la charge entre les équipes")


def test_saving_an_edit_without_a_reason_shows_the_error_and_keeps_the_old_value(
    page: Page, personas: Any, planning_tool: Tool, login: Login
) -> None:
    login(page, personas.delegate)
    form = ToolFormPage(page).open_edit(org="acme", pk=planning_tool.pk)
    form.fill(purpose="Équilibrer la charge entre les équipes")
    # Spaces get past the browser's `required` check; the server still refuses an empty reason.
    form.save(reason="   ")

    expect(form.main.locator('[role="alert"]')).to_contain_text("The record is not saved")
    expect(form.field_errors).to_contain_text("Reason for the change")
    expect(form.field("purpose")).to_have_value("Équilibrer la charge entre les équipes")

    record = ToolPage(page).open(org="acme", pk=planning_tool.pk)
    expect(record.value_of(PURPOSE_LABEL)).to_have_text("Réduire les conflits d'horaires")
    assert planning_tool.history.count() == 1


def test_an_empty_reason_is_stopped_by_the_browser_before_anything_is_sent(
    page: Page, personas: Any, planning_tool: Tool, login: Login
) -> None:
    login(page, personas.delegate)
    form = ToolFormPage(page).open_edit(org="acme", pk=planning_tool.pk)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    form.fill(purpose="Équilibrer la charge entre les équipes")
    form.save()

    assert form.field("reason").evaluate("el => el.validity.valueMissing")
    assert form.field("reason").evaluate("el => el.validationMessage")  # what the browser tells the person
    assert posts == []
    assert planning_tool.history.count() == 1


# History -------------------------------------------------------------------------------------------------


def test_comparing_two_chosen_versions_highlights_the_changed_field(
    page: Page, personas: Any, planning_tool: Tool, login: Login
) -> None:
    services.update_tool(
        planning_tool, personas.delegate, {"function": "Construit les plannings"}, "Précision"
    )
    services.update_tool(planning_tool, personas.delegate, {"purpose": "Respecter les repos"}, "Accord signé")
    login(page, personas.staff_rep)
    ToolPage(page).open(org="acme", pk=planning_tool.pk).follow("History of changes")

    history = HistoryPage(page)
    expect(history.versions()).to_have_count(3)
    # Not the two newest, which the form offers first: versions 1 and 2 differ only by the function.
    history.compare_versions(older=1, newer=2)

    compare = ComparePage(page)
    expect(compare.heading).to_have_text("Compare two versions of Planification des équipes")
    function_row = compare.row(FUNCTION_LABEL)
    expect(function_row.locator(".badge")).to_have_text("changed")
    expect(function_row.locator(".diff-old")).to_have_text("Propose les plannings")
    expect(function_row.locator(".diff-new")).to_have_text("Construit les plannings")
    expect(compare.changed_rows()).to_have_count(1)
    expect(compare.row(PURPOSE_LABEL).locator("td").first).to_have_text("Réduire les conflits d'horaires")


# Staff transparency --------------------------------------------------------------------------------------


def test_an_employee_sees_the_tools_in_use_and_what_they_mean_for_staff(
    page: Page, personas: Any, login: Login
) -> None:
    make_tool(
        personas.org,
        personas.delegate,
        name="Planification des équipes",
        status="in_service",
        function="Propose les plannings de la semaine",
        staff_impact="Vos horaires sont proposés par l'outil et validés par votre responsable.",
    )
    make_tool(personas.org, personas.delegate, name="Tri des candidatures", status="project")
    login(page, personas.employee)
    HomePage(page).open()  # an employee starts on the transparency page

    transparency = TransparencyPage(page)
    expect(page).to_have_url(re.compile(re.escape(TransparencyPage.path(org="acme")) + "$"))
    expect(transparency.heading).to_have_text("Digital tools and AI at work")
    tool = transparency.main.locator(
        "article", has=page.get_by_role("heading", name="Planification des équipes")
    )
    expect(tool).to_be_visible()
    expect(transparency.value_of("What it does")).to_have_text("Propose les plannings de la semaine")
    expect(transparency.value_of("What it means for you")).to_have_text(
        "Vos horaires sont proposés par l'outil et validés par votre responsable."
    )
    expect(transparency.main.get_by_text("Tri des candidatures")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your rights")).to_be_visible()


# Import --------------------------------------------------------------------------------------------------


def write_csv(folder: Path, text: str) -> str:
    path = folder / "registre.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_delegate_imports_a_csv_after_adjusting_the_mapping(
    page: Page, personas: Any, login: Login, tmp_path: Path
) -> None:
    csv = write_csv(
        tmp_path,
        "Nom;Fournisseur;Finalité;Statut;Usage\n"
        "Chatbot RH;Parlia;Répondre aux questions des salariés;En service;Répond sur les congés\n"
        "Planificateur;Planifix;Planifier les tournées;projet;Calcule les tournées\n",
    )
    login(page, personas.delegate)
    importer = ImportPage(page).open(org="acme")
    importer.upload(csv)

    expect(importer.heading).to_have_text("Match the columns")
    expect(importer.main).to_contain_text("It holds 2 rows of data.")
    for field, column in [
        ("name", "Nom"),
        ("vendor", "Fournisseur"),
        ("purpose", "Finalité"),
        ("status", "Statut"),
    ]:
        expect(importer.mapped_column(field)).to_have_value(column)
    expect(importer.mapped_column("function")).to_have_value("")  # "Usage" is not a name it knows
    importer.map_column("function", "Usage")
    importer.check()

    expect(importer.heading).to_have_text("Check the import")
    expect(importer.main.get_by_role("status")).to_contain_text("2 records will be imported")
    expect(importer.main.get_by_role("status")).to_contain_text("New vendors will be created")
    expect(importer.preview_table).to_contain_text("Répond sur les congés")
    expect(importer.preview_table).to_contain_text("In service")
    assert not Tool.objects.exists()  # a dry run writes nothing
    importer.confirm()

    register = RegisterListPage(page)
    expect(page).to_have_url(re.compile(re.escape(RegisterListPage.path(org="acme")) + "$"))
    expect(page.get_by_role("status").first).to_contain_text("Imported 2 records from registre.csv")
    expect(register.tool_links()).to_have_text(["Chatbot RH", "Planificateur"])
    register.open_tool("Chatbot RH")
    expect(ToolPage(page).value_of(FUNCTION_LABEL)).to_have_text("Répond sur les congés")


def test_a_csv_with_an_invalid_row_shows_the_row_error_and_imports_nothing(
    page: Page, personas: Any, login: Login, tmp_path: Path
) -> None:
    csv = write_csv(
        tmp_path,
        "Nom;Fournisseur;Finalité;Statut\n"
        "Chatbot RH;Parlia;Répondre aux questions;En service\n"
        "Planificateur;Planifix;Planifier;Peut-être\n",
    )
    login(page, personas.delegate)
    importer = ImportPage(page).open(org="acme")
    importer.upload(csv)
    importer.check()

    expect(importer.main.locator('[role="alert"]')).to_contain_text("1 row out of 2 is invalid")
    expect(importer.problems).to_have_count(1)
    expect(importer.problems.first).to_contain_text("Row 3, status:")
    expect(importer.problems.first).to_contain_text("Peut-être")
    expect(importer.import_button).to_have_count(0)

    register = RegisterListPage(page).open(org="acme")
    expect(register.result_count).to_have_text("0 tools")
    assert not Tool.objects.exists()


# Language ------------------------------------------------------------------------------------------------


@pytest.fixture
def german_page(browser: Browser, live_server: Any, settings: Any) -> Iterator[Page]:
    """A browser that asks for German, a language Revoyure does not offer, so it gets the default."""
    settings.LANGUAGE_CODE = "fr"  # the project's default; the test settings use English
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    yield context.new_page()
    context.close()


def test_the_language_switch_changes_the_interface_from_french_to_english_and_back(
    german_page: Page, personas: Any, login: Login
) -> None:
    page = german_page
    login(page, personas.delegate)
    register = RegisterListPage(page).open(org="acme")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(register.heading).to_have_text("Registre des systèmes d'IA et outils numériques")

    register.switch_language()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(register.heading).to_have_text("Register of AI systems and digital tools")
    expect(page).to_have_url(re.compile(re.escape(RegisterListPage.path(org="acme")) + "$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    register.switch_language()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(register.heading).to_have_text("Registre des systèmes d'IA et outils numériques")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
