"""Import of a DPIA exported from the CNIL's PIA tool: parser, service, command, pages, error paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import include, path

from revoyure.assessments.models_pia import PiaImport
from revoyure.assessments.pia import parse_pia
from revoyure.assessments.services_pia import import_pia
from revoyure.core.models import AuditEntry
from revoyure.urls import urlpatterns as project_urlpatterns
from tests.factories import make_tool

FIXTURE = Path(__file__).parent / "data" / "pia_export.json"

# Until the project URLconf includes the assessments URLs, the tests route them themselves.
urlpatterns = [*project_urlpatterns]
if not any(getattr(p, "namespace", None) == "assessments" for p in project_urlpatterns):
    urlpatterns.append(path("", include("revoyure.assessments.urls")))


@pytest.fixture(autouse=True)
def _routes(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def raw() -> bytes:
    return FIXTURE.read_bytes()


def with_changes(**changes: Any) -> bytes:
    data = json.loads(raw())
    data.update(changes)
    return json.dumps(data).encode()


# Parser ----------------------------------------------------------------------------------------------


def test_parse_reads_people_opinions_answers_in_structure_order() -> None:
    export = parse_pia(raw())
    assert export.name == "Badgeuse biométrique de l'atelier"
    assert (export.author_name, export.evaluator_name, export.validator_name) == (
        "Camille Martin",
        "Jules Bernard",
        "Inès Petit",
    )
    assert export.validated
    assert export.dpo_opinion == "Traitement acceptable si la durée de conservation est réduite."
    assert [a.reference for a in export.answers] == ["111", "215", "321", "325", "999"]
    first = export.answers[0]
    assert first.title == "Quel est le traitement qui fait l'objet de l'étude ?"
    assert first.text == "Contrôle des horaires par empreinte digitale & badge.\nAtelier de Lyon."
    assert first.section == "Contexte"
    assert export.answers[2].items == ["Surveillance excessive", "Usurpation d'identité"]
    assert export.answers[3].gauge == 3
    unknown = export.answers[4]
    assert (unknown.title, unknown.text) == ("", "Réponse à une question ajoutée localement.")
    assert export.evaluations[0].title == "Quelle est la durée de conservation des données ?"
    assert export.evaluations[1].title == "Accès illégitime à des données"
    assert export.evaluations[1].gauges == {"x": 2, "y": 1}
    assert export.measures[1].content == ""


def test_parse_tolerates_missing_optional_lists_and_keys() -> None:
    export = parse_pia(json.dumps({"pia": {"name": "Minimal"}, "answers": [{"reference_to": 111}]}))
    assert export.status is None and not export.validated
    assert export.measures == [] and export.evaluations == [] and export.comments == []
    assert export.answers[0].text == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "one JSON object"),
        (json.dumps({"answers": []}).encode(), "“pia” object is missing"),
        (json.dumps({"pia": {"name": ""}, "answers": []}).encode(), "no name"),
        (json.dumps({"pia": {"name": "x"}}).encode(), "no “answers” list"),
        (json.dumps({"pia": {"name": "x"}, "answers": {}}).encode(), "“answers” must be a list"),
        (json.dumps({"pia": {"name": "x"}, "answers": [{"data": {}}]}).encode(), "reference_to"),
        (json.dumps({"pia": {"name": "x"}, "answers": [], "measures": ["m"]}).encode(), "not an object"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_parse_refuses_wrong_files_with_the_problem_named(content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_pia(content)
    assert message in " ".join(exc.value.messages)


# Service ---------------------------------------------------------------------------------------------


def test_import_stores_links_the_dpia_with_history_and_audit(personas: Any, tool: Any) -> None:
    pia = import_pia(tool, personas.delegate, raw(), "export.json")
    tool.refresh_from_db()
    assert pia.organisation == personas.org and pia.tool == tool
    assert (pia.answer_count, pia.measure_count, pia.evaluation_count) == (5, 2, 2)
    assert pia.validated and pia.original_name == "export.json" and len(pia.sha256) == 64
    assert tool.dpia_status == "done"
    assert tool.dpia_link == f"/o/acme/dpia/{pia.pk}/"
    last = tool.history.first()
    assert last.dpia_status == "done"
    assert "Badgeuse biométrique" in last.history_change_reason
    assert AuditEntry.objects.filter(action="pia.imported", object_id=str(pia.pk)).exists()


def test_import_of_an_unvalidated_pia_marks_the_dpia_in_progress(personas: Any, tool: Any) -> None:
    data = json.loads(raw())
    data["pia"]["status"] = 0
    import_pia(tool, personas.delegate, json.dumps(data).encode(), "draft.json")
    tool.refresh_from_db()
    assert tool.dpia_status == "in_progress"


def test_refused_file_writes_nothing(personas: Any, tool: Any) -> None:
    history = tool.history.count()
    with pytest.raises(ValidationError):
        import_pia(tool, personas.delegate, with_changes(answers="nope"), "bad.json")
    tool.refresh_from_db()
    assert PiaImport.objects.count() == 0
    assert tool.dpia_status == "unknown" and tool.history.count() == history
    assert not AuditEntry.objects.filter(action="pia.imported").exists()


def test_too_big_file_is_refused(personas: Any, tool: Any, settings: Any) -> None:
    settings.REVOYURE_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        import_pia(tool, personas.delegate, raw(), "big.json")
    assert "too large" in exc.value.messages[0]
    assert PiaImport.objects.count() == 0


# Command ---------------------------------------------------------------------------------------------


def test_command_imports(personas: Any, tool: Any, capsys: Any) -> None:
    call_command("import_pia", "acme", str(tool.pk), str(FIXTURE))
    pia = PiaImport.objects.get()
    assert pia.tool == tool and pia.imported_by is None
    assert f"/o/acme/dpia/{pia.pk}/" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("org", "tool_id", "file", "message"),
    [
        ("nowhere", "TOOL", "FIXTURE", "no organisation"),
        ("acme", "999999", "FIXTURE", "no tool"),
        ("acme", "abc", "FIXTURE", "no tool"),
        ("acme", "TOOL", "/nonexistent/pia.json", "No such file"),
        ("acme", "TOOL", "NOTJSON", "not valid JSON"),
    ],
)
def test_command_errors_are_command_errors(
    personas: Any, tool: Any, tmp_path: Path, org: str, tool_id: str, file: str, message: str
) -> None:
    not_json = tmp_path / "x.json"
    not_json.write_text("hello", encoding="utf-8")
    file = {"FIXTURE": str(FIXTURE), "NOTJSON": str(not_json)}.get(file, file)
    with pytest.raises(CommandError, match=message):
        call_command("import_pia", org, tool_id.replace("TOOL", str(tool.pk)), file)
    assert PiaImport.objects.count() == 0


def test_command_refuses_another_organisations_tool(personas: Any) -> None:
    other_tool = make_tool(personas.other_org, None, name="Elsewhere")
    with pytest.raises(CommandError, match="no tool"):
        call_command("import_pia", "acme", str(other_tool.pk), str(FIXTURE))


# Web -------------------------------------------------------------------------------------------------


def _upload(content: bytes, name: str = "pia.json") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content, content_type="application/json")}


def test_web_import_then_read_only_page(personas: Any, tool: Any, django_assert_max_num_queries: Any) -> None:
    client = personas.client("delegate")
    url = f"/o/acme/tools/{tool.pk}/dpia/import/"
    form = client.get(url)
    assert form.status_code == 200
    assert b'type="file"' in form.content
    response = client.post(url, _upload(raw()))
    pia = PiaImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/o/acme/dpia/{pia.pk}/"
    reader = personas.client("auditor")
    with django_assert_max_num_queries(12):
        page = reader.get(f"/o/acme/dpia/{pia.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in [
        "Badgeuse biométrique de l&#x27;atelier",
        "Quel est le traitement qui fait l&#x27;objet de l&#x27;étude ?",
        "Quelle est la durée de conservation des données ?",
        "Chiffrement des gabarits",
        "Accès illégitime à des données",
        "Ramener la durée à un an.",
        "Nadia Roux (DPO)",
        "Le CSE estime que la biométrie n&#x27;est pas nécessaire.",
        "(999)",
        "Préciser les sites concernés.",
        "Usurpation d&#x27;identité",
    ]:
        assert expected in text, expected
    assert "<strong>durée" not in text  # the tool's HTML is never rendered as markup


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not json at all", "not valid JSON"), (json.dumps({"pia": []}).encode(), "“pia” object is missing")],
)
def test_web_refused_file_re_renders_with_400(personas: Any, tool: Any, content: bytes, message: str) -> None:
    response = personas.client("delegate").post(f"/o/acme/tools/{tool.pk}/dpia/import/", _upload(content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PiaImport.objects.count() == 0


def test_web_too_big_is_400(personas: Any, tool: Any, settings: Any) -> None:
    settings.REVOYURE_IMPORT_MAX_BYTES = 100
    response = personas.client("delegate").post(f"/o/acme/tools/{tool.pk}/dpia/import/", _upload(raw()))
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_web_missing_file_is_400(personas: Any, tool: Any) -> None:
    response = personas.client("delegate").post(f"/o/acme/tools/{tool.pk}/dpia/import/", {})
    assert response.status_code == 400


def test_web_other_organisations_tool_and_pia_are_404(personas: Any, tool: Any) -> None:
    other_tool = make_tool(personas.other_org, None, name="Elsewhere")
    other_pia = import_pia(other_tool, None, raw(), "x.json")
    client = personas.client("delegate")
    assert client.post(f"/o/acme/tools/{other_tool.pk}/dpia/import/", _upload(raw())).status_code == 404
    assert client.get(f"/o/acme/dpia/{other_pia.pk}/").status_code == 404
    assert personas.client("outsider").get(f"/o/acme/tools/{tool.pk}/dpia/import/").status_code == 404
    assert PiaImport.objects.count() == 1


def test_web_employee_is_refused(personas: Any, tool: Any) -> None:
    pia = import_pia(tool, personas.delegate, raw(), "x.json")
    client = personas.client("employee")
    assert client.post(f"/o/acme/tools/{tool.pk}/dpia/import/", _upload(raw())).status_code == 403
    assert client.get(f"/o/acme/dpia/{pia.pk}/").status_code == 403
    assert PiaImport.objects.count() == 1
