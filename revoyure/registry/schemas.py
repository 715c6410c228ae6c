"""Typed API schemas of the register, derived from `registry.fields` so that a field added to the record
appears in the API (and its OpenAPI document) without being listed again.

Field names are the register field names of `field_specs()`. Input schemas refuse unknown fields (422
naming them); output schemas are plain pydantic models fed with dicts, which keeps a page of 100 tools fast.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.db import models
from django.utils import translation
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from revoyure.core.api import PageQuery, Text
from revoyure.registry.choices import (
    AttachmentKind,
    DomainCategory,
    SecurityMeasureType,
    ToolStatus,
    YesNoUnknown,
)
from revoyure.registry.fields import (
    LIST_CHOICES,
    READ_ONLY_FIELDS,
    STATUS_FIELDS,
    FieldSpec,
    field_specs,
)
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.queries import DEFAULT_SORT, SORTS
from revoyure.registry.services import MAX_REASON_LENGTH
from revoyure.registry.validation import MAX_ITEM_TEXT, MAX_LIST_ITEMS

_MAX_TEXT = 100_000
_POSITIVE_INT_MAX = 2_147_483_647


def _stripped(max_length: int) -> Any:
    return Annotated[Text, StringConstraints(strip_whitespace=True, max_length=max_length)]


def _literal(values: list[Any]) -> Any:
    return Literal[tuple(values)]


def _english(label: Any) -> str:
    # Schema descriptions are written once, in the msgid language, whatever the request's language.
    with translation.override(None):
        return str(label)


class Output(BaseModel):
    """Output schemas: validated from plain dicts, without ninja's attribute resolution."""

    model_config = ConfigDict(from_attributes=False)


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# Nested values --------------------------------------------------------------------------------------------


class VendorRef(Output):
    id: int
    name: str


class SecurityMeasureOut(Output):
    type: str
    description: str


class TrainingOut(Output):
    title: str
    audience: str = ""
    date: str = ""
    people_trained: int | None = None


class SecurityMeasureIn(Input):
    type: _literal(list(SecurityMeasureType.values)) = SecurityMeasureType.OTHER.value  # type: ignore[valid-type]
    description: _stripped(MAX_ITEM_TEXT)  # type: ignore[valid-type]


class TrainingIn(Input):
    title: _stripped(MAX_ITEM_TEXT)  # type: ignore[valid-type]
    audience: _stripped(MAX_ITEM_TEXT) = ""  # type: ignore[valid-type]
    date: dt.date | None = None
    people_trained: Annotated[int, Field(ge=0, le=_POSITIVE_INT_MAX)] | None = None


# Tools ----------------------------------------------------------------------------------------------------


def _model_field(name: str) -> models.Field:
    return Tool._meta.get_field(name)  # type: ignore[return-value]


def _output_type(spec: FieldSpec) -> Any:
    field = _model_field(spec.name)
    if spec.kind == "vendor":
        return VendorRef | None
    if spec.kind == "structured":
        return list[SecurityMeasureOut] if spec.name == "security_measures" else list[TrainingOut]
    if spec.kind == "list":
        return list[str]
    if spec.kind == "choice":
        return int | None if isinstance(field, models.IntegerField) else str
    return {
        "text": str,
        "string": str,
        "date": dt.date | None,
        "datetime": dt.datetime,
        "integer": int | None,
        "decimal": Decimal | None,
        "boolean": bool,
    }[spec.kind]


def _choice_values(spec: FieldSpec) -> list[Any]:
    field = _model_field(spec.name)
    if spec.kind == "list":
        return list(LIST_CHOICES[spec.name].values)
    return [value for value, _label in field.choices or ()]


def _output_field(spec: FieldSpec) -> tuple[Any, Any]:
    extra: dict[str, Any] = {}
    if spec.kind in ("choice", "list"):
        # Documented as an enumeration; not enforced on output, so a retired value never breaks a read.
        extra["json_schema_extra"] = {"x-enum": _choice_values(spec)}
    return _output_type(spec), Field(..., description=f"{spec.group}. {_english(spec.label)}", **extra)


def _input_type(spec: FieldSpec) -> Any:
    field = _model_field(spec.name)
    nullable = bool(field.null)
    if spec.kind == "structured":
        item = SecurityMeasureIn if spec.name == "security_measures" else TrainingIn
        return Annotated[list[item], Field(max_length=MAX_LIST_ITEMS)]  # type: ignore[valid-type]
    if spec.kind == "list":
        allowed = _choice_values(spec)
        return Annotated[list[_literal(allowed)], Field(max_length=len(allowed))]  # type: ignore[misc]
    if spec.kind == "choice":
        choice = _literal(_choice_values(spec))
        return choice | None if nullable else choice
    if spec.kind == "string":
        return _stripped(spec.max_length or _MAX_TEXT)
    if spec.kind == "text":
        return _stripped(_MAX_TEXT)
    if spec.kind == "integer":
        return Annotated[int, Field(ge=0, le=_POSITIVE_INT_MAX)] | None
    if spec.kind == "decimal":
        digits, places = getattr(field, "max_digits", None), getattr(field, "decimal_places", None)
        return Annotated[Decimal, Field(max_digits=digits, decimal_places=places)] | None
    return {"date": dt.date | None, "boolean": bool}[spec.kind]


def _input_field(spec: FieldSpec) -> tuple[Any, Any]:
    field = _model_field(spec.name)
    default = field.get_default() if field.has_default() else (None if field.null else "")
    return _input_type(spec), Field(default, description=f"{spec.group}. {_english(spec.label)}")


def _writable_specs() -> list[FieldSpec]:
    # Status and its dates change only through the status endpoint, so the status gates always apply.
    return [s for s in field_specs() if s.name not in READ_ONLY_FIELDS | STATUS_FIELDS and s.kind != "vendor"]


def _vendor_choice() -> dict[str, Any]:
    return {
        "vendor_id": (
            Annotated[int, Field(ge=1, le=2**63 - 1)] | None,
            Field(None, description="B. Provider: id of a shared vendor (null: none)."),
        ),
        "vendor_name": (
            _stripped(200) | None,
            Field(
                None,
                description="B. Provider, by name: an existing vendor, or a new one registered on the fly.",
            ),
        ),
    }


def _tool_input_fields() -> dict[str, Any]:
    return {spec.name: _input_field(spec) for spec in _writable_specs()} | _vendor_choice()


_tool_out = create_model(  # type: ignore[call-overload]
    "ToolOut",
    __base__=Output,
    id=(int, ...),
    organisation=(str, Field(..., description="Slug of the organisation.")),
    highest_risk=(int | None, Field(..., description="Highest of the three risk levels (1-4).")),
    created_at=(dt.datetime, ...),
    **{spec.name: _output_field(spec) for spec in field_specs()},
)
_tool_create_in = create_model(
    "ToolCreateIn",
    __base__=Input,
    **_tool_input_fields()
    | {
        "name": (_stripped(300), Field(..., min_length=1, description="A. System name (required).")),
        "reason": (
            _stripped(MAX_REASON_LENGTH),
            Field("", description="Why the tool is registered (kept in the history)."),
        ),
    },
)
_tool_patch_in = create_model(
    "ToolPatchIn",
    __base__=Input,
    **_tool_input_fields()
    | {
        "reason": (
            _stripped(MAX_REASON_LENGTH),
            Field(..., description="Why this change is made (mandatory, kept in the history)."),
        ),
    },
)
_historical_tool_out = create_model(
    "HistoricalToolOut",
    __base__=_tool_out,
    history_id=(int, ...),
    history_date=(dt.datetime, ...),
    history_user=(str | None, Field(..., description="E-mail address of the author of this version.")),
    history_reason=(str | None, ...),
)

if TYPE_CHECKING:
    ToolOut = Output
    ToolCreateIn = Input
    ToolPatchIn = Input
    HistoricalToolOut = Output
else:
    ToolOut = _tool_out
    ToolCreateIn = _tool_create_in
    ToolPatchIn = _tool_patch_in
    HistoricalToolOut = _historical_tool_out

# Names of the register fields read straight from a tool (the vendor is nested, the rest is derived).
PLAIN_TOOL_FIELDS = tuple(spec.name for spec in field_specs() if spec.kind != "vendor")
WRITABLE_TOOL_FIELDS = frozenset(spec.name for spec in _writable_specs())


class ToolPage(Output):
    count: int
    next: str | None
    previous: str | None
    items: list[ToolOut]


class ToolQuery(PageQuery):
    """The filters of the web list (`registry.queries.ToolFilters`), plus paging."""

    status: _literal(list(ToolStatus.values)) | None = None  # type: ignore[valid-type]
    domain_category: _literal(list(DomainCategory.values)) | None = None  # type: ignore[valid-type]
    risk: Annotated[int, Field(ge=1, le=4)] | None = None
    vendor: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    is_ai_system: _literal(list(YesNoUnknown.values)) | None = None  # type: ignore[valid-type]
    can_monitor_activity: _literal(list(YesNoUnknown.values)) | None = None  # type: ignore[valid-type]
    q: _stripped(200) = ""  # type: ignore[valid-type]
    sort: _literal(list(SORTS)) = DEFAULT_SORT  # type: ignore[valid-type]


class StatusChangeIn(Input):
    status: _literal(list(ToolStatus.values))  # type: ignore[valid-type]
    date: dt.date | None = Field(None, description="Date of the change (default: today).")
    reason: _stripped(MAX_REASON_LENGTH)  # type: ignore[valid-type]


# History --------------------------------------------------------------------------------------------------


class FieldChange(Output):
    field: str
    old: Any
    new: Any


class HistoryEntryOut(Output):
    history_id: int
    date: dt.datetime
    type: Literal["created", "changed", "deleted"]
    user: str | None
    reason: str | None
    changes: list[FieldChange]


class HistoryPage(Output):
    count: int
    next: str | None
    previous: str | None
    items: list[HistoryEntryOut]


# Vendors --------------------------------------------------------------------------------------------------


def _vendor_max(name: str) -> int:
    return int(Vendor._meta.get_field(name).max_length or _MAX_TEXT)  # type: ignore[union-attr]


class VendorOut(Output):
    id: int
    name: str
    country: str
    in_eu: str
    alert_contact_email: str
    website: str
    description: str
    created_at: dt.datetime


class VendorDetailOut(VendorOut):
    note: str = Field("", description="The organisation's own note about this vendor (never shared).")


class VendorPage(Output):
    count: int
    next: str | None
    previous: str | None
    items: list[VendorOut]


class VendorQuery(PageQuery):
    q: _stripped(200) = ""  # type: ignore[valid-type]


class _VendorFields(Input):
    country: _stripped(_vendor_max("country")) = ""  # type: ignore[valid-type]
    in_eu: _literal(list(YesNoUnknown.values)) = YesNoUnknown.UNKNOWN.value  # type: ignore[valid-type]
    alert_contact_email: _stripped(_vendor_max("alert_contact_email")) = ""  # type: ignore[valid-type]
    website: _stripped(_vendor_max("website")) = ""  # type: ignore[valid-type]
    description: _stripped(_MAX_TEXT) = ""  # type: ignore[valid-type]


class VendorCreateIn(_VendorFields):
    name: Annotated[_stripped(_vendor_max("name")), Field(min_length=1)]  # type: ignore[valid-type]
    reason: _stripped(MAX_REASON_LENGTH) = ""  # type: ignore[valid-type]


class VendorPatchIn(_VendorFields):
    name: _stripped(_vendor_max("name")) = ""  # type: ignore[valid-type]
    reason: _stripped(MAX_REASON_LENGTH)  # type: ignore[valid-type]


# Attachments ----------------------------------------------------------------------------------------------

AttachmentKindIn = _literal(list(AttachmentKind.values))


class AttachmentOut(Output):
    id: int
    tool_id: int | None
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str | None
    download_url: str
