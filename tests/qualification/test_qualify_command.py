"""`manage.py qualify` on facts that are not stored and on an organisation's stored tools; malformed facts
files are refused with a message naming each problem, never with a traceback."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from revoyure.qualification import services
from revoyure.qualification.models import Obligation
from tests.factories import make_tool

PRO_1 = {
    "sys.infers_outputs": True,
    "sys.infers_emotions": "yes",
    "sys.uses_biometric_data": True,
    "sys.used_at_workplace": True,
    "sys.purpose_medical_or_safety": False,
}


def applying(classification: dict[str, Any]) -> list[dict[str, Any]]:
    """The prohibitions that apply (others may be listed as "to clarify" while facts are unknown)."""
    return [p for p in classification["prohibited"] if p["state"] == "applies"]


def qualify(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("qualify", *args, stdout=out)
    return json.loads(out.getvalue())


def facts_file(tmp_path: Path, content: Any, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def test_facts_file_gives_classification_and_obligations(db: Any, tmp_path: Path) -> None:
    data = qualify("--facts", facts_file(tmp_path, PRO_1), "--at", "2026-03-01")
    assert data["at"] == "2026-03-01"
    assert data["classification"]["ai_system"] == "yes"
    assert applying(data["classification"]) == [{"rule": "PRO-1", "point": "5(1)(f)", "state": "applies"}]
    pro = next(o for o in data["obligations"] if o["rule"] == "PRO-1")
    assert set(pro) >= {
        "rule", "article", "family", "state", "date", "applies_from", "responsible", "verification",
        "obligation", "triggering_facts", "missing_facts",
    }  # fmt: skip
    assert pro["article"] == "Art. 5(1)(f)"
    assert pro["family"] == "ai_act"
    assert pro["state"] == "applies"
    assert pro["date"] == "2025-02-02"
    assert pro["responsible"] == "deployer"
    assert pro["verification"] == "verified"
    assert pro["obligation"].startswith("Pratique interdite")  # French by default
    assert pro["triggering_facts"]["sys.infers_emotions"] is True
    assert pro["missing_facts"] == []
    assert all(o["state"] != "not_applicable" for o in data["obligations"])
    assert Obligation.objects.count() == 0  # nothing stored


def test_language_all_and_date_options(db: Any, tmp_path: Path) -> None:
    path = facts_file(tmp_path, PRO_1)
    english = qualify("--facts", path, "--lang", "en", "--at", "2026-03-01")
    pro = next(o for o in english["obligations"] if o["rule"] == "PRO-1")
    assert pro["obligation"].startswith("Prohibited practice")
    before = qualify("--facts", path, "--at", "2025-02-01")
    assert next(o for o in before["obligations"] if o["rule"] == "PRO-1")["state"] == "upcoming"
    safe = qualify(
        "--facts", facts_file(tmp_path, {**PRO_1, "sys.purpose_medical_or_safety": True}, "safe.json")
    )
    assert "PRO-1" not in {o["rule"] for o in safe["obligations"]}
    everything = qualify(
        "--facts", facts_file(tmp_path, {**PRO_1, "sys.purpose_medical_or_safety": True}, "s2.json"), "--all"
    )
    assert next(o for o in everything["obligations"] if o["rule"] == "PRO-1")["state"] == "not_applicable"
    with time_machine.travel(dt.datetime(2027, 5, 4, 10, tzinfo=dt.UTC), tick=False):
        assert qualify("--facts", path)["at"] == "2027-05-04"


def test_unknown_facts_give_a_missing_fact_list(db: Any, tmp_path: Path) -> None:
    data = qualify("--facts", facts_file(tmp_path, {"sys.infers_outputs": True, "sys.infers_emotions": True}))
    pro = next(o for o in data["obligations"] if o["rule"] == "PRO-1")
    assert pro["state"] == "to_clarify"
    assert "sys.uses_biometric_data" in pro["missing_facts"]
    assert "sys.uses_biometric_data" in data["classification"]["to_clarify"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"sys.infers_outputs": tru', "is not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"sys.infers_emotion": True}, "sys.infers_emotion: unknown fact"),
        ({"org.headcount": -2}, "org.headcount: expected a whole number"),
        ({"sys.pilot_start": "03/01/2026"}, "sys.pilot_start: expected a date"),
        ({"sys.annex3_point": "9z"}, "sys.annex3_point: expected one of"),
    ],
)
def test_malformed_facts_files_are_refused_with_a_message(
    db: Any, tmp_path: Path, content: Any, expected: str
) -> None:
    with pytest.raises(CommandError, match=expected):
        qualify("--facts", facts_file(tmp_path, content))


def test_every_bad_fact_is_named(db: Any, tmp_path: Path) -> None:
    path = facts_file(tmp_path, {"sys.nope": 1, "org.headcount": "many", "sys.profiling": True})
    with pytest.raises(CommandError) as caught:
        qualify("--facts", path)
    message = str(caught.value)
    assert "2 invalid fact(s)" in message
    assert "sys.nope" in message and "org.headcount" in message and "sys.profiling" not in message


def test_unreadable_files_and_bad_arguments_are_refused(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        qualify("--facts", str(tmp_path / "missing.json"))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="cannot read"):
        qualify("--facts", str(binary))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        qualify("--facts", facts_file(tmp_path, {}), "--at", "31/12/2026")
    with pytest.raises(CommandError, match="give --facts"):
        qualify()


def test_the_process_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    path = facts_file(tmp_path, {"sys.infers_emotion": True})
    result = subprocess.run(
        [sys.executable, "manage.py", "qualify", "--facts", path],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    # The command speaks the installation's language (French by default).
    assert "sys.infers_emotion: fait inconnu" in result.stderr
    assert "Traceback" not in result.stderr


# Stored tools ---------------------------------------------------------------------------------------------


def test_stored_tools_of_an_organisation(personas: Any) -> None:
    camera = make_tool(personas.org, personas.delegate, name="Mood camera")
    services.record_answers(camera, personas.delegate, PRO_1)
    planner = make_tool(personas.org, personas.delegate, name="Planner")
    make_tool(personas.other_org, None, name="Elsewhere")
    data = qualify("acme", "--at", "2026-03-01", "--lang", "en")
    assert data["at"] == "2026-03-01" and data["organisation"] == "acme"
    assert isinstance(data["organisation_obligations"], list)
    assert [(t["id"], t["name"]) for t in data["tools"]] == [
        (camera.pk, "Mood camera"),
        (planner.pk, "Planner"),
    ]
    by_name = {t["name"]: t for t in data["tools"]}
    assert [p["rule"] for p in applying(by_name["Mood camera"]["classification"])] == ["PRO-1"]
    assert "PRO-1" in {o["rule"] for o in by_name["Mood camera"]["obligations"]}
    assert applying(by_name["Planner"]["classification"]) == []
    # Only tool-scoped rules in a tool's entry: the organisation's own are listed once, above.
    org_rules = {o["rule"] for o in data["organisation_obligations"]}
    assert not org_rules & {o["rule"] for t in data["tools"] for o in t["obligations"]}


def test_one_stored_tool(personas: Any) -> None:
    camera = make_tool(personas.org, personas.delegate, name="Mood camera")
    services.record_answers(camera, personas.delegate, PRO_1)
    make_tool(personas.org, personas.delegate, name="Planner")
    data = qualify("acme", "--tool", str(camera.pk))
    assert [t["name"] for t in data["tools"]] == ["Mood camera"]
    assert "organisation_obligations" not in data


def test_unknown_organisation_or_tool_is_refused(personas: Any) -> None:
    elsewhere = make_tool(personas.other_org, None, name="Elsewhere")
    with pytest.raises(CommandError, match="no organisation"):
        qualify("nope")
    with pytest.raises(CommandError, match="no tool with the id"):
        qualify("acme", "--tool", str(elsewhere.pk))
    with pytest.raises(CommandError, match="not both"):
        qualify("acme", "--facts", "x.json")
