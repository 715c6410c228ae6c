"""Property-based tests of the importer (hypothesis): whatever is in the cells or the file, the import ends
in a report of problems or a success, never another exception; any valid record set imports and exports
back to itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revoyure.registry.choices import (
    AffectedPublic,
    Annex3Point,
    DecisionRole,
    DomainCategory,
    DpiaStatus,
    OrganisationRole,
    SecurityMeasureType,
    Technique,
    ToolStatus,
    YesNoUnknown,
)
from revoyure.registry.fields import field_specs, importable_field_names
from revoyure.registry.importing.errors import ImportFileError
from revoyure.registry.importing.service import ImportRejected, SourceRow, import_records, prepare_import
from revoyure.registry.models import Tool
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIELDS = importable_field_names()
# Any text: every Unicode category, with control characters, lone surrogates and the characters that mean
# something in a CSV file or a spreadsheet drawn often.
TRICKY = st.sampled_from(
    [
        "\x00",
        "\ud800",
        "\udfff",
        "\r",
        "\n",
        "\t",
        "\ufeff",
        "\u00a0",
        "'",
        "=",
        ";",
        ",",
        '"',
        "|",
        "-",
        "0",
        "/",
        "é",
        "€",
    ]
)
ANY_TEXT = st.text(st.one_of(st.characters(codec=None, exclude_categories=()), TRICKY), max_size=40)
CLEAN_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=60).map(
    str.strip
)
NAME = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=80)
    .map(str.strip)
    .filter(bool)
)
ANY_CELL = st.one_of(
    ANY_TEXT,
    st.none(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(ANY_TEXT, max_size=3),
    st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2),
    st.dates(),
    st.datetimes(),
)


class _Rollback(Exception):
    pass


def in_rolled_back_transaction(work: Any) -> Any:
    """Run `work` and undo whatever it wrote, so each example starts from the same database."""
    result: list[Any] = []
    try:
        with transaction.atomic():
            result.append(work())
            raise _Rollback
    except _Rollback:
        pass
    return result[0]


def import_outcome(rows: list[SourceRow]) -> str:
    def work() -> str:
        organisation = OrganisationFactory()
        try:
            report = import_records(organisation, None, rows, "property")
        except ImportRejected as exc:
            assert exc.report.errors
            assert Tool.objects.filter(organisation=organisation).count() == 0
            return "rejected"
        except ImportFileError:
            return "refused"
        assert Tool.objects.filter(organisation=organisation).count() == report.imported == len(rows)
        return "imported"

    return in_rolled_back_transaction(work)


@PROPERTY_SETTINGS
@given(
    st.lists(
        st.tuples(st.one_of(NAME, ANY_CELL), st.dictionaries(st.sampled_from(FIELDS), ANY_CELL, max_size=8)),
        min_size=1,
        max_size=4,
    )
)
def test_random_cells_end_in_a_report_or_an_import(
    personas: Any, cells: list[tuple[Any, dict[str, Any]]]
) -> None:
    rows = [
        SourceRow(number, {"name": name, **values}) for number, (name, values) in enumerate(cells, start=2)
    ]
    assert import_outcome(rows) in {"rejected", "refused", "imported"}


@PROPERTY_SETTINGS
@given(
    st.lists(st.lists(ANY_TEXT, min_size=1, max_size=5), min_size=1, max_size=5),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_random_csv_text_ends_in_a_report_or_an_import(
    personas: Any, tmp_path: Path, table: list[list[str]], delimiter: str
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(
        [["name", "purpose", "in_service_on", "status", "vendor"], *table]
    )
    path = tmp_path / "random.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogatepass"))
    try:
        prepared = prepare_import(path)
    except ImportFileError as exc:
        assert exc.messages
        return
    assert import_outcome(list(prepared.rows)) in {"rejected", "refused", "imported"}


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["r.csv", "r.xlsx", "r.json", "r.bin"]))
def test_random_bytes_end_in_a_report_or_an_import(
    personas: Any, tmp_path: Path, content: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    try:
        prepared = prepare_import(path, name=name)
        rows = list(prepared.rows)
    except ImportFileError as exc:
        assert exc.messages
        return
    assert import_outcome(rows) in {"rejected", "refused", "imported"}


# Valid record sets -------------------------------------------------------------------------------------


def _codes(choices: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([str(value) for value in choices.values])


def _strategy(spec: Any) -> st.SearchStrategy[Any]:
    name = spec.name
    choices = {
        "status": _codes(ToolStatus),
        "domain_category": _codes(DomainCategory),
        "dpia_status": _codes(DpiaStatus),
        "decision_role": _codes(DecisionRole),
        "organisation_role": _codes(OrganisationRole),
        "annex3_point": _codes(Annex3Point),
    }
    if name in choices:
        return choices[name]
    if name.startswith("risk_") and spec.kind == "choice":
        return st.sampled_from([None, 1, 2, 3, 4])
    if spec.kind == "choice":
        return _codes(YesNoUnknown)
    if name == "affected_public":
        return st.lists(_codes(AffectedPublic), unique=True)
    if name == "techniques":
        return st.lists(_codes(Technique), unique=True)
    if name == "security_measures":
        return st.lists(
            st.fixed_dictionaries({"type": _codes(SecurityMeasureType), "description": NAME}), max_size=2
        )
    if name == "user_trainings":
        return st.lists(
            st.fixed_dictionaries(
                {
                    "title": NAME,
                    "audience": CLEAN_TEXT,
                    "date": st.one_of(st.just(""), st.dates().map(dt.date.isoformat)),
                    "people_trained": st.one_of(st.none(), st.integers(0, 10_000)),
                }
            ),
            max_size=2,
        )
    if name == "vendor":
        return st.sampled_from([None, "Éditeur Alpha", "Vendor Beta"])
    if spec.kind == "date":
        return st.one_of(
            st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
        )
    if spec.kind == "integer":
        return st.one_of(st.none(), st.integers(0, 2**31 - 1))
    if spec.kind == "decimal":
        return st.one_of(
            st.none(),
            st.decimals(-(10**11), 10**11, places=2, allow_nan=False, allow_infinity=False).map(
                lambda d: float(Decimal(d))
            ),
        )
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "string" and spec.max_length:
        return CLEAN_TEXT.map(lambda text: text[: spec.max_length].strip())
    return CLEAN_TEXT


RECORD = st.fixed_dictionaries({spec.name: _strategy(spec) for spec in field_specs() if spec.name in FIELDS})


def _export(slug: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("export_register", slug, "--format", "json", stdout=out)
    records = json.loads(out.getvalue())["records"]
    for record in records:
        record.pop("updated_at")
    return records


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(NAME, RECORD), min_size=1, max_size=4, unique_by=lambda pair: pair[0]))
def test_any_valid_record_set_imports_and_exports_back_to_itself(
    db: Any, pairs: list[tuple[str, dict[str, Any]]]
) -> None:
    records = sorted(({**record, "name": name} for name, record in pairs), key=lambda r: r["name"])

    def work() -> list[dict[str, Any]]:
        organisation = OrganisationFactory(slug="roundtrip")
        rows = [SourceRow(number, record) for number, record in enumerate(records, start=1)]
        import_records(organisation, None, rows, "property")
        return _export("roundtrip")

    exported = in_rolled_back_transaction(work)
    assert sorted(exported, key=lambda r: r["name"]) == records
