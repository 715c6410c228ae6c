"""Reading CSV, XLSX and JSON files into rows of cells.

A `Table` knows its columns and can be read any number of times: the import validates every row in a first
pass and writes in a second one, so a file of 100,000 rows never has to sit in memory as model instances.
CSV and XLSX are streamed; JSON is parsed whole (the standard library has no streaming parser).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import charset_normalizer
import filetype
import openpyxl
from django.utils.translation import gettext as _

from revoyure.registry.importing.errors import ImportFileError

FORMATS = ("csv", "xlsx", "json")
MAX_COLUMNS = 500
MAX_COLUMN_NAME = 200
MAX_LINE_CHARS = 4 * 1024 * 1024
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
}
_DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 256 * 1024
_SNIFF_CHARS = 8 * 1024
_SNIFF_LINES = 20
_CHUNK = 1024 * 1024
# Encodings charset_normalizer is trusted with: other scripts than Latin. For Latin text on short samples it
# often answers cp1250 or mac_roman where the file is Windows-1252 (é is the same byte, è is not).
_NON_LATIN_ENCODINGS = frozenset({
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp1253", "iso8859_7", "cp1255", "iso8859_8",
    "cp1256", "iso8859_6", "cp874", "tis_620", "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk",
    "gb18030", "big5", "big5hkscs", "euc_kr", "cp949", "johab",
})  # fmt: skip
_JSON_RECORD_KEYS = ("records", "results", "data", "items")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FORMULA_START = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class RawRow:
    """One data row: its number as the person sees it in the file and its cells by column name."""

    number: int
    cells: dict[str, Any]
    error: str = ""


@dataclass
class Table:
    format: str
    columns: list[str]
    read: Callable[[], Iterator[RawRow]]
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    def rows(self) -> Iterator[RawRow]:
        """The data rows, entirely empty rows skipped. Each call reads the file again."""
        return self.read()


# Format --------------------------------------------------------------------------------------------------


def guess_format(path: Path, name: str = "") -> str:
    """The format from the content when it is unambiguous (a ZIP is an XLSX), else from the extension."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise ImportFileError(
            _("The file could not be read: %(error)s") % {"error": exc.strerror or exc}
        ) from exc
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    suffix = Path(name or path.name).suffix.lower()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Excel 97–2003 files (.xls) are not supported: save the file as XLSX or CSV.")
        )
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    kind = filetype.guess(head[:8192])
    if kind is not None:
        raise ImportFileError(
            _("This file (%(type)s) is not a CSV, XLSX or JSON file.") % {"type": kind.mime}
        )
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"[", b"{"):
        return "json"
    if b"\x00" not in head:
        return "csv"
    raise ImportFileError(_("Unknown file format: import a CSV, XLSX or JSON file."))


def open_table(path: Path, fmt: str | None = None, name: str = "") -> Table:
    """Open `path` as a table of the given format (guessed when not given)."""
    if not path.is_file():
        raise ImportFileError(_("The file could not be read: it does not exist."))
    fmt = fmt or guess_format(path, name)
    if fmt not in FORMATS:
        raise ImportFileError(_("Unknown format “%(format)s”: use csv, xlsx or json.") % {"format": fmt})
    if path.stat().st_size == 0:
        raise ImportFileError(_("The file is empty."))
    if fmt == "csv":
        return _csv_table(path)
    if fmt == "xlsx":
        return _xlsx_table(path)
    return _json_table(path)


# Text encodings ------------------------------------------------------------------------------------------


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _non_latin_guess(head: bytes) -> str:
    """charset_normalizer's answer when it sees another script than Latin; between equally plausible code
    pages it may rank a Macintosh one first, and the Windows one is the likelier for a spreadsheet."""
    matches = list(charset_normalizer.from_bytes(head))
    if not matches or matches[0].encoding not in _NON_LATIN_ENCODINGS:
        return ""
    close = [
        m.encoding
        for m in matches
        if m.encoding in _NON_LATIN_ENCODINGS and m.chaos <= matches[0].chaos + 0.1
    ]
    return str(next((e for e in close if not e.startswith("mac_")), close[0]))


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file is valid UTF-8; then a non-Latin encoding when
    charset_normalizer is sure of it; else Windows-1252, the usual encoding of spreadsheets saved on
    Windows."""
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        if _decodes(path, "utf-8-sig"):
            return "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _decodes(path, "utf-16"):
            return "utf-16"
    elif b"\x00" not in head:
        if _decodes(path, "utf-8"):
            return "utf-8"
        guess = _non_latin_guess(head)
        if guess and _decodes(path, guess):
            return guess
        return "cp1252" if _decodes(path, "cp1252") else "latin-1"
    raise ImportFileError(
        _("The file is not a text file, or its encoding is not recognised: save it as “CSV UTF-8”.")
    )


# Columns -------------------------------------------------------------------------------------------------


def _header_name(value: Any) -> str:
    text = "" if value is None else str(value)
    return " ".join(_CONTROL.sub(" ", text.replace("\ufeff", "")).split())[:MAX_COLUMN_NAME]


def _columns(header: list[Any]) -> tuple[list[str], list[int], list[str]]:
    """Column names (made unique) with their positions; cells without a header are dropped."""
    names: list[str] = []
    positions: list[int] = []
    seen: set[str] = set()
    unnamed = 0
    cleaned = [_header_name(cell) for cell in header]
    count = sum(1 for name in cleaned if name)
    if count > MAX_COLUMNS:
        raise ImportFileError(
            _("The file has too many columns (%(count)d; at most %(max)d).")
            % {"count": count, "max": MAX_COLUMNS}
        )
    for position, name in enumerate(cleaned):
        if not name:
            unnamed += 1
            continue
        unique, copy = name, 2
        while unique in seen:
            unique, copy = f"{name} ({copy})", copy + 1
        seen.add(unique)
        names.append(unique)
        positions.append(position)
    notes = []
    # Trailing empty header cells are what spreadsheets leave behind; only gaps inside the header are news.
    inner_unnamed = unnamed - (len(header) - 1 - positions[-1] if positions else unnamed)
    if inner_unnamed:
        notes.append(_("%(count)d column(s) without a header were ignored.") % {"count": inner_unnamed})
    originals = set(cleaned)
    renamed = [n for n in names if n not in originals]
    if renamed:
        notes.append(
            _("Some column names appear twice; the copies were renamed: %(names)s.")
            % {"names": ", ".join(renamed)}
        )
    return names, positions, notes


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def unescape_formula(value: Any) -> Any:
    """Our CSV and XLSX exports put an apostrophe before a cell a spreadsheet would run as a formula
    (CSV injection); reading such a file takes it off again."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


def _cells(names: list[str], positions: list[int], row: list[Any] | tuple[Any, ...]) -> dict[str, Any]:
    width = len(row)
    return {
        name: unescape_formula(row[pos]) if pos < width else None
        for name, pos in zip(names, positions, strict=True)
    }


# CSV -----------------------------------------------------------------------------------------------------


def _width(text: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader(io.StringIO(text), delimiter=delimiter), []))
    except csv.Error:
        return 0


def sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:_SNIFF_LINES]
    text = "\n".join(lines)[:_SNIFF_CHARS]
    try:
        delimiter = csv.Sniffer().sniff(text, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    first = next((line for line in lines if line.strip()), "")
    if delimiter and delimiter in _DELIMITERS and _width(first, delimiter) > 1:
        return delimiter
    # The sniffer gives up on short or irregular samples: take the delimiter that splits the header most.
    widths = {d: _width(first, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: widths[d])
    return best if widths[best] > 1 else ","


def _lines(handle: IO[str]) -> Iterator[str]:
    """The file's lines, refusing a line so long that parsing it could exhaust the memory."""
    while line := handle.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                _("A line of the file is too long (more than %(max)d characters).") % {"max": MAX_LINE_CHARS}
            )
        yield line


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(_lines(handle), delimiter=delimiter)
        number = 0
        while True:
            number += 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    _("Row %(row)d could not be read as CSV: %(error)s.") % {"row": number, "error": exc}
                ) from exc
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    _("Row %(row)d could not be decoded as %(encoding)s.")
                    % {"row": number, "encoding": encoding}
                ) from exc
            yield number, record


def _csv_table(path: Path) -> Table:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(_SNIFF_CHARS * 4)
    delimiter = sniff_delimiter(sample)
    header_number = 0
    header: list[str] = []
    for number, record in _csv_records(path, encoding, delimiter):
        if any(not _is_empty(cell) for cell in record):
            header_number, header = number, record
            break
    if not header_number:
        raise ImportFileError(_("The file is empty."))
    names, positions, notes = _columns(header)

    def read() -> Iterator[RawRow]:
        for number, record in _csv_records(path, encoding, delimiter):
            if number <= header_number or all(_is_empty(cell) for cell in record):
                continue
            yield RawRow(number, _cells(names, positions, record))

    return Table("csv", names, read, notes, encoding=encoding, delimiter=delimiter)


# XLSX ----------------------------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    """Rows of the first sheet with their sheet row numbers; any failure of a malformed file is reported."""
    # A file object, not the path: openpyxl judges a path by its extension, and stored uploads have none.
    with path.open("rb") as handle:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
                workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # zipfile, XML and openpyxl errors: the file is not a readable XLSX
            raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
        try:
            if not workbook.worksheets:
                raise ImportFileError(_("The workbook has no sheet."))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # read every row, whatever the (often wrong) stored dimensions say
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                _("The XLSX workbook could not be read to the end: it is damaged.")
            ) from exc
        finally:
            workbook.close()


def _xlsx_table(path: Path) -> Table:
    header_number = 0
    header: tuple[Any, ...] = ()
    rows = _xlsx_rows(path)
    try:
        for number, row in rows:
            if any(not _is_empty(cell) for cell in row):
                header_number, header = number, row
                break
    finally:
        rows.close()
    if not header_number:
        raise ImportFileError(_("The file is empty."))
    names, positions, notes = _columns(list(header))

    def read() -> Iterator[RawRow]:
        for number, row in _xlsx_rows(path):
            if number <= header_number or all(_is_empty(cell) for cell in row):
                continue
            yield RawRow(number, _cells(names, positions, row))

    return Table("xlsx", names, read, notes)


# JSON ----------------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON value")


def _json_records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if data.get("format") == "revoyure-register" and data.get("version", 1) != 1:
            raise ImportFileError(
                _("This register export has version %(version)s; only version 1 is supported.")
                % {"version": str(data.get("version"))[:20]}
            )
        for key in _JSON_RECORD_KEYS:
            if isinstance(data.get(key), list):
                return list(data[key])
    raise ImportFileError(_("The JSON file must hold a list of records, or an object with a “records” list."))


def _json_table(path: Path) -> Table:
    encoding = detect_encoding(path)
    try:
        data = json.loads(path.read_text(encoding=encoding), parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ImportFileError(_("The JSON file is nested too deeply.")) from exc
    except ValueError as exc:
        raise ImportFileError(_("The file is not valid JSON: %(error)s.") % {"error": exc}) from exc
    records = _json_records(data)
    del data
    seen: dict[str, None] = {}
    for record in records:
        if isinstance(record, dict):
            for key in record:
                seen.setdefault(key, None)
    keys = list(seen)
    names, positions, notes = _columns(keys)
    key_of = {name: keys[position] for name, position in zip(names, positions, strict=True)}

    def read() -> Iterator[RawRow]:
        for index, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield RawRow(
                    index,
                    {},
                    _("expected a record (a JSON object), found %(type)s") % {"type": type(record).__name__},
                )
                continue
            cells = {name: record.get(key_of[name]) for name in names}
            if all(_is_empty(v) or v == [] or v == {} for v in cells.values()):
                continue
            yield RawRow(index, cells)

    return Table("json", names, read, notes, encoding=encoding)
