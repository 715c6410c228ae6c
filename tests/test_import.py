"""The register import (issue 2 §5): `manage.py import_register`, the readers, the conversions and the
all-or-nothing service. Every error path asserts its message and that nothing was written."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.fields import importable_field_names
from revoyure.registry.importing.convert import ConversionError, parse_date, parse_decimal
from revoyure.registry.importing.errors import ImportFileError
from revoyure.registry.importing.mapping import suggest_mapping
from revoyure.registry.importing.readers import open_table, sniff_delimiter
from revoyure.registry.importing.service import ImportRejected, SourceRow, import_records
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.search import apply_search

DATA = Path(__file__).parent / "data"


def run_import(*args: Any) -> tuple[int, str, str]:
    """Run the command; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_register", *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        "tools": Tool.objects.count(),
        "versions": Tool.history.count(),
        "vendors": Vendor.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding, newline="")
    return path


@pytest.fixture
def org(personas: Any) -> Any:
    return personas.org


# --list-fields ------------------------------------------------------------------------------------------


def test_list_fields_prints_every_importable_field(db: Any) -> None:
    code, out, _err = run_import("--list-fields")
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0
    assert names == importable_field_names()
    assert "updated_at" not in names


def test_list_fields_marks_only_name_as_required(db: Any) -> None:
    _code, out, _err = run_import("--list-fields")
    required = [line.split()[0] for line in out.splitlines() if " required" in line]
    assert required == ["name"]


def test_list_fields_gives_types_and_allowed_values(db: Any) -> None:
    _code, out, _err = run_import("--list-fields")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "date" in lines["in_service_on"].split()
    assert "project, pilot, in_service, suspended, withdrawn" in lines["status"]
    assert "1, 2, 3, 4" in lines["risk_health"]
    assert "machine_learning" in lines["techniques"]


# Success -------------------------------------------------------------------------------------------------


def test_import_prints_the_number_of_records_imported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,purpose\nChatbot,Answer\nPlanner,Plan\n")
    code, out, _err = run_import("acme", path)
    assert (code, out.strip()) == (0, "imported 2 records")
    assert sorted(org.tools.values_list("name", flat=True)) == ["Chatbot", "Planner"]


def test_dry_run_validates_and_writes_nothing(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name\nChatbot\nPlanner\n")
    before = counts()
    code, out, _err = run_import("acme", path, "--dry-run")
    assert (code, out.strip()) == (0, "dry run: 2 records would be imported")
    assert counts() == before


def test_import_writes_history_with_the_file_name_as_reason(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "legacy.csv", "name\nChatbot\n")
    run_import("acme", path)
    tool = org.tools.get()
    version = tool.history.get()
    assert version.history_change_reason == "Imported from legacy.csv"
    assert version.history_type == "+"
    assert version.name == "Chatbot"


def test_import_records_one_audit_entry_with_count_and_file(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "legacy.csv", "name\nA\nB\nC\n")
    before = AuditEntry.objects.count()
    run_import("acme", path)
    entries = AuditEntry.objects.filter(action="register.imported")
    assert AuditEntry.objects.count() == before + 1
    assert entries.get().data == {"count": 3, "file": "legacy.csv", "vendors_created": []}
    assert entries.get().organisation_id == org.pk


def test_imported_tools_are_found_by_the_french_search(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,purpose\nTriCV,Sélectionner les candidatures\nAutre,Rien\n")
    run_import("acme", path)
    found = apply_search(Tool.objects.filter(organisation=org), "candidature")
    assert list(found.values_list("name", flat=True)) == ["TriCV"]


def test_status_and_its_dates_are_imported(org: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path, "r.csv", "name,status,pilot_started_on,in_service_on\nX,in_service,2023-01-15,2023-06-01\n"
    )
    run_import("acme", path)
    tool = org.tools.get()
    assert (tool.status, tool.pilot_started_on, tool.in_service_on) == (
        "in_service",
        dt.date(2023, 1, 15),
        dt.date(2023, 6, 1),
    )


def test_rows_that_are_entirely_empty_are_skipped(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name;purpose\n;\nA;x\n ; \n\nB;y\n")
    _code, out, _err = run_import("acme", path)
    assert out.strip() == "imported 2 records"


def test_vendor_is_matched_case_insensitively_or_created_once(org: Any, tmp_path: Path) -> None:
    existing = Vendor.objects.create(name="OpenScript Europe")
    path = write(tmp_path, "r.csv", "name,vendor\nA,openscript europe\nB,Mailsoft\nC,MAILSOFT\n")
    run_import("acme", path)
    tools = {t.name: t.vendor for t in org.tools.select_related("vendor")}
    assert tools["A"] == existing
    assert tools["B"] == tools["C"]
    assert Vendor.objects.filter(name__iexact="mailsoft").count() == 1
    assert AuditEntry.objects.filter(action="vendor.created", data__name="Mailsoft").count() == 1
    assert AuditEntry.objects.get(action="register.imported").data["vendors_created"] == ["Mailsoft"]


def test_import_records_service_imports_source_rows(org: Any, personas: Any) -> None:
    rows = [SourceRow(1, {"name": "Chatbot", "status": "En service"}), SourceRow(2, {"name": "Planner"})]
    report = import_records(org, personas.delegate, rows, "api")
    assert report.imported == 2
    assert org.tools.get(name="Chatbot").status == "in_service"
    assert org.tools.get(name="Planner").history.get().history_user == personas.delegate


def test_mapping_file_maps_register_fields_to_columns(org: Any) -> None:
    _code, out, _err = run_import(
        "acme", DATA / "register-custom-columns.csv", "--mapping", DATA / "mapping-example.json"
    )
    tool = org.tools.select_related("vendor").get()
    assert out.strip() == "imported 1 records"
    assert (tool.name, tool.purpose, tool.vendor.name, tool.in_service_on) == (
        "Assistant mail",
        "Trier le courrier",
        "Mailsoft",
        dt.date(2023, 3, 1),
    )


def test_unknown_columns_are_reported_as_ignored(org: Any) -> None:
    code, _out, err = run_import(
        "acme", DATA / "register-custom-columns.csv", "--mapping", DATA / "mapping-example.json"
    )
    assert code == 0
    assert "warning: Column “Colonne inconnue” ignored: it matches no register field." in err


# Delimiters, encodings and formats ---------------------------------------------------------------------


def test_windows_1252_semicolon_csv_with_french_columns(org: Any) -> None:
    _code, out, _err = run_import("acme", DATA / "register-fr-cp1252-semicolon.csv")
    assert out.strip() == "imported 3 records"
    planif = org.tools.select_related("vendor").get(name="Planif’RH — planification")
    assert planif.vendor.name == "Société Générale d’Édition"
    assert (planif.status, planif.in_service_on, planif.is_ai_system) == (
        "in_service",
        dt.date(2024, 9, 3),
        "yes",
    )
    assert (planif.project_cost, planif.risk_health, planif.affected_public) == (
        Decimal("12500.50"),
        2,
        ["employees", "managers"],
    )
    cameras = org.tools.get(name="Caméras de l'entrepôt")
    assert (cameras.status, cameras.in_service_on, cameras.domain_category) == (
        "pilot",
        dt.date(2023, 2, 15),
        "vision",
    )
    assert cameras.vendor_id == planif.vendor_id  # same vendor, other case


def test_utf8_bom_tab_separated_csv_with_a_newline_in_a_quoted_cell(org: Any) -> None:
    _code, out, _err = run_import("acme", DATA / "register-utf8-bom-tab.csv")
    assert out.strip() == "imported 2 records"
    chatbot = org.tools.get(name="Chatbot RH")
    assert chatbot.function == "Answer questions\nabout leave"
    assert chatbot.techniques == ["generative", "rules"]
    assert (chatbot.number_of_sites, chatbot.status) == (3, "in_service")
    assert org.tools.get(name="Géoloc flotte").status == "suspended"


def test_dutch_algoritmeregister_csv_is_understood(org: Any) -> None:
    _code, out, _err = run_import("acme", DATA / "algoritmeregister-sample.csv")
    assert out.strip() == "imported 3 records"
    scan = org.tools.select_related("vendor").get(name="Parkeerscan")
    assert (scan.status, scan.in_service_on, scan.vendor.name) == (
        "in_service",
        dt.date(2021, 4, 1),
        "Voorbeeld Software B.V.",
    )
    assert scan.purpose.startswith("Handhaving van betaald parkeren.\nDe scanauto")
    assert org.tools.get(name="Fraudesignalering").withdrawn_on == dt.date(2022, 12, 1)
    assert org.tools.get(name="Chatbot Afvalwijzer").status == "project"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_common_delimiter_is_detected(delimiter: str) -> None:
    sample = (
        delimiter.join(["name", "purpose", "status"]) + "\n" + delimiter.join(["A", "b, c", "pilot"]) + "\n"
    )
    assert sniff_delimiter(sample) == delimiter


def test_latin1_file_with_windows_characters_is_decoded_as_windows_1252(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "nom;finalité\nŒuvre;Coût en € – “devis”\n", encoding="cp1252")
    run_import("acme", path)
    assert org.tools.get().purpose == "Coût en € – “devis”"


def test_non_latin_encoding_is_recognised(org: Any, tmp_path: Path) -> None:
    text = "name;purpose\n" + "".join(
        f"Система {i};Планирование смен сотрудников отдела {i}\n" for i in range(20)
    )
    path = write(tmp_path, "r.csv", text, encoding="cp1251")
    run_import("acme", path)
    assert org.tools.get(name="Система 3").purpose == "Планирование смен сотрудников отдела 3"


def test_xlsx_first_sheet_first_non_empty_row_is_the_header(org: Any, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = "Nom", "Date de mise en service", "Coût", "IA"
    sheet["B4"], sheet["C4"], sheet["D4"], sheet["E4"] = "Chatbot", dt.datetime(2024, 5, 2), 1500.5, True
    sheet["B6"], sheet["C6"], sheet["D6"] = "Planner", 45000, 12
    workbook.create_sheet("Ignored")["A1"] = "name"
    workbook.save(tmp_path / "r.xlsx")
    _code, out, err = run_import("acme", tmp_path / "r.xlsx")
    assert out.strip() == "imported 2 records", err
    chatbot = org.tools.get(name="Chatbot")
    assert (chatbot.in_service_on, chatbot.project_cost, chatbot.is_ai_system) == (
        dt.date(2024, 5, 2),
        Decimal("1500.50"),
        "yes",
    )
    assert org.tools.get(name="Planner").in_service_on == dt.date(2023, 3, 15)  # Excel serial number


def test_xlsx_errors_give_the_sheet_row_number(org: Any, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["name", "in_service_on"])
    sheet.append(["A", "soon"])
    workbook.save(tmp_path / "r.xlsx")
    code, _out, err = run_import("acme", tmp_path / "r.xlsx")
    assert code == 1
    assert "row 3, field in_service_on: “soon” is not a date" in err


def test_json_bare_list_of_records(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", json.dumps([{"name": "A", "techniques": ["rules"]}, {"name": "B"}]))
    _code, out, _err = run_import("acme", path)
    assert out.strip() == "imported 2 records"
    assert org.tools.get(name="A").techniques == ["rules"]


def test_json_in_our_own_format(org: Any, tmp_path: Path) -> None:
    document = {
        "format": "revoyure-register",
        "version": 1,
        "records": [
            {
                "name": "A",
                "security_measures": [{"type": "cyber", "description": "2FA"}],
                "vendor": "Mailsoft",
            }
        ],
    }
    path = write(tmp_path, "r.json", json.dumps(document))
    run_import("acme", path)
    tool = org.tools.select_related("vendor").get()
    assert (tool.security_measures, tool.vendor.name) == (
        [{"type": "cyber", "description": "2FA"}],
        "Mailsoft",
    )


def test_format_option_overrides_the_extension(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "register.data", "name\nA\n")
    _code, out, _err = run_import("acme", path, "--format", "csv")
    assert out.strip() == "imported 1 records"


def test_csv_cells_escaped_against_formulas_are_restored(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,purpose\n'=Outil,'-réduire les délais\n")
    run_import("acme", path)
    assert org.tools.values_list("name", "purpose").get() == ("=Outil", "-réduire les délais")


# Error paths: the file ----------------------------------------------------------------------------------


def assert_refused(args: tuple[Any, ...], message: str) -> None:
    before = counts()
    code, out, err = run_import(*args)
    assert code == 1
    assert message in err, err
    assert "imported" not in out
    assert counts() == before


def test_unknown_format_is_refused(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "register.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert_refused(("acme", path), "is not a CSV, XLSX or JSON file")


def test_excel_97_files_are_refused_with_advice(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "register.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert_refused(
        ("acme", path), "Excel 97\u20132003 files (.xls) are not supported: save the file as XLSX or CSV."
    )


def test_missing_file_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(("acme", tmp_path / "nowhere.csv"), "The file could not be read: it does not exist.")


def test_unreadable_file_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(("acme", tmp_path), "The file could not be read: it does not exist.")  # a directory


def test_binary_garbage_is_refused_as_not_text(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", b"name\n\x00\x01\x02\xff\xfe garbage \x00")
    assert_refused(("acme", path), "The file is not a text file, or its encoding is not recognised")


def test_empty_file_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(("acme", write(tmp_path, "r.csv", "")), "The file is empty.")


def test_blank_file_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(("acme", write(tmp_path, "r.csv", "\n ; \n")), "The file is empty.")


def test_header_without_records_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(("acme", write(tmp_path, "r.csv", "name,purpose\n")), "The file contains no records.")


def test_missing_name_column_is_refused_listing_the_columns(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "purpose,colour\nPlan,blue\n")
    assert_refused(("acme", path), "No column gives the system name (field “name”)")
    assert_refused(("acme", path), "The file's columns are: purpose, colour.")


def test_mapping_to_an_unknown_field_is_refused(org: Any, tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.json", json.dumps({"name": "Outil", "colour": "Pourquoi"}))
    assert_refused(
        ("acme", DATA / "register-custom-columns.csv", "--mapping", mapping),
        "Mapping: “colour” is not a register field",
    )


def test_mapping_to_a_read_only_field_is_refused(org: Any, tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.json", json.dumps({"name": "Outil", "updated_at": "Depuis"}))
    assert_refused(
        ("acme", DATA / "register-custom-columns.csv", "--mapping", mapping),
        "Mapping: the field “updated_at” is maintained automatically and cannot be imported.",
    )


def test_mapping_to_an_unknown_column_is_refused(org: Any, tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.json", json.dumps({"name": "Tool"}))
    assert_refused(
        ("acme", DATA / "register-custom-columns.csv", "--mapping", mapping),
        "Mapping: the column “Tool” given for the field “name” is not in the file.",
    )


def test_mapping_that_is_not_an_object_is_refused(org: Any, tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.json", json.dumps(["name", "Outil"]))
    assert_refused(
        ("acme", DATA / "register-custom-columns.csv", "--mapping", mapping),
        "The mapping must be a JSON object",
    )


def test_mapping_file_that_is_not_json_is_refused(org: Any, tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.json", "name: Outil")
    assert_refused(
        ("acme", DATA / "register-custom-columns.csv", "--mapping", mapping),
        "The mapping file is not valid JSON",
    )


def test_malformed_xlsx_is_refused(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.xlsx", b"PK\x03\x04" + b"not really a zip archive" * 10)
    assert_refused(("acme", path), "The file is not a readable XLSX workbook.")


def test_malformed_json_is_refused_with_the_position(org: Any, tmp_path: Path) -> None:
    assert_refused(
        ("acme", write(tmp_path, "r.json", '[{"name": "A",}]')),
        "The file is not valid JSON: Expecting property name enclosed in double quotes: line 1",
    )


def test_deeply_nested_json_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(
        ("acme", write(tmp_path, "r.json", "[" * 100000 + "]" * 100000)),
        "The JSON file is nested too deeply.",
    )


def test_json_of_another_shape_is_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(
        ("acme", write(tmp_path, "r.json", '{"name": "A"}')), "The JSON file must hold a list of records"
    )


def test_json_export_of_a_later_version_is_refused(org: Any, tmp_path: Path) -> None:
    document = {"format": "revoyure-register", "version": 2, "records": [{"name": "A"}]}
    assert_refused(
        ("acme", write(tmp_path, "r.json", json.dumps(document))),
        "This register export has version 2; only version 1 is supported.",
    )


def test_json_constants_outside_the_standard_are_refused(org: Any, tmp_path: Path) -> None:
    assert_refused(
        ("acme", write(tmp_path, "r.json", '[{"name": "A", "project_cost": NaN}]')),
        "The file is not valid JSON: NaN is not a valid JSON value",
    )


def test_csv_cell_over_the_size_limit_is_refused_with_its_row(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,purpose\nA,ok\nB," + "x" * 200_000 + "\n")
    assert_refused(("acme", path), "Row 3 could not be read as CSV: field larger than field limit")


def test_line_too_long_to_parse_safely_is_refused(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name\n" + "ab," * 1_500_000 + "\n")
    assert_refused(("acme", path), "A line of the file is too long (more than 4194304 characters).")


def test_too_many_columns_are_refused(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", ",".join(f"c{i}" for i in range(600)) + "\n" + "x," * 599 + "x\n")
    assert_refused(("acme", path), "The file has too many columns (600; at most 500).")


def test_unknown_organisation_is_refused(db: Any, tmp_path: Path) -> None:
    assert_refused(
        ("nowhere", write(tmp_path, "r.csv", "name\nA\n")), "no organisation with the slug 'nowhere'"
    )


# Error paths: the rows -----------------------------------------------------------------------------------


def test_every_invalid_row_is_reported_and_nothing_is_written(org: Any) -> None:
    before = counts()
    code, _out, err = run_import("acme", DATA / "register-invalid-rows.csv")
    lines = [line for line in err.splitlines() if line.startswith("row ")]
    assert code == 1
    assert lines == [
        "row 2, field system_created_on: “31/02/2024” is not a date (write it as YYYY-MM-DD or DD/MM/YYYY)",
        "row 3, field status: “en orbite” is not an allowed value "
        "(allowed: project, pilot, in_service, suspended, withdrawn)",
        "row 3, field number_of_sites: “trois” is not a number",
        "row 4, field domain_category: “cuisine” is not an allowed value (allowed: recruitment, "
        "performance_evaluation, task_allocation, activity_monitoring, scheduling, chatbot, "
        "generative_assistant, document_processing, anomaly_detection, predictive_maintenance, "
        "autonomous_machine, vision, language, security, other)",
        "row 4, field risk_health: “9” is not an allowed value (allowed: 1, 2, 3, 4)",
        "row 5, field name: the name “Outil A” is already used in row 2 of this file",
    ]
    assert "4 invalid row(s) out of 4: nothing was imported" in err
    assert counts() == before


def test_one_invalid_row_among_valid_ones_blocks_the_whole_import(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,in_service_on\nA,2024-01-01\nB,2024-13-01\nC,\n")
    assert_refused(("acme", path), "row 3, field in_service_on: “2024-13-01” is not a date")


def test_name_already_in_the_organisation_is_reported(org: Any, tool: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name\nNew tool\nPlanning assistant\n")
    assert_refused(
        ("acme", path),
        "row 3, field name: a tool named “Planning assistant” already exists in this organisation",
    )


def test_name_used_in_another_organisation_is_accepted(personas: Any, tmp_path: Path) -> None:
    services.create_tool(personas.other_org, None, {"name": "Chatbot"})
    _code, out, _err = run_import("acme", write(tmp_path, "r.csv", "name\nChatbot\n"))
    assert out.strip() == "imported 1 records"


def test_missing_name_in_a_row_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,purpose\nA,x\n,orphan purpose\n")
    assert_refused(("acme", path), "row 3, field name: This field cannot be blank.")


def test_too_long_name_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name\n" + "n" * 301 + "\n")
    assert_refused(
        ("acme", path), "row 2, field name: Ensure this value has at most 300 characters (it has 301)."
    )


def test_negative_count_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,affected_workers_count\nA,-4\n")
    assert_refused(
        ("acme", path), "row 2, field affected_workers_count: Ensure this value is greater than or equal"
    )


def test_unknown_list_value_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,affected_public\nA,salariés; aliens\n")
    assert_refused(
        ("acme", path), "row 2, field affected_public: unknown value(s): aliens (allowed: employees"
    )


def test_invalid_structured_entries_are_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", json.dumps([{"name": "A", "security_measures": [{"type": "magic"}]}]))
    assert_refused(("acme", path), "row 1, field security_measures: Unknown measure type “magic”.")


def test_json_record_that_is_not_an_object_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", json.dumps([{"name": "A"}, "B"]))
    assert_refused(("acme", path), "row 2: expected a record (a JSON object), found str")


def test_text_field_given_a_list_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", json.dumps([{"name": "A", "purpose": ["x"]}]))
    assert_refused(("acme", path), "row 1, field purpose: expected text, found a list or an object")


def test_invalid_unicode_is_reported(org: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", '[{"name": "A\\ud800"}]')
    assert_refused(("acme", path), "row 1, field name: contains characters that are not valid text")


def test_service_rejection_carries_every_error(org: Any) -> None:
    rows = [SourceRow(7, {"name": "A", "in_service_on": "never", "risk_safety": "5"})]
    with pytest.raises(ImportRejected) as caught:
        import_records(org, None, rows, "test")
    assert [str(e) for e in caught.value.report.errors] == [
        "row 7, field in_service_on: “never” is not a date (write it as YYYY-MM-DD or DD/MM/YYYY)",
        "row 7, field risk_safety: “5” is not an allowed value (allowed: 1, 2, 3, 4)",
    ]


# Generous conversions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-09", dt.date(2024, 3, 9)),
        ("2024-03-09T10:30:00+01:00", dt.date(2024, 3, 9)),
        ("2024/03/09", dt.date(2024, 3, 9)),
        ("09/03/2024", dt.date(2024, 3, 9)),
        ("9-3-2024", dt.date(2024, 3, 9)),
        ("09.03.2024", dt.date(2024, 3, 9)),
        ("03/25/2024", dt.date(2024, 3, 25)),  # only possible as month/day
        ("2024-03", dt.date(2024, 3, 1)),
        ("03/2024", dt.date(2024, 3, 1)),
        ("2024", dt.date(2024, 1, 1)),
        ("45000", dt.date(2023, 3, 15)),
        (45000.75, dt.date(2023, 3, 15)),
        (dt.datetime(2024, 3, 9, 14, 0), dt.date(2024, 3, 9)),
        (" 09/03/2024 ", dt.date(2024, 3, 9)),
    ],
)
def test_dates_are_read_in_every_usual_form(text: Any, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13", "soon", "12", "1/2/3", "2024-02-30"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ConversionError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234,50", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234", Decimal("1234")),
        ("12 500,50 €", Decimal("12500.50")),
        ("1,234.50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("1,234,567", Decimal("1234567")),
        ("1.500", Decimal("1500")),
        ("0,125", Decimal("0.125")),
        ("-3.5", Decimal("-3.5")),
        ("EUR 99", Decimal("99")),
        (12.5, Decimal("12.5")),
    ],
)
def test_numbers_are_read_with_french_or_english_separators(text: Any, expected: Decimal) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["trois", "1,2,3.4.5x", "--1", "", True, float("nan")])
def test_non_numbers_are_refused(text: Any) -> None:
    with pytest.raises(ConversionError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("oui", "yes"),
        ("Non", "no"),
        ("ne sait pas", "unknown"),
        ("Inconnu", "unknown"),
        ("YES", "yes"),
        ("no", "no"),
        ("true", "yes"),
        ("false", "no"),
        ("1", "yes"),
        ("0", "no"),
        ("x", "yes"),
        ("?", "unknown"),
        ("Don't know", "unknown"),
    ],
)
def test_yes_no_unknown_in_french_and_english(org: Any, cell: str, expected: str) -> None:
    import_records(org, None, [SourceRow(2, {"name": "A", "can_monitor_activity": cell})], "t")
    assert org.tools.get().can_monitor_activity == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("En service", "in_service"),
        ("in service", "in_service"),
        ("in_service", "in_service"),
        ("IN-SERVICE", "in_service"),
        ("Projet", "project"),
        ("pilote", "pilot"),
        ("Suspendu", "suspended"),
        ("retiré", "withdrawn"),
        ("Retire", "withdrawn"),
        ("In gebruik", "in_service"),
    ],
)
def test_status_by_code_or_label_ignoring_case_and_accents(org: Any, cell: str, expected: str) -> None:
    import_records(org, None, [SourceRow(2, {"name": "A", "status": cell})], "t")
    assert org.tools.get().status == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1", 1),
        ("2.0", 2),
        (3, 3),
        (4.0, 4),
        ("négligeable", 1),
        ("Limité", 2),
        ("significant", 3),
        ("Maximal", 4),
    ],
)
def test_risk_levels_by_number_or_label(org: Any, cell: Any, expected: int) -> None:
    import_records(org, None, [SourceRow(2, {"name": "A", "risk_fundamental_rights": cell})], "t")
    assert org.tools.get().risk_fundamental_rights == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("oui", True),
        ("Non", False),
        ("x", True),
        ("", False),
        (True, True),
        ("0", False),
    ],
)
def test_booleans_in_french_and_english(org: Any, cell: Any, expected: bool) -> None:
    import_records(org, None, [SourceRow(2, {"name": "A", "developed_in_house": cell})], "t")
    assert org.tools.get().developed_in_house is expected


def test_boolean_that_is_neither_yes_nor_no_is_reported(org: Any) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_records(org, None, [SourceRow(2, {"name": "A", "developed_in_house": "peut-être"})], "t")
    assert (
        str(caught.value.report.errors[0])
        == "row 2, field developed_in_house: “peut-être” is neither yes nor no"
    )


def test_lists_accept_commas_semicolons_and_labels(org: Any) -> None:
    row = {
        "name": "A",
        "techniques": "Apprentissage automatique; rules, Deep learning, rules",
        "affected_public": "Candidats;Employees",
    }
    import_records(org, None, [SourceRow(2, row)], "t")
    tool = org.tools.get()
    assert (tool.techniques, tool.affected_public) == (
        ["machine_learning", "rules", "deep_learning"],
        ["candidates", "employees"],
    )


def test_placeholders_in_date_number_and_choice_columns_mean_empty(org: Any) -> None:
    row = {"name": "A", "in_service_on": "-", "project_cost": "n/a", "domain_category": "—", "status": "NC"}
    import_records(org, None, [SourceRow(2, row)], "t")
    tool = org.tools.get()
    assert (tool.in_service_on, tool.project_cost, tool.domain_category, tool.status) == (
        None,
        None,
        "other",
        "project",
    )


def test_text_is_trimmed_and_stripped_of_control_characters(org: Any) -> None:
    import_records(
        org, None, [SourceRow(2, {"name": "  A\x00\x07 ", "purpose": "line 1\r\nline 2\x1b"})], "t"
    )
    assert org.tools.values_list("name", "purpose").get() == ("A", "line 1\nline 2")


def test_plain_text_in_a_structured_column_becomes_one_entry(org: Any) -> None:
    row = {"name": "A", "security_measures": "Chiffrement des données", "user_trainings": "Prise en main"}
    import_records(org, None, [SourceRow(2, row)], "t")
    tool = org.tools.get()
    assert tool.security_measures == [{"type": "other", "description": "Chiffrement des données"}]
    assert tool.user_trainings == [
        {"title": "Prise en main", "audience": "", "date": "", "people_trained": None}
    ]


def test_columns_are_matched_by_name_label_and_usual_words() -> None:
    columns = [
        "Nom du système",
        "ÉDITEUR",
        "Statut",
        "Finalité",
        "description",
        "system creation date",
        "in_service_on",
        "Date de mise en service",
        "Couleur",
    ]
    assert suggest_mapping(columns) == {
        "name": "Nom du système",
        "vendor": "ÉDITEUR",
        "status": "Statut",
        "purpose": "Finalité",
        "function": "description",
        "system_created_on": "system creation date",
        "in_service_on": "in_service_on",
    }


def test_duplicate_column_names_are_kept_apart(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "r.csv", "name,name,,purpose\nA,B,,C\n"))
    assert table.columns == ["name", "name (2)", "purpose"]
    assert [row.cells for row in table.rows()] == [{"name": "A", "name (2)": "B", "purpose": "C"}]


def test_a_table_can_be_read_twice(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "r.csv", "name\nA\nB\n"))
    assert [r.number for r in table.rows()] == [r.number for r in table.rows()] == [2, 3]


def test_reading_an_unreadable_path_raises_an_import_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError):
        open_table(tmp_path / "missing.csv")
