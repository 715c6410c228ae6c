"""Malformed rule files are rejected when loaded, with a message that names the file and the rule."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from revoyure.qualification.rules import RULES_DIR, RuleFileError, load_rules

CT2_CONDITION = (
    "condition: org.labour_code_applies and org.headcount >= 50 and org.has_cse and "
    "(sys.new_technology_for_org or sys.major_change_working_conditions)"
)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rejected(directory: Path) -> str:
    with pytest.raises(RuleFileError) as info:
        load_rules(directory)
    return str(info.value)


def test_the_real_files_load(rules_dir: Path) -> None:
    rules = load_rules(rules_dir)
    assert len(rules.rules) >= 50 and len(rules.definitions) >= 20


def test_bad_yaml(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", "  - id: CT-2\n", "  - id: CT-2\n   bad: [unclosed\n")
    message = rejected(rules_dir)
    assert message.startswith("labour_code.yaml: cannot be read")


def test_not_a_mapping(rules_dir: Path) -> None:
    (rules_dir / "gdpr.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert rejected(rules_dir).startswith("gdpr.yaml: (top):")


def test_schema_violation_names_the_rule(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", "    verification: verified\n", "    verification: probably\n")
    message = rejected(rules_dir)
    assert "labour_code.yaml" in message and "CT-1" in message and "'probably' is not one of" in message


def test_missing_required_field(rules_dir: Path) -> None:
    edit(rules_dir, "gdpr.yaml", "    responsible: controller\n", "")
    message = rejected(rules_dir)
    assert (
        "gdpr.yaml" in message and "GDPR-1" in message and "'responsible' is a required property" in message
    )


def test_bad_rule_id(rules_dir: Path) -> None:
    edit(rules_dir, "gdpr.yaml", "  - id: GDPR-6\n", "  - id: gdpr six\n")
    message = rejected(rules_dir)
    assert "gdpr.yaml" in message and "gdpr six" in message


def test_unknown_fact(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", CT2_CONDITION, "condition: org.headcount >= 50 and sys.made_up_fact")
    assert rejected(rules_dir) == "labour_code.yaml (CT-2): unknown fact(s) sys.made_up_fact"


def test_unknown_enum_value(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", CT2_CONDITION, 'condition: sys.annex3_point == "4z"')
    message = rejected(rules_dir)
    assert message.startswith("labour_code.yaml (CT-2): sys.annex3_point has no value '4z'")


def test_unknown_set_value(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", CT2_CONDITION, "condition: '\"robots\" in sys.affected_public'")
    assert rejected(rules_dir) == "labour_code.yaml (CT-2): sys.affected_public has no value 'robots'"


def test_forbidden_expression(rules_dir: Path) -> None:
    edit(rules_dir, "labour_code.yaml", CT2_CONDITION, "condition: __import__('os').system('true')")
    message = rejected(rules_dir)
    assert message.startswith("labour_code.yaml (CT-2): ")


def test_bad_date(rules_dir: Path) -> None:
    edit(rules_dir, "ai_act.yaml", 'applies_from: "2026-12-02"}', 'applies_from: "2026-13-02"}')
    assert rejected(rules_dir) == "ai_act.yaml (PRO-4): invalid date '2026-13-02'"


def test_bad_example_date(rules_dir: Path) -> None:
    edit(rules_dir, "ai_act.yaml", 'at: "2025-02-02", facts', 'at: "2025-02-30", facts')
    assert rejected(rules_dir) == "ai_act.yaml (PRO-2): invalid date '2025-02-30'"


def test_duplicate_id(rules_dir: Path) -> None:
    edit(rules_dir, "public_service.yaml", "  - id: FP-4a\n", "  - id: CT-2\n")
    assert rejected(rules_dir) == "public_service.yaml (CT-2): duplicate rule id"


def test_missing_examples(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "      does_not_trigger: [{facts: {org.fp: none, org.has_representative_union_section: false}}]\n",
        "",
    )
    assert rejected(rules_dir) == (
        "labour_code.yaml (CT-8): every rule needs facts that trigger it and facts that do not"
    )


def test_example_with_invalid_facts(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "      triggers: [{facts: {org.fp: none, org.has_representative_union_section: true}}]",
        '      triggers: [{facts: {org.fp: none, org.has_representative_union_section: "maybe"}}]',
    )
    message = rejected(rules_dir)
    assert message.startswith(
        "labour_code.yaml (CT-8): triggers example 1: org.has_representative_union_section"
    )


def test_example_with_an_unknown_fact_or_enum_value(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "      unclear: [{facts: {org.fp: none}, missing: [org.has_representative_union_section]}]",
        "      unclear: [{facts: {org.fp: nowhere}, missing: [org.has_representative_union_section]}]",
    )
    message = rejected(rules_dir)
    assert message.startswith("labour_code.yaml (CT-8): unclear example 1: org.fp: expected one of")


def test_example_with_unknown_missing_fact(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "missing: [org.has_representative_union_section]",
        "missing: [org.nope]",
    )
    assert (
        rejected(rules_dir) == "labour_code.yaml (CT-8): unclear example 1: unknown missing fact(s) org.nope"
    )


def test_prohibition_without_its_point(rules_dir: Path) -> None:
    edit(rules_dir, "ai_act.yaml", '    prohibited_point: "5(1)(c)"\n', "")
    assert rejected(rules_dir) == "ai_act.yaml (PRO-2): a prohibition names its point of art. 5"


def test_timing_without_event(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "    timing: {kind: annual, event: org.last_duerp_update}",
        "    timing: {kind: annual}",
    )
    assert rejected(rules_dir) == "labour_code.yaml (CT-11a): timing annual needs an event fact"


def test_definition_of_an_existing_fact(rules_dir: Path) -> None:
    edit(rules_dir, "definitions.yaml", "  - fact: org.is_employer\n", "  - fact: org.headcount\n")
    assert rejected(rules_dir) == "definitions.yaml (org.headcount): org.headcount is already defined"


def test_definition_using_a_later_one(rules_dir: Path) -> None:
    # A definition may use the ones above it only: no cycles, evaluation in file order.
    edit(
        rules_dir,
        "definitions.yaml",
        "expression: org.headcount >= 1",
        "expression: org.headcount >= 1 and sys.high_risk",
    )
    assert rejected(rules_dir) == "definitions.yaml (org.is_employer): unknown fact(s) sys.high_risk"


def test_wrong_family_and_missing_file(rules_dir: Path) -> None:
    edit(rules_dir, "gdpr.yaml", "family: gdpr", "family: labour_code")
    assert rejected(rules_dir) == "gdpr.yaml: family is 'labour_code', expected 'gdpr'"
    (rules_dir / "gdpr.yaml").unlink()
    assert rejected(rules_dir) == "gdpr.yaml: missing rule file"


def test_message_is_readable_for_a_deep_schema_error(rules_dir: Path) -> None:
    edit(
        rules_dir,
        "labour_code.yaml",
        "        - {when: sys.expert_appointed, months: 2}",
        "        - {when: sys.expert_appointed, months: -2}",
    )
    message = rejected(rules_dir)
    assert re.match(
        r"labour_code\.yaml: CT-4: rules/\d+/timing/offsets/1/months: -2 is less than the minimum", message
    )
