"""The register exports (issue 2 §5): JSON, CSV and XLSX that re-import to the same records, CSV-injection
safety, the Algoritmeregister v1.0 and ATRS mappings value by value, the open-data export and the web
export page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from revoyure.organisations.models import Organisation
from revoyure.registry import services
from revoyure.registry.choices import Annex3Point, DecisionRole, ToolStatus
from revoyure.registry.exporting.interop import ALGORITMEREGISTER_KEYS, ATRS_KEYS
from revoyure.registry.exporting.records import PUBLIC_FIELDS
from revoyure.registry.fields import field_specs
from revoyure.registry.models import Vendor
from tests.factories import OrganisationFactory
from tests.test_import import run_import

FULL_RECORD: dict[str, Any] = {
    "name": "TriCV — présélection",
    "system_created_on": dt.date(2021, 5, 4),
    "vendor_version": "4.2",
    "status": ToolStatus.IN_SERVICE,
    "pilot_started_on": dt.date(2022, 1, 10),
    "in_service_on": dt.date(2022, 9, 1),
    "developed_in_house": False,
    "owner_department": "Ressources humaines",
    "owner_name": "Marie Dubois",
    "affected_public": ["candidates", "employees"],
    "affected_public_details": "Candidats externes",
    "affected_workers_count": 40,
    "function": "Recruter",
    "purpose": "Sélectionner des candidats",
    "specific_modalities": "Évaluation de candidats",
    "domain_category": "recruitment",
    "techniques": ["machine_learning", "rules"],
    "is_ai_system": "yes",
    "risk_fundamental_rights": 3,
    "risk_fundamental_rights_justification": "Risque de discrimination",
    "risk_health": 1,
    "rights_non_discrimination_measures": "Audit annuel des biais",
    "security_measures": [{"type": "cyber", "description": "Double authentification"}],
    "user_trainings": [
        {"title": "Prise en main", "audience": "RH", "date": "2022-08-30", "people_trained": 12}
    ],
    "human_oversight_persons": "Jean Moreau",
    "personal_data": "yes",
    "personal_data_categories": "CV, lettres",
    "dpia_status": "done",
    "can_monitor_activity": "no",
    "decision_role": "advisory",
    "legal_or_significant_effects": "yes",
    "number_of_sites": 3,
    "project_cost": Decimal("12500.50"),
    "organisation_role": "deployer",
    "annex3_point": "4a",
    "profiling": "yes",
    "staff_impact": "Un recruteur lit chaque dossier.",
    "staff_contact": "delegue@acme.example",
}


def export(slug: str, fmt: str, output: Path | None = None) -> str:
    out = io.StringIO()
    args = [slug, "--format", fmt] + (["-o", str(output)] if output else [])
    call_command("export_register", *args, stdout=out)
    return out.getvalue()


def records(text: str) -> list[dict[str, Any]]:
    found = json.loads(text)["records"]
    for record in found:
        record.pop("updated_at")
    return found


@pytest.fixture
def register(personas: Any) -> Organisation:
    vendor = Vendor.objects.create(name="TalentSoft Analytics")
    services.create_tool(personas.org, personas.delegate, {**FULL_RECORD, "vendor": vendor})
    services.create_tool(
        personas.org,
        personas.delegate,
        {"name": "Planificateur", "status": "pilot", "pilot_started_on": dt.date(2024, 2, 1)},
    )
    services.create_tool(personas.org, personas.delegate, {"name": "Projet RH"})
    return personas.org


@pytest.fixture
def empty_org(db: Any) -> Organisation:
    return OrganisationFactory(slug="empty", name="Empty")


# JSON ----------------------------------------------------------------------------------------------------


def test_json_export_has_its_header_and_one_record_per_tool(register: Organisation) -> None:
    document = json.loads(export("acme", "json"))
    assert (document["format"], document["version"]) == ("revoyure-register", 1)
    assert document["organisation"] == {"slug": "acme", "name": "Acme"}
    assert dt.datetime.fromisoformat(document["exported_at"])
    assert [r["name"] for r in document["records"]] == ["Planificateur", "Projet RH", "TriCV — présélection"]


def test_json_record_holds_every_field_with_plain_values(register: Organisation) -> None:
    record = json.loads(export("acme", "json"))["records"][2]
    assert list(record) == [spec.name for spec in field_specs()]
    assert (record["vendor"], record["in_service_on"], record["project_cost"]) == (
        "TalentSoft Analytics",
        "2022-09-01",
        12500.5,
    )
    assert (record["techniques"], record["risk_fundamental_rights"]) == (["machine_learning", "rules"], 3)
    assert record["user_trainings"][0]["people_trained"] == 12


def test_json_round_trip_into_an_empty_organisation(
    register: Organisation, empty_org: Organisation, tmp_path: Path
) -> None:
    first = export("acme", "json")
    (tmp_path / "register.json").write_text(first, encoding="utf-8")
    _code, out, err = run_import("empty", tmp_path / "register.json")
    assert out.strip() == "imported 3 records", err
    assert records(export("empty", "json")) == records(first)


def test_export_goes_to_a_file_with_output(register: Organisation, tmp_path: Path) -> None:
    printed = export("acme", "json", tmp_path / "out.json")
    assert printed == ""
    assert len(json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["records"]) == 3


def test_export_of_an_unknown_organisation_is_refused(db: Any) -> None:
    with pytest.raises(CommandError, match="no organisation with the slug 'nowhere'"):
        export("nowhere", "json")


# CSV and XLSX --------------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_comma_separated_with_field_names(register: Organisation) -> None:
    text = export("acme", "csv")
    assert text.startswith("\ufeffname,system_created_on,updated_at,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[2]["techniques"] == "machine_learning, rules"
    assert json.loads(rows[2]["security_measures"]) == FULL_RECORD["security_measures"]


def test_csv_export_reimports_to_the_same_records(
    register: Organisation, empty_org: Organisation, tmp_path: Path
) -> None:
    export("acme", "csv", tmp_path / "register.csv")
    _code, out, err = run_import("empty", tmp_path / "register.csv")
    assert out.strip() == "imported 3 records", err
    assert records(export("empty", "json")) == records(export("acme", "json"))


def test_xlsx_export_reimports_to_the_same_records(
    register: Organisation, empty_org: Organisation, tmp_path: Path
) -> None:
    export("acme", "xlsx", tmp_path / "register.xlsx")
    _code, out, err = run_import("empty", tmp_path / "register.xlsx")
    assert out.strip() == "imported 3 records", err
    assert records(export("empty", "json")) == records(export("acme", "json"))


def test_xlsx_has_the_register_then_a_legend_sheet(register: Organisation, tmp_path: Path) -> None:
    export("acme", "xlsx", tmp_path / "register.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "register.xlsx")
    assert workbook.sheetnames == ["Register", "Légende"]
    header = [cell.value for cell in workbook["Register"][1]]
    assert header == [spec.name for spec in field_specs()]
    legend = {row[0]: row for row in workbook["Légende"].iter_rows(min_row=2, values_only=True)}
    assert legend["status"][2] == "status"
    assert legend["status"][5] == "project, pilot, in_service, suspended, withdrawn"
    assert workbook["Register"].cell(row=4, column=header.index("in_service_on") + 1).is_date


def test_xlsx_needs_an_output_file(register: Organisation) -> None:
    with pytest.raises(CommandError, match="the xlsx format is binary: give a file with -o"):
        export("acme", "xlsx")


DANGEROUS = ['=HYPERLINK("http://evil")', "+33 1 23 45 67 89", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def dangerous_register(personas: Any) -> Organisation:
    for position, text in enumerate(DANGEROUS):
        services.create_tool(
            personas.org,
            None,
            {"name": f"Tool {position}", "purpose": text, "staff_impact": text, "status": "in_service"},
        )
    return personas.org


def test_csv_cells_that_could_run_as_formulas_are_prefixed(dangerous_register: Organisation) -> None:
    rows = list(csv.DictReader(io.StringIO(export("acme", "csv").lstrip("\ufeff"))))
    assert [row["purpose"] for row in rows] == ["'" + text for text in DANGEROUS]


def test_xlsx_cells_that_could_run_as_formulas_are_prefixed(
    dangerous_register: Organisation, tmp_path: Path
) -> None:
    export("acme", "xlsx", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Register"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("purpose") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, 2 + len(DANGEROUS))]
    # XML stores a carriage return as a line feed.
    assert [cell.value.replace("\n", "\r") for cell in cells] == ["'" + text for text in DANGEROUS]
    assert all(cell.data_type == "s" for cell in cells)


def test_escaped_cells_reimport_to_the_original_text(
    dangerous_register: Organisation, empty_org: Organisation, tmp_path: Path
) -> None:
    export("acme", "csv", tmp_path / "r.csv")
    run_import("empty", tmp_path / "r.csv")
    purposes = sorted(empty_org.tools.values_list("purpose", flat=True))
    assert purposes == sorted(text.strip() for text in DANGEROUS)


# Algoritmeregister v1.0 ------------------------------------------------------------------------------------


def algoritmeregister(slug: str = "acme") -> list[dict[str, Any]]:
    return json.loads(export(slug, "algoritmeregister"))


def test_algoritmeregister_record_has_exactly_the_standard_keys(register: Organisation) -> None:
    for record in algoritmeregister():
        assert tuple(record) == ALGORITMEREGISTER_KEYS


def test_algoritmeregister_maps_public_fields(register: Organisation) -> None:
    register.contact_email = "ia@acme.example"
    register.save()
    record = algoritmeregister()[2]
    tool = register.tools.get(name="TriCV — présélection")
    assert record["name"] == "TriCV — présélection"
    assert record["description_short"] == "Recruter"
    assert record["goal"] == "Sélectionner des candidats"
    assert record["organization"] == "Acme"
    assert record["provider"] == "TalentSoft Analytics"
    assert record["contact_email"] == "ia@acme.example"
    assert (record["lang"], record["standard_version"], record["source_id"]) == ("fra", "1.0", str(tool.pk))
    assert (record["begin_date"], record["end_date"]) == ("2022-09", "")
    assert record["tags"] == "Recrutement"


def test_algoritmeregister_leaves_fields_without_equivalent_empty(register: Organisation) -> None:
    record = algoritmeregister()[2]
    for key in (
        "website",
        "url",
        "proportionality",
        "human_intervention",
        "risks",
        "lawful_basis",
        "process_index_url",
        "impacttoetsen",
        "source_data",
        "methods_and_models",
        "publiccode",
    ):
        assert record[key] == "", key
    for key in ("category", "lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping"):
        assert record[key] == [], key


def test_algoritmeregister_publishes_no_private_field(register: Organisation) -> None:
    text = export("acme", "algoritmeregister")
    for private in ("Risque de discrimination", "Marie Dubois", "Jean Moreau", "CV, lettres", "Audit annuel"):
        assert private not in text


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("project", "In ontwikkeling"),
        ("pilot", "In gebruik"),
        ("in_service", "In gebruik"),
        ("suspended", "In gebruik"),
        ("withdrawn", "Buiten gebruik"),
    ],
)
def test_algoritmeregister_status_mapping(personas: Any, status: str, expected: str) -> None:
    services.create_tool(personas.org, None, {"name": "T", "status": status})
    assert algoritmeregister()[0]["status"] == expected


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (Annex3Point.BIOMETRIC_CATEGORISATION, "Hoog-risico AI-systeem"),
        (Annex3Point.EMOTION_RECOGNITION, "Hoog-risico AI-systeem"),
        (Annex3Point.RECRUITMENT, "Hoog-risico AI-systeem"),
        (Annex3Point.WORK_RELATIONSHIPS, "Hoog-risico AI-systeem"),
        (Annex3Point.ESSENTIAL_SERVICES_CREDIT, "Hoog-risico AI-systeem"),
        (Annex3Point.ESSENTIAL_SERVICES_INSURANCE, "Hoog-risico AI-systeem"),
        (Annex3Point.OTHER, "Overige algoritmes"),
        (Annex3Point.NONE, "Overige algoritmes"),
        (Annex3Point.UNKNOWN, "Overige algoritmes"),
    ],
)
def test_algoritmeregister_publication_category_by_annex_iii_point(
    personas: Any, point: str, expected: str
) -> None:
    services.create_tool(personas.org, None, {"name": "T", "annex3_point": point})
    assert algoritmeregister()[0]["publication_category"] == expected


@pytest.mark.parametrize(
    ("role", "effects", "expected"),
    [
        (DecisionRole.NONE, "no", "Overige algoritmes"),
        (DecisionRole.ADVISORY, "unknown", "Overige algoritmes"),
        (DecisionRole.DECISIVE, "no", "Impactvolle algoritmes"),
        (DecisionRole.SOLELY_AUTOMATED, "no", "Impactvolle algoritmes"),
        (DecisionRole.NONE, "yes", "Impactvolle algoritmes"),
    ],
)
def test_algoritmeregister_impactful_when_decisions_about_persons_weigh(
    personas: Any, role: str, effects: str, expected: str
) -> None:
    services.create_tool(
        personas.org,
        None,
        {"name": "T", "decision_role": role, "legal_or_significant_effects": effects, "annex3_point": "none"},
    )
    assert algoritmeregister()[0]["publication_category"] == expected


def test_algoritmeregister_high_risk_wins_over_impactful(personas: Any) -> None:
    services.create_tool(personas.org, None, {"name": "T", "decision_role": "decisive", "annex3_point": "4b"})
    assert algoritmeregister()[0]["publication_category"] == "Hoog-risico AI-systeem"


def test_algoritmeregister_dates_are_year_and_month(personas: Any) -> None:
    services.create_tool(
        personas.org,
        None,
        {
            "name": "T",
            "status": "withdrawn",
            "pilot_started_on": dt.date(2020, 3, 17),
            "withdrawn_on": dt.date(2023, 11, 2),
        },
    )
    record = algoritmeregister()[0]
    assert (record["begin_date"], record["end_date"]) == ("2020-03", "2023-11")


# ATRS ------------------------------------------------------------------------------------------------------


def test_atrs_tier_1_record(register: Organisation) -> None:
    register.contact_email = "ia@acme.example"
    register.save()
    record = json.loads(export("acme", "atrs"))[2]
    assert tuple(record) == ATRS_KEYS
    assert record == {
        "name": "TriCV — présélection",
        "description": "Recruter",
        "organisation": "Acme",
        "function": "Recrutement",
        "phase": "Production",
        "contact": "ia@acme.example",
        "website": "",
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("project", "Pre-deployment"),
        ("pilot", "Beta/pilot"),
        ("in_service", "Production"),
        ("suspended", "Production"),
        ("withdrawn", "Retired"),
    ],
)
def test_atrs_phase_mapping(personas: Any, status: str, expected: str) -> None:
    services.create_tool(personas.org, None, {"name": "T", "status": status})
    assert json.loads(export("acme", "atrs"))[0]["phase"] == expected


# Open data ---------------------------------------------------------------------------------------------


def test_open_data_is_not_found_unless_switched_on(register: Organisation, client: Any) -> None:
    assert client.get("/public/acme/open-data.json").status_code == 404
    assert client.get("/public/acme/open-data.csv").status_code == 404


def test_open_data_of_an_unknown_organisation_is_not_found(db: Any, client: Any) -> None:
    assert client.get("/public/nowhere/open-data.json").status_code == 404


@pytest.fixture
def open_register(register: Organisation) -> Organisation:
    register.open_data_enabled = True
    register.save()
    return register


def test_open_data_json_lists_public_fields_of_tools_in_use(open_register: Organisation, client: Any) -> None:
    response = client.get("/public/acme/open-data.json")
    document = response.json()
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert document["format"] == "revoyure-open-data"
    assert [r["name"] for r in document["records"]] == ["Planificateur", "TriCV — présélection"]
    assert tuple(document["records"][1]) == PUBLIC_FIELDS
    assert document["records"][1]["vendor"] == "TalentSoft Analytics"


def test_open_data_csv_has_only_public_columns(open_register: Organisation, client: Any) -> None:
    response = client.get("/public/acme/open-data.csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert tuple(rows[0]) == PUBLIC_FIELDS
    assert "Marie Dubois" not in text and "Risque de discrimination" not in text


def test_open_data_csv_is_injection_safe(dangerous_register: Organisation, client: Any) -> None:
    dangerous_register.open_data_enabled = True
    dangerous_register.save()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/public/acme/open-data.csv").content.decode("utf-8-sig")))
    )
    assert [row["purpose"] for row in rows] == ["'" + text for text in DANGEROUS]


def test_open_data_refuses_post(open_register: Organisation, client: Any) -> None:
    assert client.post("/public/acme/open-data.json").status_code == 405


# Web export page ---------------------------------------------------------------------------------------


def test_export_page_links_every_format(register: Organisation, personas: Any) -> None:
    response = personas.client("staff_rep").get("/o/acme/register/export/")
    assert response.status_code == 200
    for fmt in ("json", "csv", "xlsx", "algoritmeregister", "atrs"):
        assert f'href="/o/acme/register/export/{fmt}/"' in response.content.decode()


def _names_in(fmt: str, content: bytes) -> list[str]:
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Register"]
        return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    if fmt == "csv":
        return [row["name"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]
    data = json.loads(content)
    return [record["name"] for record in (data["records"] if fmt == "json" else data)]


@pytest.mark.parametrize(
    ("fmt", "content_type", "name"),
    [
        ("json", "application/json", "register-acme.json"),
        ("csv", "text/csv; charset=utf-8", "register-acme.csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "register-acme.xlsx"),
        ("algoritmeregister", "application/json", "register-acme-algoritmeregister.json"),
        ("atrs", "application/json", "register-acme-atrs.json"),
    ],
)
def test_export_download_in_each_format(
    register: Organisation, personas: Any, fmt: str, content_type: str, name: str
) -> None:
    response = personas.client("auditor").get(f"/o/acme/register/export/{fmt}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert _names_in(fmt, response.content) == ["Planificateur", "Projet RH", "TriCV — présélection"]


def test_export_of_an_unknown_format_is_not_found(register: Organisation, personas: Any) -> None:
    assert personas.client("auditor").get("/o/acme/register/export/pdf/").status_code == 404


def test_export_needs_the_export_permission(register: Organisation, personas: Any) -> None:
    client = personas.client("employee")
    assert client.get("/o/acme/register/export/").status_code == 403
    assert client.get("/o/acme/register/export/json/").status_code == 403


def test_export_is_not_found_for_an_outsider(register: Organisation, personas: Any) -> None:
    client = personas.client("outsider")
    assert client.get("/o/acme/register/export/").status_code == 404
    assert client.get("/o/acme/register/export/json/").status_code == 404


def test_export_download_refuses_post(register: Organisation, personas: Any) -> None:
    assert personas.client("auditor").post("/o/acme/register/export/json/").status_code == 405
