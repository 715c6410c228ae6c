"""The web import: upload → mapping (with the automatic suggestion) → preview and dry run → import, all or
nothing, never a server error whatever the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from revoyure.registry.fields import importable_field_names
from revoyure.registry.importing.storage import SALT
from revoyure.registry.models import Tool
from tests.test_import import counts

IMPORT = "/o/acme/register/import/"
PREVIEW = "/o/acme/register/import/preview/"
CONFIRM = "/o/acme/register/import/confirm/"
CSV = (
    "Nom;Finalité;Statut;Date de mise en service;Couleur\nChatbot RH;Répondre;En service;01/06/2024;bleu\n"
    "Planificateur;Planifier;projet;;vert\n"
)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client: Client, content: bytes | str, name: str = "register.csv", **extra: Any) -> Any:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **extra})


def token_of(response: Any) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no token in the page"
    return match.group(1)


def mapping_post(token: str, **mapping: str) -> dict[str, str]:
    data = {"token": token}
    data.update({f"map_{name}": column for name, column in mapping.items()})
    return data


SUGGESTED = {
    "name": "Nom",
    "purpose": "Finalité",
    "status": "Statut",
    "in_service_on": "Date de mise en service",
}


@pytest.fixture
def delegate(personas: Any) -> Client:
    return personas.client("delegate")


def stored_files(media: Path) -> list[Path]:
    return [p for p in (media / "imports").rglob("*") if p.is_file()] if (media / "imports").exists() else []


# The journey --------------------------------------------------------------------------------------------


def test_upload_page_shows_the_form(delegate: Client) -> None:
    response = delegate.get(IMPORT)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_upload_shows_the_mapping_step_with_the_suggestion(delegate: Client) -> None:
    response = upload(delegate, CSV)
    page = response.content.decode()
    assert response.status_code == 200
    for field, column in SUGGESTED.items():
        select = re.search(rf'<select name="map_{field}".*?</select>', page, re.S)
        assert select and f'<option value="{column}" selected>' in select.group(0), field
    assert "Couleur" in page  # offered, though matched to nothing
    assert len(re.findall(r'<select name="map_', page)) == len(importable_field_names())


def test_uploaded_file_is_kept_under_the_organisation_import_folder(
    delegate: Client, personas: Any, media: Path
) -> None:
    upload(delegate, CSV)
    [stored] = stored_files(media)
    assert stored.parent == media / "imports" / str(personas.org.pk)
    assert re.fullmatch(r"[0-9a-f]{32}", stored.name)


def test_preview_shows_the_first_rows_as_they_will_be_imported(delegate: Client) -> None:
    token = token_of(upload(delegate, CSV))
    before = counts()
    response = delegate.post(PREVIEW, mapping_post(token, **SUGGESTED))
    page = response.content.decode()
    assert response.status_code == 200
    assert "All rows of register.csv are valid: 2 records will be imported." in page
    assert "<td>In service</td>" in page and "<td>June 1, 2024</td>" in page
    assert 'formaction="/o/acme/register/import/confirm/"' in page
    assert counts() == before


def test_confirm_imports_every_row_and_removes_the_file(delegate: Client, personas: Any, media: Path) -> None:
    token = token_of(upload(delegate, CSV))
    response = delegate.post(CONFIRM, mapping_post(token, **SUGGESTED))
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/register/"
    tool = personas.org.tools.get(name="Chatbot RH")
    assert (tool.purpose, tool.status) == ("Répondre", "in_service")
    assert tool.history.get().history_user == personas.delegate
    assert stored_files(media) == []


def test_confirm_says_how_many_records_were_imported(delegate: Client) -> None:
    token = token_of(upload(delegate, CSV))
    response = delegate.post(CONFIRM, mapping_post(token, **SUGGESTED), follow=True)
    assert "Imported 2 records from register.csv." in response.content.decode()


def test_the_chosen_mapping_is_what_is_imported(delegate: Client, personas: Any) -> None:
    token = token_of(upload(delegate, CSV))
    delegate.post(CONFIRM, mapping_post(token, name="Nom", purpose="Couleur"))
    tool = personas.org.tools.get(name="Chatbot RH")
    assert (tool.purpose, tool.status, tool.in_service_on) == ("bleu", "project", None)


def test_xlsx_upload_goes_through_the_same_steps(delegate: Client, personas: Any, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "vendor"])
    workbook.active.append(["Chatbot", "OpenScript"])
    workbook.save(tmp_path / "r.xlsx")
    token = token_of(upload(delegate, (tmp_path / "r.xlsx").read_bytes(), name="r.xlsx"))
    response = delegate.post(CONFIRM, mapping_post(token, name="name", vendor="vendor"))
    assert response.status_code == 302
    assert personas.org.tools.select_related("vendor").get().vendor.name == "OpenScript"


# Refusals ---------------------------------------------------------------------------------------------


def test_preview_lists_every_invalid_row_and_offers_no_import(delegate: Client) -> None:
    content = "name;in_service_on;status\nA;demain;pilot\nB;2024-01-01;en orbite\nA;;\n"
    token = token_of(upload(delegate, content))
    before = counts()
    response = delegate.post(
        PREVIEW, mapping_post(token, name="name", in_service_on="in_service_on", status="status")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "3 rows out of 3 are invalid" in page
    assert "Row 2, go-live: “demain” is not a date" in page
    assert "Row 3, status: “en orbite” is not an allowed value" in page
    assert "Row 4, system name: the name “A” is already used in row 2 of this file" in page
    assert "import/confirm" not in page
    assert counts() == before


def test_confirm_with_an_invalid_row_writes_nothing(delegate: Client, media: Path) -> None:
    token = token_of(upload(delegate, "name;in_service_on\nA;2024-01-01\nB;jamais\n"))
    before = counts()
    response = delegate.post(CONFIRM, mapping_post(token, name="name", in_service_on="in_service_on"))
    assert response.status_code == 400
    assert "Row 3, go-live: “jamais” is not a date" in response.content.decode()
    assert counts() == before
    assert len(stored_files(media)) == 1  # kept, so the person can fix the mapping and try again


def test_mapping_without_a_name_column_is_refused(delegate: Client) -> None:
    token = token_of(upload(delegate, CSV))
    response = delegate.post(PREVIEW, mapping_post(token, purpose="Finalité"))
    assert response.status_code == 400
    assert "Choose the column that gives the system name." in response.content.decode()


def test_mapping_to_a_column_not_in_the_file_is_refused(delegate: Client) -> None:
    token = token_of(upload(delegate, CSV))
    before = counts()
    response = delegate.post(CONFIRM, mapping_post(token, name="Nom", purpose="Not a column"))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert counts() == before


def test_tampered_token_is_refused(delegate: Client) -> None:
    token = token_of(upload(delegate, CSV))
    before = counts()
    response = delegate.post(CONFIRM, mapping_post(token[:-2] + "xx", **SUGGESTED))
    assert response.status_code == 400
    assert "This import has expired or is not valid: upload the file again." in response.content.decode()
    assert counts() == before


def test_token_naming_a_path_is_refused(delegate: Client, personas: Any) -> None:
    forged = signing.dumps(
        {"o": personas.org.pk, "f": "../../../etc/passwd", "n": "x.csv", "t": ""}, salt=SALT
    )
    response = delegate.post(CONFIRM, mapping_post(forged, name="name"))
    assert response.status_code == 400
    assert "This import has expired or is not valid" in response.content.decode()


def test_token_of_another_organisation_is_refused(delegate: Client, personas: Any) -> None:
    token = token_of(upload(delegate, CSV))
    data = signing.loads(token, salt=SALT)
    forged = signing.dumps({**data, "o": personas.other_org.pk}, salt=SALT)
    response = delegate.post(CONFIRM, mapping_post(forged, **SUGGESTED))
    assert response.status_code == 400
    assert Tool.objects.count() == 0


def test_file_over_the_size_limit_is_refused(delegate: Client, settings: Any, media: Path) -> None:
    settings.REVOYURE_IMPORT_MAX_BYTES = 100
    response = upload(delegate, CSV * 3)
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert stored_files(media) == []


MALFORMED_FILES = {
    "binary garbage": ("r.csv", bytes(range(256)) * 40, "The file is not a text file"),
    "wrong encoding": ("r.csv", "nom;finalité\nA;é".encode("utf-16-le"), "The file is not a text file"),
    "empty file": ("r.csv", b"", "The submitted file is empty."),
    "blank file": ("r.csv", b" \n\n ", "The file is empty."),
    "huge header": (
        "r.csv",
        (",".join(f"column {i}" for i in range(5000)) + "\nx\n").encode(),
        "The file has too many columns (5000; at most 500).",
    ),
    "huge cell": ("r.csv", b"name\n" + b"x" * 300_000, "could not be read as CSV"),
    "malformed xlsx": ("r.xlsx", b"PK\x03\x04garbage" * 50, "The file is not a readable XLSX workbook."),
    "xlsx that is text": ("r.xlsx", b"name\nA\n", "The file is not a readable XLSX workbook."),
    "malformed json": ("r.json", b'{"records": [{"name": }', "The file is not valid JSON"),
    "json scalar": ("r.json", b"42", "The JSON file must hold a list of records"),
    "old excel": ("r.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "Excel 97"),
    "image": ("r.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is not a CSV, XLSX or JSON file"),
}


@pytest.mark.parametrize("case", MALFORMED_FILES, ids=list(MALFORMED_FILES))
def test_malformed_files_are_refused_without_a_server_error(delegate: Client, media: Path, case: str) -> None:
    name, content, message = MALFORMED_FILES[case]
    before = counts()
    response = upload(delegate, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before
    assert stored_files(media) == []


def test_file_with_only_a_header_is_reported_at_preview(delegate: Client) -> None:
    token = token_of(upload(delegate, "name,purpose\n"))
    response = delegate.post(PREVIEW, mapping_post(token, name="name"))
    assert response.status_code == 400
    assert "The file contains no records." in response.content.decode()


def test_format_chosen_by_hand_is_used(delegate: Client) -> None:
    response = upload(delegate, b'[{"name": "A"}]', name="export.txt", format="json")
    assert response.status_code == 200
    assert '<option value="name" selected>' in response.content.decode()


def test_unknown_format_choice_is_refused(delegate: Client) -> None:
    response = upload(delegate, CSV, format="pdf")
    assert response.status_code == 400


# Access ----------------------------------------------------------------------------------------------------


def test_employee_may_not_import(personas: Any) -> None:
    client = personas.client("employee")
    assert client.get(IMPORT).status_code == 403
    assert upload(client, CSV).status_code == 403


def test_staff_representative_may_not_import(personas: Any) -> None:
    assert personas.client("staff_rep").get(IMPORT).status_code == 403


def test_outsider_gets_not_found(personas: Any) -> None:
    client = personas.client("outsider")
    for path in (IMPORT, PREVIEW, CONFIRM):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(db: Any) -> None:
    response = Client().get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_preview_and_confirm_only_accept_post(delegate: Client) -> None:
    assert delegate.get(PREVIEW).status_code == 405
    assert delegate.get(CONFIRM).status_code == 405


def test_manager_may_import(personas: Any) -> None:
    client = personas.client("manager")
    token = token_of(upload(client, CSV))
    assert client.post(CONFIRM, mapping_post(token, **SUGGESTED)).status_code == 302
    assert personas.org.tools.count() == 2
